import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseJunit } from 'junit2json';
import { reportCommand } from './report.ts';
import { statusCommand } from './status.ts';
import { runBuildout, TENSORFLOW } from '../../report/fixtures/buildout.ts';
import { assertJunitValid, assertValid, junitIssues } from '../../report/fixtures/validate.ts';
import { UserError } from '../../model/errors.ts';

/** The config file of the buildout fixture, as a user would write it. */
function writeConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'rebuild.config.json');
  writeFileSync(file, JSON.stringify({
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'osx-arm64'], aggregate: '.', workDir: 'work',
    channels: { reference: 'reference' }, blocklist: [TENSORFLOW], report: { waitingGoal: 5, groups: { core: ['python', 'numpy', 'scipy'] } }, ...extra,
  }));
  return file;
}

async function report(dir: string, opts: Record<string, unknown> = {}) {
  let out = '';
  const code = await reportCommand([], { config: join(dir, 'rebuild.config.json'), ...opts }, { write: (t) => void (out += t) }, dir);
  return { code, out };
}

const cmd = suite('rebuild report: a finished run');

cmd.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-report-cli-'));
  await runBuildout(ctx.dir);
  writeConfig(ctx.dir);
});
cmd.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cmd('default: every format into <workDir>/report/, the paths printed; the same state gives the same bytes', async (ctx) => {
  const { code, out } = await report(ctx.dir);
  assert.is(code, 0);
  const dir = join(ctx.dir, 'work', 'report');
  for (const f of ['report.md', 'report.json', 'report.junit.xml']) {
    assert.ok(existsSync(join(dir, f)), f);
    assert.ok(out.includes(join(dir, f)), `${f} printed`);
  }
  const first = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  await report(ctx.dir);
  for (const [f, bytes] of Object.entries(first)) assert.is(readFileSync(join(dir, f), 'utf8'), bytes, `${f} changed between two reports of the same state`);
});

cmd('report.json matches the schema', async (ctx) => {
  await report(ctx.dir, { format: ['json'] });
  const json = JSON.parse(readFileSync(join(ctx.dir, 'work', 'report', 'report.json'), 'utf8'));
  assertValid(json);
  assert.is(json.totals.failed, 5);
});

