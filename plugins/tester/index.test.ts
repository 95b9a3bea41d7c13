// The tester on packages whose tests really run: the fixture python is the host's python3 with the
// test prefix's site-packages first, so imports execute the installed package's code.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestReport } from '../../core/model/types.ts';
import { LocalChannel } from '../../core/conda/channel.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { Engine } from '../../core/engine/engine.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { built, output, testChannels, testTask as makeTask, type TestChannels } from './fixtures/test-channel.ts';
import { tester, PLUGIN_NAME } from './index.ts';
import { testTask } from './test-task.ts';

const t = suite('testTask', { ch: null as unknown as TestChannels });
t.before.each(async (ctx) => {
  ctx.ch = await testChannels();
});
t.after.each((ctx) => ctx.ch.cleanup());

const GOOD_PY = `VALUE = 42\n`;
const GOOD_BIN = `#!/bin/sh\n[ "$1" = --version ] && echo "goodpkg 1.0" && exit 0\necho "error: goodpkg: unknown option $1" >&2\nexit 3\n`;

const summary = (r: TestReport) => r.checks.map((c) => `${c.kind} ${c.name}: ${c.skipped ? 'skipped' : c.ok ? 'ok' : `FAILED ${c.message}`}`);
const repodataNames = (channel: string, subdir = 'linux-64') =>
  existsSync(join(channel, subdir, 'repodata.json')) ? Object.keys(JSON.parse(readFileSync(join(channel, subdir, 'repodata.json'), 'utf8')).packages).sort() : [];

t('a package that passes: every kind of test runs in the prefix, and it is copied to the tested channel, indexed', async ({ ch }) => {
  const a = await built(ch, {
    name: 'goodpkg', depends: ['python 3.13.*'],
    files: { 'lib/python3.13/site-packages/goodpkg/__init__.py': GOOD_PY, 'bin/goodpkg': GOOD_BIN },
  });
  writeFileSync(join(ch.recipeDir, 'data.txt'), 'fixture data\n');
  writeFileSync(join(ch.recipeDir, 'run_test.py'), 'import goodpkg, testhelper\nassert goodpkg.VALUE == testhelper.answer()\nprint("run_test.py: ok")\n');
  writeFileSync(join(ch.recipeDir, 'run_test.sh'), 'set -e\ngoodpkg --version\ntest -f data.txt\n');
  const task = makeTask(ch, [a], [output('goodpkg', {
    imports: ['goodpkg'], requires: ['testhelper'], files: ['data.txt'],
    commands: [
      'goodpkg --version',
      // conda-build's test environment
      'test "$PKG_NAME-$PKG_VERSION" = goodpkg-1.0 && test "$CONDA_BUILD_STATE" = TEST && test "$PYTHON" = "$PREFIX/bin/python"',
      'test "$(command -v python)" = "$PREFIX/bin/python" && test "$CONDA_PREFIX" = "$PREFIX" && test "$SP_DIR" = "$PREFIX/lib/python3.13/site-packages"',
      'python -c "import testhelper, goodpkg; assert testhelper.answer() == goodpkg.VALUE"',
    ],
  })]);
  const tested = new LocalChannel(join(ch.root, 'tested'));
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report, {}, tested);
  await tested.close();
  assert.equal(summary(report), [
    'install install: ok',
    'files files: ok',
    'imports imports: goodpkg: ok',
    'commands commands[0]: goodpkg --version: ok',
    ...task.node.variants[0].outputs[0].test.commands.slice(1).map((c, i) => `commands commands[${i + 1}]: ${c.slice(0, 80)}: ok`),
    'script run_test.py: ok',
    'script run_test.sh: ok',
  ]);
  assert.ok(report.checks.every((c) => c.durationMs >= 0 && typeof c.durationMs === 'number'));
  const log = readFileSync(task.logFile, 'utf8');
  assert.match(log, /==== test imports: goodpkg ====/);
  assert.match(log, /run_test\.py: ok/);
  assert.match(log, /goodpkg 1\.0/);
  assert.equal(repodataNames(join(ch.root, 'tested')), ['goodpkg-1.0-py313_0.tar.bz2']);
  assert.ok(existsSync(join(ch.root, 'tested', 'linux-64', 'goodpkg-1.0-py313_0.tar.bz2')));
});

