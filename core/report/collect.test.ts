import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDb } from '../state/state-db.ts';
import { collectReport, blockedByOf, exclusionKindOf } from './collect.ts';
import { readReference } from './reference.ts';
import { runBuildout } from './fixtures/buildout.ts';
import { assertValid } from './fixtures/validate.ts';
import type { Report, ReportPackage } from './types.ts';


const REFUSED = 'plugin test:log-builder failed in hook run.publish: upload of numpy-1.0-py313_0.tar.bz2 refused: HTTP 403 (the token may not write to this channel)';

const pkg = (r: Report, subdir: string, name: string): ReportPackage => {
  const p = r.targets.find((t) => t.subdir === subdir)!.packages.find((x) => x.name === name);
  if (!p) throw new Error(`no ${subdir}/${name} in the report`);
  return p;
};

const finished = suite('collectReport: a finished buildout');

finished.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-report-'));
  const { config, code } = await runBuildout(ctx.dir);
  ctx.config = config;
  ctx.code = code;
  const db = StateDb.open(config.workDir, { readonly: true });
  try {
    const { reference } = await readReference(config);
    ctx.report = collectReport(db, config, { reference });
    ctx.again = collectReport(db, config, { reference });
  } finally {
    db.close();
  }
});
finished.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

finished('matches schema/report.schema.json', (ctx) => {
  assert.is(ctx.code, 1);
  assertValid(ctx.report);
});

finished('the same state gives the same report; generated is the run end, not now', (ctx) => {
  assert.equal(JSON.stringify(ctx.again), JSON.stringify(ctx.report));
  assert.is(ctx.report.generated, ctx.report.run.ended);
  assert.is(ctx.report.running, false);
  assert.equal(ctx.report.config, { python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'osx-arm64'], reference: ctx.config.channels.reference, waitingGoal: 5, groups: { core: ['python', 'numpy', 'scipy'] } });
});

finished('counts per arch and in total', (ctx) => {
  const r: Report = ctx.report;
  assert.equal(r.targets.map((t) => t.subdir), ['linux-64', 'osx-arm64']);
  const linux = r.targets[0].counts;
  assert.equal(
    { total: linux.total, planned: linux.planned, built: linux.built, failed: linux.failed, error: linux.error, blocked: linux.blocked, excluded: linux.excluded, waiting: linux.waiting },
    { total: 16, planned: 10, built: 3, failed: 3, error: 1, blocked: 4, excluded: 6, waiting: 0 },
  );
  assert.equal(linux.excludedBy, { blocklist: 1, noarch: 1, present: 1, superseded: 1, skipped: 1, 'no-python': 1, 'not-selected': 0, other: 0 });
  assert.is(r.totals.total, 32);
  assert.is(r.totals.built, 9);
  assert.is(r.totals.failed, 5);
  assert.is(r.totals.published, 2);
  assert.is(r.totals.blocked, 6);
});

finished('failed packages: classified from their logs, with the first matching line and the log path', (ctx) => {
  const scipy = pkg(ctx.report, 'linux-64', 'scipy');
  assert.is(scipy.status, 'failed');
  assert.is(scipy.stage, 'build');
  assert.is(scipy.class, 'compiler-error');
  assert.match(scipy.classLine!, /^src\/ujsonx\/encoder\.c:311:22: error: /);
  assert.is(scipy.log, 'logs/linux-64/scipy.log');
  assert.is(pkg(ctx.report, 'linux-64', 'aiohttp').class, 'python-breakage');
  assert.is(pkg(ctx.report, 'osx-arm64', 'pyproj').class, 'linker-error');
  const broken = pkg(ctx.report, 'linux-64', 'brokenrecipe');
  assert.is(broken.status, 'error');
  assert.is(broken.class, 'plan-error');
});

finished('a failed test: built, test-failed at the test stage, classified from the test part of its log', (ctx) => {
  const pyproj = pkg(ctx.report, 'linux-64', 'pyproj');
  assert.equal([pyproj.status, pyproj.stage, pyproj.class, pyproj.version], ['test-failed', 'test', 'test-failure', '1.0']);
  assert.is(pyproj.classLine, 'ImportError: libproj.so.25: cannot open shared object file: No such file or directory');
  const linux = ctx.report.targets[0].counts;
  assert.equal([linux.built, linux.tested, linux.testFailed], [3, 2, 1]);
  assert.is(pkg(ctx.report, 'osx-arm64', 'pyproj').status, 'failed');
});