cmd('report.md: the tally, failures by class with their line and log, blocked by root, exclusions with note and link, the reference diff', async (ctx) => {
  await report(ctx.dir, { format: ['md'] });
  const md = readFileSync(join(ctx.dir, 'work', 'report', 'report.md'), 'utf8');
  assert.match(md, /^# Rebuild report: python 3\.12 → 3\.13\n/);
  assert.match(md, /\| arch \| planned \| built \| tested \| test-failed \| published \| failed \| error \| blocked \| excluded \|\n/);
  assert.match(md, /\| linux-64 py3\.13 \| 10 \| 3 \| 2 \| 1 \| 1 \| 3 \| 1 \| 4 \| 6 \|/);
  assert.match(md, /\| \*\*total\*\* \| 20 \| 9 \| 8 \| 1 \| 2 \| 5 \| 2 \| 6 \| 12 \|/);
  assert.match(md, /## Publication\n\nPublish groups: failed 1, held 5, published 1\.\n/);
  assert.match(md, /\| numpy \| 1\.0 \| 3\.13 \| failed \| [^|]*HTTP 403[^|]* \| numpy@linux-64, numpy@osx-arm64 \|/);
  assert.match(md, /\| pyproj \| linux-64 \| test \| test-failure \| `ImportError: libproj\.so\.25: [^|]*` \|/);
  assert.match(md, /\| scipy \| linux-64 \| build \| compiler-error \| `src\/ujsonx\/encoder\.c:311:22: error: [^|]*` \| \[log\]\(\.\.\/logs\/linux-64\/scipy\.log\) \|/);
  assert.match(md, /\| seaborn \| linux-64 \| scipy \| blocked by scipy \(failed\) \|/);
  assert.match(md, /\| tensorflow \| linux-64 \| blocklist \| too-heavy \| needs 64 GB to link \| https:\/\/tracker\.example\.org\/buildout\/12 \|/);
  assert.match(md, /\| asynctest \| linux-64 \| 0\.13\.0 \| not-in-aggregate \| not in the aggregate \|/);
  assert.match(md, /## Not built for python 3\.13 \(8 of the reference's python 3\.12 packages\)/);
  assert.match(md, /\n## Groups\n\n- \*\*core\*\*: failed 3, published 2, tested 1 — not done: numpy@linux-64, scipy@linux-64, numpy@osx-arm64\n$/);
});

cmd('report.junit.xml validates against the JUnit schema and reads back with a JUnit parser', async (ctx) => {
  await report(ctx.dir, { format: ['junit'] });
  const xml = readFileSync(join(ctx.dir, 'work', 'report', 'report.junit.xml'), 'utf8');
  await assertJunitValid(xml);
  const parsed = (await parseJunit(xml)) as any;
  assert.is(parsed.tests, 32);
  assert.is(parsed.failures, 6);
  assert.is(parsed.errors, 2);
  const linux = parsed.testsuite.find((s: any) => s.name === 'linux-64/py3.13');
  assert.is(linux.tests, 16);
  const scipy = linux.testcase.find((c: any) => c.name === 'scipy');
  assert.is(scipy.failure[0].type, 'compiler-error');
  assert.match(scipy.failure[0].message, /^compiler-error: src\/ujsonx\/encoder\.c:311:22: error: /);
  assert.equal(linux.testcase.find((c: any) => c.name === 'keras').skipped, [{ message: 'blocked by tensorflow (too-heavy: needs 64 GB to link)' }]);
  assert.is(linux.testcase.find((c: any) => c.name === 'brokenrecipe').error[0].type, 'plan-error');
  assert.not.ok(linux.testcase.find((c: any) => c.name === 'python').failure);
  assert.is(linux.testcase.find((c: any) => c.name === 'numpy').failure[0].type, 'publish');
  assert.match(linux.testcase.find((c: any) => c.name === 'pyproj').failure[0].inner, /imports: pyproj: ImportError: libproj/);
});

cmd('the XSD check can fail: a testcase without a name is refused', async () => {
  assert.match((await junitIssues('<testsuites><testsuite name="a" tests="1"><testcase classname="c"/></testsuite></testsuites>'))!, /name.*required/);
});

cmd('--format junit --out DIR: only that file, in that folder', async (ctx) => {
  const { code } = await report(ctx.dir, { format: ['junit'], out: 'ci' });
  assert.is(code, 0);
  assert.equal(readdirSync(join(ctx.dir, 'ci')), ['report.junit.xml']);
});

cmd('--json prints the report object and writes nothing; --failures groups by class', async (ctx) => {
  rmSync(join(ctx.dir, 'work', 'report'), { recursive: true, force: true });
  const json = await report(ctx.dir, { json: true });
  assertValid(JSON.parse(json.out));
  assert.not.ok(existsSync(join(ctx.dir, 'work', 'report')));
  const failures = await report(ctx.dir, { failures: true });
  assert.match(failures.out, /^compiler-error: 1 failure, blocking 2\n  first matching line: src\/ujsonx\/encoder\.c:311:22: error: .*\n  linux-64 scipy: blocks 2 \(scikit-learn, seaborn\)  logs\/linux-64\/scipy\.log\n/m);
  assert.match(failures.out, /^python-breakage: 1 failure, blocking 0\n  first matching line: ModuleNotFoundError: No module named 'distutils'\n/m);
  const groups = JSON.parse((await report(ctx.dir, { failures: true, json: true })).out);
  assert.equal(groups.map((g: any) => g.class).sort(), ['compiler-error', 'linker-error', 'plan-error', 'publish', 'python-breakage', 'test-failure']);
});

cmd('config report.classes come first: a team rule re-classifies past failures', async (ctx) => {
  writeConfig(ctx.dir, { report: { classes: [{ name: 'ujsonx-encoder', pattern: 'ujsonx/encoder\\.c:\\d+' }] } });
  try {
    const failures = await report(ctx.dir, { failures: true });
    assert.match(failures.out, /^ujsonx-encoder: 1 failure, blocking 2\n/m);
  } finally {
    writeConfig(ctx.dir);
  }
});

cmd('rebuild status shows each failure with its class and the line it matched', async (ctx) => {
  let out = '';
  await statusCommand([], { config: join(ctx.dir, 'rebuild.config.json') }, { write: (t) => void (out += t) }, ctx.dir);
  assert.match(out, /\n  linux-64 scipy: \[compiler-error\] build: [^\n]*\n      src\/ujsonx\/encoder\.c:311:22: error: /);
  assert.match(out, /\n  linux-64 pyproj: \[test-failure\] built, test failed \(test\): [^\n]*\n      ImportError: libproj\.so\.25: /);
  let json = '';
  await statusCommand([], { config: join(ctx.dir, 'rebuild.config.json'), json: true }, { write: (t) => void (json += t) }, ctx.dir);
  const aiohttp = JSON.parse(json).failed.find((f: any) => f.id === 'aiohttp');
  assert.equal([aiohttp.class, aiohttp.classLine], ['python-breakage', "ModuleNotFoundError: No module named 'distutils'"]);
});

cmd('a reference channel that cannot be read: no missing list, the reason instead (report.md says it too)', async (ctx) => {
  writeConfig(ctx.dir, { channels: { reference: 'no-such-channel' } });
  try {
    const { out } = await report(ctx.dir, { json: true });
    const json = JSON.parse(out);
    assertValid(json);
    assert.is(json.missing, null);
    assert.match(json.referenceError, /^reference channel not read: .*no-such-channel/);
  } finally {
    writeConfig(ctx.dir);
  }
});

cmd('nothing has run in the work dir: says so (exit 1, as the README documents), writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-report-empty-'));
  try {
    writeConfig(dir);
    await report(dir).then(
      () => assert.unreachable(),
      (err: Error & { exitCode?: number }) => {
        assert.match(err.message, /^no state database at .*state\.db: nothing has run in this work dir yet \(rebuild run\)$/);
        assert.is(err.exitCode, 1);
      },
    );
    assert.not.ok(existsSync(join(dir, 'work', 'report')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cmd('--arch: only that arch', async (ctx) => {
  const json = JSON.parse((await report(ctx.dir, { json: true, arch: ['osx-arm64'] })).out);
  assert.equal(json.targets.map((t: any) => t.subdir), ['osx-arm64']);
  assert.equal(json.config.arches, ['osx-arm64']);
  assert.is(json.totals.total, 16);
});

cmd('an unknown --format is a usage error naming the known ones', async (ctx) => {
  try {
    await report(ctx.dir, { format: ['pdf'] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UserError);
    assert.is((err as UserError).exitCode, 64);
    assert.match((err as Error).message, /^--format: unknown report format 'pdf'; known: md, json, junit/);
  }
});

cmd('--out where no folder can be made is a usage error naming the folder, not an internal error', async (ctx) => {
  const file = join(ctx.dir, 'a-file');
  writeFileSync(file, 'not a folder\n');
  try {
    await report(ctx.dir, { out: join(file, 'report'), format: ['md'] });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UserError);
    assert.is((err as UserError).exitCode, 64);
    assert.match((err as Error).message, /^--out .*a-file\/report: cannot write the report there \(ENOTDIR.*\); give a folder you can write to$/);
  }
});

const progress = suite('rebuild report: a run in progress');

progress('reports what is built, building and waiting; every format valid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-report-live-'));
  try {
    writeConfig(dir);
    let release!: () => void;
    let started!: () => void;
    const building = new Promise<void>((r) => (started = r));
    const hold = { id: 'scipy', until: new Promise<void>((r) => (release = r)), started: () => started() };
    const run = runBuildout(dir, { hold });
    await building;
    try {
      const { code } = await report(dir);
      assert.is(code, 0);
      const json = JSON.parse(readFileSync(join(dir, 'work', 'report', 'report.json'), 'utf8'));
      assertValid(json);
      assert.is(json.running, true);
      assert.is(json.run.ended, null);
      assert.is(json.generated, json.run.started);
      const linux = json.targets.find((t: any) => t.subdir === 'linux-64');
      const status = (name: string) => linux.packages.find((p: any) => p.name === name).status;
      assert.is(status('scipy'), 'building');
      assert.is(status('seaborn'), 'waiting');
      assert.is(status('numpy'), 'built');
      assert.ok(linux.counts.building >= 1);
      assert.ok(linux.counts.waiting >= 2);
      await assertJunitValid(readFileSync(join(dir, 'work', 'report', 'report.junit.xml'), 'utf8'));
      assert.match(readFileSync(join(dir, 'work', 'report', 'report.md'), 'utf8'), /, in progress\./);
    } finally {
      release();
      await run;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cmd.run();
progress.run();
