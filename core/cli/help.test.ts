// `--help` promises only what the commands do.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
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

help('rebuild --version prints the package version and exits 0', async () => {
  const { main } = await import('./main.ts');
  const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  const out: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(['--version'], { write: () => {} });
  } finally {
    process.stdout.write = write;
  }
  assert.is(code, 0);
  assert.equal(out, [`${version}\n`]);
});

help.run();