finished('blocked: by the root cause (the failure or the blocklisted package), not the direct dependency', (ctx) => {
  assert.is(pkg(ctx.report, 'linux-64', 'scikit-learn').blockedBy, 'scipy');
  assert.is(pkg(ctx.report, 'linux-64', 'seaborn').blockedBy, 'scipy');
  assert.is(pkg(ctx.report, 'linux-64', 'keras-cv').blockedBy, 'tensorflow');
  assert.is(pkg(ctx.report, 'osx-arm64', 'seaborn').status, 'tested');
  assert.equal(ctx.report.blockers.slice(0, 3).map((b: any) => `${b.name}@${b.subdir}:${b.blocks}`), ['scipy@linux-64:2', 'tensorflow@linux-64:2', 'tensorflow@osx-arm64:2']);
});

finished('excluded: each kind, the blocklist entry with its note and link', (ctx) => {
  const kinds = Object.fromEntries(ctx.report.targets[0].packages.filter((p: ReportPackage) => p.exclusion).map((p: ReportPackage) => [p.name, p.exclusion!.kind]));
  assert.equal(kinds, { 'fonts-extra': 'no-python', 'pywin32-ctypes': 'skipped', requests: 'noarch', simplejson: 'superseded', six: 'present', tensorflow: 'blocklist' });
  assert.equal(pkg(ctx.report, 'linux-64', 'tensorflow').exclusion!.blocklist, { reason: 'too-heavy', note: 'needs 64 GB to link', link: 'https://tracker.example.org/buildout/12' });
  assert.is(pkg(ctx.report, 'linux-64', 'six').status, 'present');
});

finished('versions: from the artifacts of what was built', (ctx) => {
  assert.is(pkg(ctx.report, 'linux-64', 'python').version, '3.13.1');
  assert.is(pkg(ctx.report, 'linux-64', 'numpy').version, '1.0');
});

finished('failures grouped by class, with what each blocks', (ctx) => {
  const byClass = Object.fromEntries(ctx.report.failures.map((g: any) => [g.class, g]));
  assert.equal(Object.keys(byClass).sort(), ['compiler-error', 'linker-error', 'plan-error', 'publish', 'python-breakage', 'test-failure']);
  assert.equal(byClass['compiler-error'].blocks, ['scikit-learn@linux-64', 'seaborn@linux-64']);
  assert.equal(byClass['compiler-error'].packages[0].blocks, ['scikit-learn', 'seaborn']);
  assert.is(byClass['plan-error'].count, 2);
});

finished('reference diff: every old-python package with no new build, with the reason', (ctx) => {
  const missing = ctx.report.missing.map((m: any) => `${m.subdir} ${m.name} ${m.version} ${m.status}: ${m.reason}`);
  assert.equal(missing, [
    "linux-64 aiohttp 3.10.5 failed: failed (build): python-breakage: ModuleNotFoundError: No module named 'distutils'",
    'linux-64 asynctest 0.13.0 not-in-aggregate: not in the aggregate',
    `linux-64 numpy 2.0.2 failed: failed (publish): publish: publish failed: ${REFUSED}`,
    "linux-64 scipy 1.14.1 failed: failed (build): compiler-error: src/ujsonx/encoder.c:311:22: error: incompatible types when assigning to type 'double' from type 'JSONObjectEncoder *'",
    'linux-64 tensorflow 2.17.0 excluded: blocklisted: too-heavy (needs 64 GB to link) https://tracker.example.org/buildout/12',
    'osx-arm64 asynctest 0.13.0 not-in-aggregate: not in the aggregate',
    `osx-arm64 numpy 2.0.2 failed: failed (publish): publish: publish failed: ${REFUSED}`,
    'osx-arm64 tensorflow 2.17.0 excluded: blocklisted: too-heavy (needs 64 GB to link) https://tracker.example.org/buildout/12',
  ]);
});

