import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand } from '../cli/commands/report.ts';
import { UserError } from '../model/errors.ts';
import { assertJunitValid } from '../report/fixtures/validate.ts';
import { buildChannel, referenceChannel, testedChannel } from './fixtures/channels.ts';

const cli = suite<{ dir: string }>('rebuild report --installability');

cli.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'installability-cli-'));
  testedChannel(join(ctx.dir, 'tested'));
  referenceChannel(join(ctx.dir, 'reference'));
  buildChannel(join(ctx.dir, 'conda-forge'));
  writeFileSync(
    join(ctx.dir, 'rebuild.config.json'),
    JSON.stringify({
      python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'linux-aarch64'], aggregate: '.', workDir: 'work',
      channels: { tested: 'tested', reference: 'reference', build: ['conda-forge'] },
    }),
  );
});
cli.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

async function report(dir: string, opts: Record<string, unknown>) {
  let out = '';
  const code = await reportCommand([], { config: join(dir, 'rebuild.config.json'), installability: true, ...opts }, { write: (t) => void (out += t) }, dir);
  return { code, out };
}

cli('writes the matrix of the config into <workDir>/report, or --out; prints the files and the summary', async ({ dir }) => {
  const { code, out } = await report(dir, {});
  assert.is(code, 0);
  const xmlFile = join(dir, 'work', 'report', 'installability.junit.xml');
  assert.is(out, `${xmlFile}\n${join(dir, 'work', 'report', 'installability.html')}\nlinux-64 4/5, linux-aarch64 3/5 installable with python 3.13\n`);
  const xml = readFileSync(xmlFile, 'utf8');
  await assertJunitValid(xml);
  assert.match(xml, /<property name="channel\.0" value="[^"]*\/tested"\/>\n {6}<property name="channel\.1" value="[^"]*\/work\/channel"\/>\n {6}<property name="channel\.2" value="[^"]*\/conda-forge"\/>/);
  const again = await report(dir, { out: 'elsewhere', json: true });
  assert.equal(JSON.parse(again.out), {
    written: [join(dir, 'elsewhere', 'installability.junit.xml'), join(dir, 'elsewhere', 'installability.html')],
    summary: 'linux-64 4/5, linux-aarch64 3/5 installable with python 3.13', cases: 10, notInstallable: 3,
  });
  assert.is(readFileSync(join(dir, 'elsewhere', 'installability.junit.xml'), 'utf8'), xml, 'from the cache, the same bytes');
});

cli('several pythons :: one matrix per python, files named by python, one summary for both', async ({ dir }) => {
  const config = JSON.parse(readFileSync(join(dir, 'rebuild.config.json'), 'utf8'));
  writeFileSync(join(dir, 'rebuild.config.json'), JSON.stringify({ ...config, python: { from: '3.12', to: ['3.13', '3.14'] } }));
  const { code, out } = await report(dir, { json: true });
  assert.is(code, 0);
  const r = JSON.parse(out);
  const at = (f: string) => join(dir, 'work', 'report', f);
  assert.equal(r.written, [at('installability-py3.13.junit.xml'), at('installability-py3.13.html'), at('installability-py3.14.junit.xml'), at('installability-py3.14.html')]);
  // The build channel has no python 3.14: nothing installs with it.
  assert.is(r.summary, 'linux-64 4/5, linux-aarch64 3/5 installable with python 3.13; linux-64 0/5, linux-aarch64 0/5 installable with python 3.14');
  assert.is(r.cases, 20);
  const xml = readFileSync(at('installability-py3.14.junit.xml'), 'utf8');
  await assertJunitValid(xml);
  assert.match(xml, /<testsuites name="installability python 3\.14"/);
});

cli('usage :: --installability with a flag of the other report is refused (exit 64)', async ({ dir }) => {
  for (const flag of ['failures', 'serve', 'screenshot']) {
    try {
      await report(dir, { [flag]: true });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as Error).message, `--installability writes the installability matrix only: it does not go with --${flag}`);
      assert.is((err as UserError).exitCode, 64);
    }
  }
});

cli.run();