t('a package built with a C compiler needs __glibc: the test environment has this system\'s virtual packages', async ({ ch }) => {
  const a = await built(ch, { name: 'cext', depends: ['python 3.13.*', '__glibc >=2.17'], files: { 'lib/python3.13/site-packages/cext/__init__.py': '' } });
  const task = makeTask(ch, [a], [output('cext', { imports: ['cext'] })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), ['install install: ok', 'imports imports: cext: ok']);
});

t('an import that fails: the check fails with the exception line, the package stays out of the tested channel', async ({ ch }) => {
  const a = await built(ch, { name: 'badimport', depends: ['python 3.13.*'], files: { 'lib/python3.13/site-packages/badimport/__init__.py': 'from . import _speedups\n' } });
  const task = makeTask(ch, [a], [output('badimport', { imports: ['badimport'] })]);
  const tested = new LocalChannel(join(ch.root, 'tested'));
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report, {}, tested);
  assert.equal(summary(report).map((l) => l.replace(/ from partially.*/, '')), ['install install: ok', "imports imports: badimport: FAILED ImportError: cannot import name '_speedups'"]);
  assert.match(report.checks[1].message!, /^ImportError: cannot import name '_speedups' from/);
  assert.match(readFileSync(task.logFile, 'utf8'), /Traceback/);
  assert.equal(repodataNames(join(ch.root, 'tested')), []);
});

t('an import of a module the package lacks: ModuleNotFoundError is the message', async ({ ch }) => {
  const a = await built(ch, { name: 'halfpkg', depends: ['python 3.13.*'], files: { 'lib/python3.13/site-packages/halfpkg/__init__.py': '' } });
  const task = makeTask(ch, [a], [output('halfpkg', { imports: ['halfpkg', 'halfpkg.core'] })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), ['install install: ok', 'imports imports: halfpkg: ok', "imports imports: halfpkg.core: FAILED ModuleNotFoundError: No module named 'halfpkg.core'"]);
});

t('a test command that fails: its error line is the message, the other commands still run', async ({ ch }) => {
  const a = await built(ch, { name: 'badcmd', depends: ['python 3.13.*'], files: { 'bin/badcmd': GOOD_BIN.replace(/goodpkg/g, 'badcmd') } });
  const task = makeTask(ch, [a], [output('badcmd', { commands: ['badcmd --check', 'badcmd --version'] })]);
  const tested = new LocalChannel(join(ch.root, 'tested'));
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report, {}, tested);
  assert.equal(summary(report), [
    'install install: ok',
    'commands commands[0]: badcmd --check: FAILED error: badcmd: unknown option --check',
    'commands commands[1]: badcmd --version: ok',
  ]);
  assert.match(readFileSync(task.logFile, 'utf8'), /\(exit code 3\)/);
  assert.equal(repodataNames(join(ch.root, 'tested')), []);
});

