// `--help` promises only what the commands do.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProgram } from './main.ts';

const help = suite('CLI help');

help('report: writes the formats it names; --json and --failures', () => {
  const report = buildProgram({ code: 0 }).commands.find((c) => c.name() === 'report')!;
  assert.match(report.description(), /report\.md, report\.json, report\.junit\.xml/);
  for (const flag of ['--format', '--out', '--json', '--failures', '--screenshot', '--serve', '--port']) assert.ok(report.options.some((o) => o.long === flag), flag);
  assert.match(report.description(), /dashboard\.html/);
});

help('every command takes --debug (the stack of an error)', () => {
  for (const c of buildProgram({ code: 0 }).commands) assert.ok(c.options.some((o) => o.long === '--debug'), c.name());
});

help.run();
