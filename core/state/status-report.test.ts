import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDb } from './state-db.ts';
import { formatStatusReport, statusReport } from './status-report.ts';

const report = suite('status report');

report.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-status-'));
});
report.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const key = (node: string) => ({ node, subdir: 'linux-64', python: '3.13' });

report('a plan error (failed, no failure class) is tallied as error, as rebuild ready counts it; a build failure as failed', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const pluggy = db.ensurePackage(key('pluggy'), { feedstock: 'pluggy', outputs: ['pluggy'], recipeHash: 'h1' });
  // What `run` records for a recipe that fails to render (core/engine/execute.ts: plan status 'error' → failed, no class).
  db.setStatus(pluggy.id, run, 'failed', 'render error in aggregate/pluggy-feedstock/recipe/meta.yaml:7: syntax error', { failure: null });
  const six = db.ensurePackage(key('six'), { feedstock: 'six', outputs: ['six'], recipeHash: 'h2' });
  db.setStatus(six.id, run, 'failed', 'exit code 1', { failure: 'build' });
  db.endRun(run, 'failed');
  const r = statusReport(db, ctx.dir, { holder: null });
  db.close();
  assert.equal(r.arches, { 'linux-64': { error: 1, failed: 1 } });
  assert.equal({ failed: r.totals.failed, error: r.totals.error, all: r.totals.all }, { failed: 1, error: 1, all: 2 });
  assert.equal(r.failed.map((f) => f.id).sort(), ['pluggy', 'six']);
  const text = formatStatusReport(r);
  assert.match(text, /arch\s+failed\s+error\s+total\nlinux-64\s+1\s+1\s+2\n/);
  assert.match(text, /\nfailed or in error \(2\):\n/);
});

report('several pythons: a tally row per subdir and python, failures named by both', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  for (const python of ['3.13', '3.14']) {
    const six = db.ensurePackage({ node: 'six', subdir: 'linux-64', python }, { feedstock: 'six', outputs: ['six'], recipeHash: 'h2' });
    db.setStatus(six.id, run, python === '3.13' ? 'built' : 'failed', 'exit code 1', { failure: python === '3.13' ? null : 'build' });
  }
  db.endRun(run, 'failed');
  const r = statusReport(db, ctx.dir, { holder: null });
  db.close();
  assert.equal(r.arches, { 'linux-64 py3.13': { built: 1 }, 'linux-64 py3.14': { failed: 1 } });
  assert.equal(r.failed.map((f) => [f.subdir, f.python, f.id]), [['linux-64', '3.14', 'six']]);
  const text = formatStatusReport(r);
  assert.match(text, /arch\s+built\s+failed\s+total\nlinux-64 py3\.13\s+1\s+0\s+1\nlinux-64 py3\.14\s+0\s+1\s+1\n/);
  assert.match(text, /\n  linux-64 py3\.14 six: build: exit code 1\n/);
});

report('stages: a package failed at its test is listed as "built, test failed"; publish groups are tallied', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const six = db.ensurePackage(key('six'), { feedstock: 'six', outputs: ['six'], recipeHash: 'h2' });
  const build = db.startAttempt(six.id, run, 1, '/l', 'h2', 'build');
  db.recordBuilt(build, run, [], 1, 'built', 'built by test');
  db.completeAttempt(build, run, 'built', 'built by test');
  const test = db.startAttempt(six.id, run, 1, '/l', 'h2', 'test');
  db.endAttempt(test, { status: 'failed', failure: 'test', reason: 'test failed: imports: six: ImportError: bad magic number', durationMs: 1 },
    { to: 'failed', reason: 'test failed: imports: six: ImportError: bad magic number', runId: run });
  const g = db.ensureGroup({ key: 'six-1.16-py3.13', name: 'six', version: '1.16', python: '3.13' }, [six.id]);
  db.setGroupStatus(g, run, 'held', 'held: six (linux-64) test failed');
  db.endRun(run, 'failed');
  const r = statusReport(db, ctx.dir, { holder: null });
  db.close();
  assert.equal(r.failed.map((f) => [f.id, f.stage, f.failure]), [['six', 'test', 'test']]);
  assert.equal(r.publish, { held: 1 });
  const text = formatStatusReport(r);
  assert.match(text, '  linux-64 six: built, test failed (test): imports: six: ImportError: bad magic number\n');
  assert.match(text, '\npublish groups: 1 held\n');
});

report.run();
