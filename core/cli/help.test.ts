// `--help` promises only what the commands do.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProgram, main } from './main.ts';
import { EXIT } from '../engine/exit-codes.ts';

const help = suite('CLI help');

help('report: says it is not implemented yet, takes no --json, exits 64 and writes nothing', async () => {
  const report = buildProgram({ code: 0 }).commands.find((c) => c.name() === 'report')!;
  assert.match(report.description(), /^not implemented yet/);
  assert.not.ok(report.options.some((o) => o.long === '--json'));
  const write = process.stderr.write;
  let err = '';
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  try {
    assert.is(await main(['report']), EXIT.USAGE);
  } finally {
    process.stderr.write = write;
  }
  assert.is(err, 'rebuild report: not implemented yet in this version; nothing was written\n');
});

help('every command takes --debug (the stack of an error)', () => {
  for (const c of buildProgram({ code: 0 }).commands) assert.ok(c.options.some((o) => o.long === '--debug'), c.name());
});

help.run();
