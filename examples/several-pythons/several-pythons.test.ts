// The root README's "Several pythons at once", run as a user runs it: `rebuild run` of
// examples/several-pythons (python.to: ['3.13', '3.14']) builds, tests and publishes every package
// for both pythons, and the reports put the pythons side by side.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertJunitValid, assertValid } from '../../core/report/fixtures/validate.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = 'examples/several-pythons/rebuild.config.ts';

function rebuild(workDir: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, 'bin/rebuild.js'), ...args, '--config', CONFIG, '--work-dir', workDir], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
}

const s = suite<{ work: string; first: ReturnType<typeof rebuild> }>('examples/several-pythons');

s.before((ctx) => {
  ctx.work = mkdtempSync(join(tmpdir(), 'rebuild-several-pythons-'));
  ctx.first = rebuild(ctx.work, 'run');
});
s.after((ctx) => rmSync(ctx.work, { recursive: true, force: true }));

s('the README shows the example config as it is', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- example: examples\/several-pythons\/rebuild\.config\.ts -->\n```ts\n([\s\S]*?)```\n/.exec(readme);
  assert.ok(m, 'the README block is marked');
  assert.ok(readFileSync(join(ROOT, CONFIG), 'utf8').includes(m![1]), 'the README block is part of the config file');
});

s('run :: every package built, tested and published for both pythons; logs per python', ({ work, first }) => {
  assert.is(first.status, 0, first.stdout + first.stderr);
  assert.match(first.stdout + first.stderr, /linux-64 py3\.13 greet: built in /);
  assert.match(first.stdout + first.stderr, /linux-64 py3\.14 greet: built in /);
  const production = readdirSync(join(work, 'production', 'linux-64')).filter((f) => f.endsWith('.tar.bz2'));
  assert.equal(production.sort(), [
    'greet-1.2.0-py313_0.tar.bz2', 'greet-1.2.0-py314_0.tar.bz2',
    'oldcompat-2.0.3-py313_0.tar.bz2',
    'python-3.13.0-0.tar.bz2', 'python-3.14.0-0.tar.bz2',
    'shout-0.4.1-py313_0.tar.bz2', 'shout-0.4.1-py314_0.tar.bz2',
  ]);
  for (const py of ['3.13', '3.14']) assert.ok(existsSync(join(work, 'logs', 'linux-64', `py${py}`, 'shout.log')), `shout's ${py} log`);
  // shout's build and tests install greet built for their own python.
  assert.match(readFileSync(join(work, 'logs', 'linux-64', 'py3.14', 'shout.log'), 'utf8'), /host environment: install greet 1\.2\.0 py314_0\n[\s\S]*test environment: install greet 1\.2\.0 py314_0\n/);
});

s('report :: both pythons in the title, a row each, side by side where they differ', async ({ work }) => {
  const md = readFileSync(join(work, 'report', 'report.md'), 'utf8');
  assert.match(md, /^# Rebuild report: python 3\.12 → 3\.13, 3\.14\n/);
  assert.match(md, /\| linux-64 py3\.13 \| 4 \| 4 \| 4 \| 4 \| 0 \|\n\| linux-64 py3\.14 \| 3 \| 3 \| 3 \| 3 \| 1 \|\n\| \*\*py3\.13\*\* \| 4 \| 4 \| 4 \| 4 \| 0 \|\n\| \*\*py3\.14\*\* \| 3 \| 3 \| 3 \| 3 \| 1 \|\n/);
  assert.match(md, /## Side by side \(python 3\.13, 3\.14\)\n\nPackages whose state differs between the pythons of an arch \(3 packages have the same state on every python\)\.\n\n\| package \| linux-64 py3\.13 \| linux-64 py3\.14 \|\n\|---\|---\|---\|\n\| oldcompat \| published \| excluded \(skipped\) \|\n/);
  const json = JSON.parse(readFileSync(join(work, 'report', 'report.json'), 'utf8'));
  assertValid(json);
  assert.equal(json.config.python, { from: '3.12', to: ['3.13', '3.14'] });
  assert.equal(json.targets.map((t: { subdir: string; python: string }) => `${t.subdir}/${t.python}`), ['linux-64/3.13', 'linux-64/3.14']);
  const xml = readFileSync(join(work, 'report', 'report.junit.xml'), 'utf8');
  await assertJunitValid(xml);
  assert.match(xml, /<testsuites name="rebuild python 3\.12 to 3\.13, 3\.14"/);
  assert.match(readFileSync(join(work, 'report', 'dashboard.html'), 'utf8'), /<title>rebuild dashboard — python 3\.13, 3\.14<\/title>/);
  for (const py of ['3.13', '3.14']) assert.ok(existsSync(join(work, 'report', `installability-py${py}.junit.xml`)), `installability for ${py}`);
});

s('status names each target; logs and verify pick the python; a second run builds nothing', ({ work }) => {
  const status = rebuild(work, 'status');
  assert.match(status.stdout, /linux-64 py3\.13 +4 +0 +4\nlinux-64 py3\.14 +3 +1 +4\n/);
  assert.match(rebuild(work, 'logs', 'shout', '--python', '3.14').stdout, /^=== shout \(linux-64, python 3\.14\) attempt 1/);
  const follow = rebuild(work, 'logs', 'shout', '-f');
  assert.is(follow.status, 64);
  assert.match(follow.stderr, /has logs for linux-64 py3\.13 shout, linux-64 py3\.14 shout; pick one with --arch and --python/);
  // verify rebuilds each python's build from its own python's plan: both identical.
  const verify = rebuild(work, 'verify', 'greet');
  assert.is(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /linux-64\/greet-1\.2\.0-py313_0\.tar\.bz2: identical/);
  assert.match(verify.stdout, /linux-64\/greet-1\.2\.0-py314_0\.tar\.bz2: identical/);
  const again = rebuild(work, 'run');
  assert.is(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout + again.stderr, /: 7 package\(s\): 0 to build, 7 already built/);
});

s.run();
