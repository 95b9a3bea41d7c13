// A whole `rebuild run` (the CLI, the default plugins) of the tester's fixture aggregate
// (fixtures/aggregate: meta.yaml and recipe.yaml recipes) against a build channel whose python is the host's python3: every package is
// built, each test failure is reported with its reason, a failed test does not block a dependent's
// build, and only the packages that pass reach the tested channel.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testChannels, type TestChannels } from './fixtures/test-channel.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const aggregate = fileURLToPath(new URL('./fixtures/aggregate', import.meta.url));

const run = suite('rebuild run with the tester', { ch: null as unknown as TestChannels });
run.before(async (ctx) => {
  ctx.ch = await testChannels();
  writeFileSync(join(ctx.ch.root, 'rebuild.config.ts'), `export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: ${JSON.stringify(aggregate)},
  workDir: './work',
  channels: { build: ['./build-channel'] },
};
`);
});
run.after((ctx) => ctx.ch.cleanup());

const rebuild = (cwd: string, args: string[]) => {
  const r = spawnSync(process.execPath, [join(repo, 'bin/rebuild.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: r.status, out: r.stdout + r.stderr };
};

run('failed tests are reported with their reason; dependents still build; only passing packages are in the tested channel', ({ ch }) => {
  const r = rebuild(ch.root, ['run']);
  assert.is(r.status, 1, r.out);
  assert.match(r.out, /badimport: FAILED \(test\) test failed: imports: badimport: ModuleNotFoundError: No module named 'badimport\._native'/);
  assert.match(r.out, /badcommand: FAILED \(test\) test failed: commands\[0\]: badcommand --self-test: error: self-test failed: expected 3 plugins, found 0/);
  assert.match(r.out, /needsmissing: FAILED \(test\) test failed: install: cannot install the test environment \(needsmissing 3\.0 py313_0, no-such-test-helper >=1, python\): .*No candidates were found for no-such-test-helper >=1/);
  // usesbad builds against badimport (whose test failed) and passes its own tests.
  assert.match(r.out, /usesbad: built/);
  assert.match(r.out, /goodpkg: tested in \S+ \(4 check\(s\) passed\)/);
  // recipe.yaml tests: python imports + pip check, a script with recipe files, package_contents.
  assert.match(r.out, /v1pkg: tested in \S+ \(8 check\(s\) passed\)/);
  const tested = join(ch.root, 'work', 'tested', 'linux-64');
  assert.equal(readdirSync(tested).filter((f) => f.endsWith('.tar.bz2')).sort(), ['goodpkg-1.0.2-py313_0.tar.bz2', 'usesbad-1.4-py313_0.tar.bz2', 'v1pkg-0.3.0-py313hac9f204_0.tar.bz2']);
  const repodata = JSON.parse(readFileSync(join(tested, 'repodata.json'), 'utf8'));
  assert.equal(Object.keys(repodata.packages).sort(), ['goodpkg-1.0.2-py313_0.tar.bz2', 'usesbad-1.4-py313_0.tar.bz2', 'v1pkg-0.3.0-py313hac9f204_0.tar.bz2']);
  // The log has a header per test and the test's own output.
  const v1log = readFileSync(join(ch.root, 'work', 'logs', 'linux-64', 'v1pkg.log'), 'utf8');
  assert.equal(v1log.match(/^---- .*$/gm)?.map((l) => l.replace(/ \(\d+ ms\)$/, '')), [
    '---- install: ok', '---- files: ok', '---- package_contents[0]: ok', '---- imports: v1pkg: ok', '---- imports: v1pkg.core: ok', '---- pip check: ok',
    '---- commands[1]: python -c "import v1pkg.core as c; assert c.scale(2) == 6": ok', '---- commands[2]: test "$(cat data.txt)" = "three": ok',
  ]);
  const log = readFileSync(join(ch.root, 'work', 'logs', 'linux-64', 'badimport.log'), 'utf8');
  assert.match(log, /==== test imports: badimport ====\n[\s\S]*Traceback[\s\S]*ModuleNotFoundError/);
  assert.ok(existsSync(join(ch.root, 'work', 'channel', 'linux-64', 'badimport-2.1.0-py313_0.tar.bz2')), 'a failed test leaves the built package in the output channel');
});

run('tests: { enabled: false } turns the tester off: nothing is tested, nothing reaches the tested channel', ({ ch }) => {
  const cfg = readFileSync(join(ch.root, 'rebuild.config.ts'), 'utf8').replace("workDir: './work',", "workDir: './work-off',\n  tests: { enabled: false },");
  writeFileSync(join(ch.root, 'rebuild.config.ts'), cfg);
  const r = rebuild(ch.root, ['run']);
  assert.is(r.status, 0, r.out);
  assert.not.match(r.out, /testing|FAILED/);
  assert.not.ok(existsSync(join(ch.root, 'work-off', 'tested', 'linux-64', 'goodpkg-1.0.2-py313_0.tar.bz2')));
});

run.run();