t("an unsatisfiable test requirement: the install check fails with the solver's message, nothing runs", async ({ ch }) => {
  const a = await built(ch, { name: 'needsmissing', depends: ['python 3.13.*'], files: { 'lib/python3.13/site-packages/needsmissing.py': '' } });
  const task = makeTask(ch, [a], [output('needsmissing', { imports: ['needsmissing'], requires: ['no-such-test-dep >=1'] })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.is(report.checks.length, 1);
  const [install] = report.checks;
  assert.is(install.kind, 'install');
  assert.is(install.ok, false);
  assert.match(install.message!, /^cannot install the test environment \(needsmissing 1\.0 py313_0, no-such-test-dep >=1, python\): .*No candidates were found for no-such-test-dep >=1/);
  assert.match(readFileSync(task.logFile, 'utf8'), /cannot solve the test environment/);
});

t('a test that hangs is stopped at its own time limit and fails with it', async ({ ch }) => {
  const a = await built(ch, { name: 'slowpkg', files: { 'share/slowpkg/x.txt': 'x\n' } });
  const task = makeTask(ch, [a], [output('slowpkg', { commands: ['sleep 30'] })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report, { checkTimeoutSeconds: 0.5 });
  assert.equal(summary(report), ['install install: ok', 'commands commands[0]: sleep 30: FAILED timed out after 0.5 s']);
});

t('v1 tests: pip check, package_contents (passing and failing)', async ({ ch }) => {
  const a = await built(ch, {
    name: 'v1pkg', depends: ['python 3.13.*'],
    files: { 'lib/python3.13/site-packages/v1pkg/__init__.py': '', 'lib/python3.13/site-packages/v1pkg/core.py': 'X = 1\n', 'bin/v1pkg': '#!/bin/sh\necho v1pkg\n' },
  });
  const contents = { files: [], notFiles: [], sitePackages: ['v1pkg.core'], bin: ['v1pkg'], lib: [], include: [], strict: false };
  const task = makeTask(ch, [a], [output('v1pkg', {
    imports: ['v1pkg.core'], requires: ['pip'], commands: ['pip check'],
    packageContents: [contents, { ...contents, bin: [], sitePackages: [], notFiles: ['**/core.py'] }],
  })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), [
    'install install: ok',
    'package_contents package_contents[0]: ok',
    'package_contents package_contents[1]: FAILED files not_exists **/core.py: the package has lib/python3.13/site-packages/v1pkg/core.py',
    'imports imports: v1pkg.core: ok',
    'pip_check pip check: ok',
  ]);
  assert.match(readFileSync(task.logFile, 'utf8'), /No broken requirements found\./);
});

t('pip check fails on a requirement the prefix does not have', async ({ ch }) => {
  const a = await built(ch, {
    name: 'brokenreq', depends: ['python 3.13.*'],
    files: {
      'lib/python3.13/site-packages/brokenreq/__init__.py': '',
      'lib/python3.13/site-packages/brokenreq-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: brokenreq\nVersion: 1.0\nRequires-Dist: not-installed-dep>=1\n',
    },
  });
  const task = makeTask(ch, [a], [output('brokenreq', { requires: ['pip'], commands: ['pip check'] })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), ['install install: ok', 'pip_check pip check: FAILED brokenreq 1.0 requires not-installed-dep, which is not installed.']);
});

t('test files the recipe dir lacks fail the files check', async ({ ch }) => {
  const a = await built(ch, { name: 'nofiles', files: { 'share/nofiles/x.txt': 'x\n' } });
  const task = makeTask(ch, [a], [output('nofiles', { files: ['missing.json'] })]);
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), ['install install: ok', `files files: FAILED test files not in the recipe dir ${ch.recipeDir}: missing.json`]);
});

t('source_files come from the recipe source into the test dir; one the source lacks fails the check', async ({ ch }) => {
  mkdirSync(join(ch.recipeDir, 'src', 'tests'), { recursive: true });
  writeFileSync(join(ch.recipeDir, 'src', 'tests', 'test_data.txt'), 'from the source\n');
  const a = await built(ch, { name: 'srcpkg', files: { 'share/srcpkg/x.txt': 'x\n' } });
  const task = makeTask(ch, [a], [output('srcpkg', { sourceFiles: ['tests/'], commands: ['grep -q "from the source" tests/test_data.txt'] })]);
  task.node.variants[0].source = [{ path: 'src' }];
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), ['install install: ok', 'files source_files: ok', 'commands commands[0]: grep -q "from the source" tests/test_data.txt: ok']);

  const missing = makeTask(ch, [a], [output('srcpkg', { sourceFiles: ['docs/'] })]);
  missing.node.variants[0].source = [{ path: 'src' }];
  const again: TestReport = { id: missing.id, checks: [] };
  await testTask(missing, again);
  assert.equal(summary(again), ['install install: ok', 'files source_files: FAILED source files not in the source: docs/']);
});