finished('publication: groups per status; those not published with why and their members; a failed upload is a publish failure', (ctx) => {
  assert.equal(ctx.report.publish.counts, { failed: 1, held: 5, published: 1 });
  const numpy = ctx.report.publish.notPublished.find((g: any) => g.name === 'numpy');
  assert.equal([numpy.status, numpy.members], ['failed', ['numpy@linux-64', 'numpy@osx-arm64']]);
  assert.match(numpy.reason, /HTTP 403/);
  assert.is(ctx.report.publish.notPublished.find((g: any) => g.name === 'seaborn').reason, 'held: scipy (linux-64) failed');
  const p = pkg(ctx.report, 'linux-64', 'numpy');
  assert.equal([p.status, p.stage, p.class], ['failed', 'publish', 'publish']);
  assert.is(pkg(ctx.report, 'linux-64', 'python').status, 'published');
  assert.equal(pkg(ctx.report, 'linux-64', 'pyproj').failedChecks, [{ name: 'imports: pyproj', kind: 'imports', message: 'ImportError: libproj.so.25: cannot open shared object file: No such file or directory' }]);
});

finished('groups: the config groups with each package status', (ctx) => {
  assert.equal(ctx.report.groups[0].packages.map((p: any) => `${p.subdir}/${p.name}:${p.status}`), [
    'linux-64/numpy:failed', 'linux-64/python:published', 'linux-64/scipy:failed', 'osx-arm64/numpy:failed', 'osx-arm64/python:published', 'osx-arm64/scipy:tested',
  ]);
});

finished('history: progress points from the status changes, the last one the state as it ended', (ctx) => {
  const last = ctx.report.history.at(-1);
  assert.ok(last);
  const all = ctx.report.targets.flatMap((t: any) => t.packages);
  const n = (pick: (p: ReportPackage) => boolean) => all.filter(pick).length;
  assert.is(last.tested, n((p) => ['tested', 'transmuting', 'transmuted', 'publishing', 'published'].includes(p.status)));
  assert.is(last.failed, n((p) => p.status === 'failed' || p.status === 'test-failed' || p.status === 'error'));
});

const reasons = suite('reading older state from reasons');

reasons('exclusion kinds from the plan reasons', () => {
  assert.is(exclusionKindOf('excluded', 'blocklisted (too-heavy: x)'), 'blocklist');
  assert.is(exclusionKindOf('excluded', 'noarch: python (one build serves every python)'), 'noarch');
  assert.is(exclusionKindOf('present', 'already in x'), 'present');
  assert.is(exclusionKindOf('excluded', 'superseded by a for linux-64/py3.13: b'), 'superseded');
  assert.is(exclusionKindOf('excluded', 'every variant is skipped for linux-64/py3.13'), 'skipped');
  assert.is(exclusionKindOf('excluded', 'something new'), 'other');
});

reasons('blocked-by chains are followed to the root in the state', () => {
  assert.is(blockedByOf('blocked by scipy (failed)'), 'scipy');
  assert.is(blockedByOf('blocked by numpy@1.26'), 'numpy@1.26');
  assert.is(blockedByOf('waiting on scipy'), null);
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-report-chain-'));
  try {
    const db = StateDb.open(dir);
    const run = db.startRun(['run']);
    const add = (node: string, status: any, reason: string | null, failure: any = null) => {
      const row = db.ensurePackage({ node, subdir: 'linux-64', python: '3.13' }, { feedstock: node, outputs: [node], recipeHash: null });
      db.setStatus(row.id, run, status, reason, { failure });
    };
    add('scipy', 'failed', 'build script exited with code 1', 'build');
    add('scikit-learn', 'blocked', 'blocked by scipy (failed)');
    add('seaborn', 'blocked', 'blocked by scikit-learn (blocked)');
    add('statsmodels', 'blocked', 'blocked by seaborn');
    db.endRun(run, 'failed');
    const config = { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], channels: { reference: null }, blocklist: [], report: { classes: [], waitingGoal: null, groups: {} }, configFile: null, workDir: dir } as any;
    const r = collectReport(db, config);
    assert.equal(r.targets[0].packages.filter((p) => p.status === 'blocked').map((p) => `${p.name}<-${p.blockedBy}`), ['scikit-learn<-scipy', 'seaborn<-scipy', 'statsmodels<-scipy']);
    assert.is(r.missing, null);
    assertValid(r);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

finished.run();
reasons.run();