t('a second attempt in the same work dir starts from an empty prefix (a module left by the first does not make it pass)', async ({ ch }) => {
  const a = await built(ch, { name: 'leftover', depends: ['python 3.13.*'], files: { 'lib/python3.13/site-packages/leftover/__init__.py': '' } });
  const task = makeTask(ch, [a], [output('leftover', { imports: ['leftover.extra'] })]);
  const first: TestReport = { id: task.id, checks: [] };
  await testTask(task, first);
  assert.is(first.checks[1].ok, false);
  // Something (a test, a user poking around) left the missing module in the test prefix.
  writeFileSync(join(task.workDir, 'test-leftover-1.0-py313_0', 'prefix', 'lib', 'python3.13', 'site-packages', 'leftover', 'extra.py'), '');
  const second: TestReport = { id: task.id, checks: [] };
  await testTask(task, second);
  assert.equal(summary(second), ['install install: ok', "imports imports: leftover.extra: FAILED ModuleNotFoundError: No module named 'leftover.extra'"]);
});

t('a target this machine cannot run: installed, then every test skipped with why; formats of one package tested once', async ({ ch }) => {
  const a = await built(ch, { name: 'armpkg', subdir: 'linux-aarch64', build: '0', files: { 'bin/armpkg': '#!/bin/sh\n' } });
  const task = makeTask(ch, [a, { ...a, filename: a.filename.replace('.tar.bz2', '.conda') }], [output('armpkg', { commands: ['armpkg'] }, { build: '0' })], {
    target: { subdir: 'linux-aarch64', python: '3.13' },
  });
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report);
  assert.equal(summary(report), ['install install: ok', 'commands commands[0]: armpkg: skipped']);
  assert.match(report.checks[1].message!, /^not run: this machine \(linux-64\) cannot run linux-aarch64 programs/);
});

t('files that are not conda packages (a plugin\'s wheels) get no check and are not copied to the tested channel', async ({ ch }) => {
  mkdirSync(join(ch.output, 'linux-64'), { recursive: true });
  const path = join(ch.output, 'linux-64', 'wheelpkg-1.0-py3-none-any.whl');
  writeFileSync(path, 'not a conda package');
  const wheel = { path, filename: 'wheelpkg-1.0-py3-none-any.whl', subdir: 'linux-64' as const, name: 'wheelpkg', version: '1.0', build: 'py3-none-any', sha256: 'a'.repeat(64), size: 19 };
  const task = makeTask(ch, [wheel], [output('wheelpkg', { imports: ['wheelpkg'] })]);
  const tested = new LocalChannel(join(ch.root, 'tested'));
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report, {}, tested);
  await tested.close();
  assert.equal(report.checks, []);
  assert.not.ok(existsSync(join(ch.root, 'tested', 'linux-64', wheel.filename)));
});

t.run();

const p = suite('tester plugin');
p('bad options fail in the factory, naming the plugin', () => {
  assert.throws(() => tester({ checkTimeoutSeconds: -1 }), (e: Error) => e instanceof PluginOptionsError && e.message.includes(PLUGIN_NAME) && e.message.includes('checkTimeoutSeconds'));
  assert.throws(() => tester({ shel: ['bash'] } as never), (e: Error) => e instanceof PluginOptionsError && /unknown option 'shel'/.test(e.message));
  assert.is(tester({ checkTimeoutSeconds: 60, shell: ['/bin/bash', '-e'] }).name, PLUGIN_NAME);
});
p('declares channels.tested, so setting it is not reported as read by nothing', () => {
  const engine = new Engine(fakeConfig('/tmp/work', [tester()]));
  engine.initialize();
  assert.equal(engine.configReaders.readers('channels.tested'), [PLUGIN_NAME]);
});
p.run();
