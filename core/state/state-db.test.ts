import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.ts';
import { addSecretValue, clearSecrets } from '../config/redactor.ts';
import { StateDb, StateNotFoundError, StateSchemaError } from './state-db.ts';
import { formatStatusReport, statusReport } from './status-report.ts';
import { hashFile } from './file-hash.ts';
import { decideResume } from './resume.ts';
import { buildTaskGraph } from '../engine/task-graph.ts';
import { fakePlan } from '../../tests/fixtures/fake-plan.ts';

const state = suite('StateDb');

state.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-state-'));
});
state.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const key = (node: string, subdir = 'linux-64') => ({ node, subdir, python: '3.13' });
const info = { feedstock: 'numpy', outputs: ['numpy'], recipeHash: 'h1' };

state('creates the schema at the latest version, in WAL mode', (ctx) => {
  const db = StateDb.open(ctx.dir);
  assert.is(db.schemaVersion, MIGRATIONS.length);
  assert.is(db.db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  // Opening again applies nothing and keeps the data.
  const again = StateDb.open(ctx.dir);
  assert.is(again.schemaVersion, MIGRATIONS.length);
  again.close();
});

state('a database from a newer rebuild is refused, naming the file', (ctx) => {
  StateDb.open(ctx.dir).close();
  const raw = new Database(join(ctx.dir, 'state.db'));
  raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  assert.throws(() => StateDb.open(ctx.dir), (e: Error) => e instanceof StateSchemaError && e.message.includes(join(ctx.dir, 'state.db')));
});

state('a version-1 database (before process tracking) is migrated with its rows; process groups and containers are tracked', (ctx) => {
  // The schema as the first release wrote it, with a run, a package and an attempt of a killed run.
  const raw = new Database(join(ctx.dir, 'state.db'));
  raw.exec(MIGRATIONS[0]);
  raw.pragma('user_version = 1');
  raw.prepare("INSERT INTO runs (id, started, pid, host, argv) VALUES (1, '2026-01-01T00:00:00Z', 42, 'h', '[]')").run();
  raw.prepare("INSERT INTO packages (id, node, subdir, python, feedstock, status, updated) VALUES (1, 'numpy', 'linux-64', '3.13', 'numpy', 'building', 'x')").run();
  raw.prepare("INSERT INTO attempts (id, package_id, run_id, number, started, status, log_path) VALUES (7, 1, 1, 1, 'x', 'building', '/l')").run();
  raw.close();
  const db = StateDb.open(ctx.dir);
  try {
    assert.is(db.schemaVersion, MIGRATIONS.length);
    assert.ok(MIGRATIONS.length >= 2);
    assert.is(db.getPackage(key('numpy'))!.status, 'building');
    assert.is(db.lastAttempt(1)!.id, 7);
    assert.equal(db.openProcesses(), []);
    const group = db.trackProcess(7, { kind: 'process-group', pgid: 4242, pidStart: 'boot:99' });
    const box = db.trackProcess(7, { kind: 'container', engine: 'podman', container: 'rebuild-linux-64-numpy-ab12' });
    const open = db.openProcesses().map(({ started, ...r }) => r);
    assert.equal(open, [
      { id: group, attemptId: 7, runId: 1, node: 'numpy', subdir: 'linux-64', kind: 'process-group', pgid: 4242, pidStart: 'boot:99' },
      { id: box, attemptId: 7, runId: 1, node: 'numpy', subdir: 'linux-64', kind: 'container', engine: 'podman', container: 'rebuild-linux-64-numpy-ab12' },
    ]);
    db.endProcess(group, 'exited');
    assert.equal(db.openProcesses().map((r) => r.id), [box]);
  } finally {
    db.close();
  }
});

state('a version-2 database (before stages) is migrated: finished builds are done build stages, failures failed build stages; resume keeps them', async (ctx) => {
  // The schema as the previous release wrote it: a built package (complete attempt, artifact on
  // disk), a tested one, a failed one and one a killed run left building.
  const raw = new Database(join(ctx.dir, 'state.db'));
  raw.exec(MIGRATIONS[0]);
  raw.exec(MIGRATIONS[1]);
  raw.pragma('user_version = 2');
  const file = join(ctx.dir, 'a-1.0-0.tar.bz2');
  writeFileSync(file, 'package a');
  const { sha256, size } = await hashFile(file);
  raw.prepare("INSERT INTO runs (id, started, ended, pid, host, argv, outcome) VALUES (1, 'x', 'y', 42, 'h', '[]', 'failed')").run();
  const pkgRow = raw.prepare("INSERT INTO packages (id, node, subdir, python, feedstock, recipe_hash, status, reason, failure, attempts, run_id, updated) VALUES (?, ?, 'linux-64', '3.13', ?, ?, ?, ?, ?, 1, 1, 'x')");
  pkgRow.run(1, 'a', 'a', 'hash-a', 'built', 'built by test', null);
  pkgRow.run(2, 't', 't', 'hash-t', 'tested', '1 check(s) passed', null);
  pkgRow.run(3, 'f', 'f', 'hash-f', 'failed', 'build.sh exited with 1', 'build');
  pkgRow.run(4, 'k', 'k', 'hash-k', 'building', 'attempt 1', null);
  const attempt = raw.prepare("INSERT INTO attempts (id, package_id, run_id, number, started, status, log_path) VALUES (?, ?, 1, 1, 'x', ?, '/l')");
  attempt.run(1, 1, 'complete');
  attempt.run(2, 2, 'complete');
  attempt.run(3, 3, 'failed');
  attempt.run(4, 4, 'building');
  raw.prepare("INSERT INTO artifacts (package_id, attempt_id, path, filename, sha256, size) VALUES (1, 1, ?, 'a-1.0-0.tar.bz2', ?, ?)").run(file, sha256, size);
  const fileT = join(ctx.dir, 't-1.0-0.tar.bz2');
  writeFileSync(fileT, 'package t');
  const t = await hashFile(fileT);
  raw.prepare("INSERT INTO artifacts (package_id, attempt_id, path, filename, sha256, size) VALUES (2, 2, ?, 't-1.0-0.tar.bz2', ?, ?)").run(fileT, t.sha256, t.size);
  raw.close();

  const db = StateDb.open(ctx.dir);
  try {
    assert.is(db.schemaVersion, MIGRATIONS.length);
    const stages = (id: number) => db.stages(id).map((s) => `${s.stage}:${s.status}`);
    assert.equal(stages(1), ['build:done']);
    assert.equal(stages(2), ['build:done', 'test:done']);
    assert.equal(stages(3), ['build:failed']);
    assert.equal(stages(4), []);
    assert.equal([1, 2, 3, 4].map((id) => db.getPackageById(id).stage), ['build', 'test', 'build', 'build']);
    assert.equal(db.attempts(1).map((a) => a.stage), ['build']);
    assert.equal(db.groups(), []);

    const plan = fakePlan({ subdir: 'linux-64', python: '3.13' }, { a: [], t: [], f: [], k: [] });
    const tasks = buildTaskGraph([plan], { test: true, transmute: false, publish: null, blocksDependents: false });
    const d = await decideResume(tasks, db);
    const kind = (key: string) => `${d.get(`linux-64/py3.13/${key}`)!.kind}`;
    // a: build kept, its test (never run) to run; t: both kept; f: failed kept; k: built again.
    assert.equal(['a', 'a#test', 't', 't#test', 'f', 'f#test', 'k', 'k#test'].map(kind), ['done', 'todo', 'done', 'done', 'failed', 'todo', 'todo', 'todo']);
    const retried = await decideResume(tasks, db, { retryFailed: true });
    assert.is(retried.get('linux-64/py3.13/f')!.kind, 'todo');
  } finally {
    db.close();
  }
});

state('a read-only command reads a version-1 database as it is, without migrating it', (ctx) => {
  const raw = new Database(join(ctx.dir, 'state.db'));
  raw.exec(MIGRATIONS[0]);
  raw.pragma('user_version = 1');
  raw.prepare("INSERT INTO runs (id, started, ended, pid, host, argv, outcome) VALUES (1, 'x', 'y', 42, 'h', '[]', 'success')").run();
  raw.close();
  const db = StateDb.open(ctx.dir, { readonly: true });
  try {
    assert.is(db.schemaVersion, 1);
    assert.is(db.lastRun()!.outcome, 'success');
    assert.match(formatStatusReport(statusReport(db, ctx.dir, { arches: ['linux-64'], holder: null })), /success/);
  } finally {
    db.close();
  }
});

state('read-only open of a work dir that never ran says so', (ctx) => {
  assert.throws(() => StateDb.open(join(ctx.dir, 'nope'), { readonly: true }), (e: Error) => e instanceof StateNotFoundError && /nothing has run/.test(e.message));
});

state('attempt → built records artifacts, duration and status changes together', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const p = db.ensurePackage(key('numpy'), info);
  assert.is(p.status, 'planned');
  const attempt = db.startAttempt(p.id, run, 1, '/w/logs/numpy.log', 'h1');
  assert.is(db.getPackageById(p.id).status, 'building');
  db.recordBuilt(attempt, run, [{ path: '/c/numpy.conda', filename: 'numpy.conda', sha256: 'ab', size: 3 }], 1234);
  db.completeAttempt(attempt, run, 'built', 'ok');
  const row = db.getPackageById(p.id);
  assert.is(row.status, 'built');
  assert.is(row.durationMs, 1234);
  assert.is(row.attempts, 1);
  assert.is(row.logPath, '/w/logs/numpy.log');
  assert.equal(db.artifacts(p.id), [{ path: '/c/numpy.conda', filename: 'numpy.conda', sha256: 'ab', size: 3 }]);
  assert.is(db.lastAttempt(p.id)!.status, 'complete');
  assert.equal(db.statusChanges(p.id).map((c) => `${c.from}→${c.to}`), ['planned→building', 'building→built', 'built→built']);
  assert.equal(db.durations(), new Map([['linux-64/py3.13/numpy', 1234]]));
  db.close();
});

state('recordBuilt with complete: artifacts, status, complete attempt and done stage in one write', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const p = db.ensurePackage(key('numpy'), info);
  const attempt = db.startAttempt(p.id, run, 1, '/w/logs/numpy.log', 'h1');
  db.recordBuilt(attempt, run, [{ path: '/c/numpy.conda', filename: 'numpy.conda', sha256: 'ab', size: 3 }], 1234, 'built', 'built by x', { complete: true });
  const row = db.getPackageById(p.id);
  assert.equal([row.status, row.stage, row.reason, row.durationMs], ['built', 'build', 'built by x', 1234]);
  assert.is(db.lastAttempt(p.id)!.status, 'complete');
  assert.equal(db.stages(p.id).map((s) => `${s.stage}:${s.status}:${s.reason}:${s.durationMs}`), ['build:done:built by x:1234']);
  assert.equal(db.statusChanges(p.id).map((c) => `${c.from}→${c.to}`), ['planned→building', 'building→built']);
  db.close();
});

state('attempt ids are given before the row is written, never twice, and after rows another connection wrote', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const p = db.ensurePackage(key('numpy'), info);
  const first = db.allocateAttemptId();
  const second = db.allocateAttemptId();
  assert.is(second, first + 1);
  // Written in the other order; an id whose write is rolled back is not given again.
  assert.is(db.startAttempt(p.id, run, 2, '/log', null, 'build', second), second);
  assert.throws(() => db.startAttempt(9999, run, 1, '/log', null, 'build', first));
  assert.is(db.startAttempt(p.id, run, 3, '/log', null), second + 1);
  const other = StateDb.open(ctx.dir);
  const elsewhere = [other.startAttempt(p.id, run, 4, '/log', null), other.startAttempt(p.id, run, 5, '/log', null)];
  other.close();
  // The next write transaction sees the other connection's rows: ids go on after them.
  db.setStatus(p.id, run, 'waiting', null);
  assert.is(db.allocateAttemptId(), elsewhere[1] + 1);
  assert.equal(db.attempts(p.id).map((a) => a.id), [second, second + 1, ...elsewhere]);
  db.close();
});

state('reasons, attempt errors and the argv are stored redacted: no secret value in the database files', (ctx) => {
  const token = 'state-token-2718';
  addSecretValue(token);
  try {
    const db = StateDb.open(ctx.dir);
    const run = db.startRun(['run', `--token=${token}`]);
    const p = db.ensurePackage(key('numpy'), info);
    const attempt = db.startAttempt(p.id, run, 1, '/w/logs/numpy.log', 'h1');
    const reason = `plugin x failed: GET /api?token=${encodeURIComponent(token)}: 401 (${token})`;
    db.endAttempt(attempt, { status: 'failed', failure: 'build', reason, durationMs: 5 }, { to: 'failed', reason, runId: run });
    db.endRun(run, `failed: ${token}`);
    assert.is(db.getPackageById(p.id).reason, 'plugin x failed: GET /api?token=[redacted]: 401 ([redacted])');
    assert.is(db.lastAttempt(p.id)!.reason, 'plugin x failed: GET /api?token=[redacted]: 401 ([redacted])');
    db.close();
    for (const f of readdirSync(ctx.dir)) assert.not.ok(readFileSync(join(ctx.dir, f)).includes(token), f);
  } finally {
    clearSecrets();
  }
});

state('setStatus without a change writes no status change', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const p = db.ensurePackage(key('numpy'), info);
  db.setStatus(p.id, null, 'waiting', 'waiting on python');
  db.setStatus(p.id, null, 'waiting', 'waiting on python');
  assert.is(db.statusChanges(p.id).length, 1);
  db.close();
});

state('a status this connection wrote is not trusted after another connection changed the row', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const other = StateDb.open(ctx.dir);
  const p = db.ensurePackage(key('numpy'), info);
  db.setStatus(p.id, null, 'built', 'built by a');
  other.setStatus(p.id, null, 'failed', 'by the other');
  // Not a no-op: the row says failed now.
  db.setStatus(p.id, null, 'built', 'built by a');
  assert.is(db.getPackageById(p.id).status, 'built');
  assert.equal(db.statusChanges(p.id).map((c) => c.to), ['built', 'failed', 'built']);
  other.close();
  db.close();
});

state('a status written in a rolled-back transaction is not trusted afterwards', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const p = db.ensurePackage(key('numpy'), info);
  db.setStatus(p.id, null, 'waiting', null);
  // The second change fails (no such package): the first is rolled back with it.
  assert.throws(() => db.setStatuses([{ packageId: p.id, to: 'built', reason: 'x' }, { packageId: 9999, to: 'built', reason: 'x' }], null), /no package 9999/);
  assert.is(db.getPackageById(p.id).status, 'waiting');
  db.setStatus(p.id, null, 'built', 'x');
  assert.is(db.getPackageById(p.id).status, 'built');
  assert.equal(db.statusChanges(p.id).map((c) => c.to), ['waiting', 'built']);
  db.close();
});

state('recoverStale turns what a killed run left building into interrupted', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const killed = db.startRun(['run']);
  const p = db.ensurePackage(key('numpy'), info);
  db.startAttempt(p.id, killed, 1, '/log', 'h1');
  const next = db.startRun(['run']);
  assert.is(db.recoverStale(next), 1);
  assert.is(db.getPackageById(p.id).status, 'interrupted');
  assert.is(db.lastAttempt(p.id)!.status, 'interrupted');
  assert.is(db.runs()[0].outcome, 'killed');
  assert.is(db.runs()[1].outcome, null);
  db.close();
});

state('status report :: tally per arch and status, failures, last run', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  for (const [node, subdir, status] of [['a', 'linux-64', 'built'], ['b', 'linux-64', 'failed'], ['c', 'win-64', 'blocked'], ['d', 'win-64', 'building']] as const) {
    const p = db.ensurePackage(key(node, subdir), { ...info, feedstock: node, outputs: [node] });
    db.setStatus(p.id, run, status, status === 'failed' ? 'exit 2' : null, { failure: status === 'failed' ? 'build' : null });
  }
  db.endRun(run, 'failed');
  const report = statusReport(db, ctx.dir, { holder: null });
  // No run holds the lock: 'building' is what a killed run left, shown as interrupted.
  assert.equal(report.arches, { 'linux-64': { built: 1, failed: 1 }, 'win-64': { blocked: 1, interrupted: 1 } });
  assert.is(report.totals.all, 4);
  assert.equal(report.failed.map((f) => `${f.subdir} ${f.id} ${f.failure} ${f.reason}`), ['linux-64 b build exit 2']);
  const text = formatStatusReport(report);
  assert.match(text, /arch\s+interrupted\s+built\s+failed\s+blocked\s+total\nlinux-64\s+0\s+1\s+1\s+0\s+2\nwin-64\s+1\s+0\s+0\s+1\s+2\ntotal\s+1\s+1\s+1\s+1\s+4\n/);
  assert.match(text, /linux-64 b: build: exit 2/);
  assert.match(text, /last run 1: .* outcome failed/);
  assert.equal(statusReport(db, ctx.dir, { holder: null, arches: ['win-64'] }).totals, { all: 2, blocked: 1, interrupted: 1 });
  db.close();
});

state.run();

const bulk = suite('StateDb bulk reads (resume)');

bulk.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-state-'));
});
bulk.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

bulk('ensureGroups inserts new groups, replaces changed members, and writes nothing for unchanged groups', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const [a, b, c] = ['a', 'b', 'c'].map((n) => db.ensurePackage(key(n), { feedstock: n, outputs: [n], recipeHash: null }).id);
  const spec = (name: string) => ({ key: `${name}-1.0-py3.13`, name, version: '1.0', python: '3.13' });
  const first = db.ensureGroups([{ spec: spec('a'), members: [a] }, { spec: spec('bc'), members: [c, b] }]);
  const changes = db.db.prepare('SELECT total_changes()').pluck();
  const before = changes.get() as number;
  assert.equal(db.ensureGroups([{ spec: spec('bc'), members: [b, c] }, { spec: spec('a'), members: [a] }]), [first[1], first[0]]);
  assert.is(changes.get(), before, 'unchanged groups are not written');
  const [bc, d] = db.ensureGroups([{ spec: spec('bc'), members: [b] }, { spec: spec('d'), members: [a, c] }]);
  assert.is(bc, first[1]);
  assert.equal(db.groups().map((g) => `${g.name}:${g.members.join(',')}:${g.status}`), [`a:${a}:waiting`, `bc:${b}:waiting`, `d:${a},${c}:waiting`]);
  assert.ok(d > bc);
  db.close();
});

bulk('ensurePackages returns what ensurePackage returns, in order, and whether each row existed', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const old = db.ensurePackage(key('a'), { feedstock: 'a', outputs: ['a'], recipeHash: 'h-a' });
  db.setStatus(old.id, run, 'failed', 'exit 1', { failure: 'build' });
  const items = [
    { key: key('a'), info: { feedstock: 'a-feedstock', outputs: ['a', 'a-extra'], recipeHash: 'h-a2' } },
    { key: key('b'), info: { feedstock: 'b', outputs: ['b'], recipeHash: 'h-b' } },
    { key: key('b'), info: { feedstock: 'b', outputs: ['b'], recipeHash: 'h-b' } },
  ];
  const got = db.ensurePackages(items);
  assert.equal(got.map((g) => g.existed), [true, false, true]);
  // The stored recipe hash is kept (resume compares it); feedstock and outputs are refreshed.
  assert.equal(got[0].row, { ...db.getPackageById(old.id), recipeHash: 'h-a' });
  assert.is(got[0].row.feedstock, 'a-feedstock');
  assert.equal(got[0].row.outputs, ['a', 'a-extra']);
  assert.is(got[0].row.status, 'failed');
  assert.equal(got[1].row, db.getPackageById(got[1].row.id));
  assert.is(got[2].row.id, got[1].row.id);
  // The same as the one-by-one method on a second database.
  const other = StateDb.open(join(ctx.dir, 'other'));
  const o = other.ensurePackage(key('b'), items[1].info);
  assert.equal({ ...o, updated: '' }, { ...got[1].row, id: o.id, updated: '' });
  other.close();
  db.close();
});

bulk('artifactsByPackage and lastAttemptStatuses match artifacts() and lastAttempt() per package', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const ids = ['a', 'b', 'c'].map((n) => db.ensurePackage(key(n), info).id);
  const art = (n: string, i: number) => ({ path: `/c/${n}-${i}.conda`, filename: `${n}-${i}.conda`, sha256: `${n}${i}`, size: i });
  const a1 = db.startAttempt(ids[0], run, 1, '/log', 'h1');
  db.endAttempt(a1, { status: 'failed', failure: 'build', reason: 'x', durationMs: 1 });
  const a2 = db.startAttempt(ids[0], run, 2, '/log', 'h1');
  db.recordBuilt(a2, run, [art('a', 1), art('a', 2)], 10);
  db.completeAttempt(a2, run, 'built', null);
  const b1 = db.startAttempt(ids[1], run, 1, '/log', 'h1');
  db.recordBuilt(b1, run, [art('b', 1)], 10);
  const byPackage = db.artifactsByPackage();
  const last = db.lastAttemptStatuses();
  for (const id of ids) {
    assert.equal(byPackage.get(id) ?? [], db.artifacts(id));
    assert.is(last.get(id), db.lastAttempt(id)?.status);
  }
  assert.is(last.get(ids[0]), 'complete');
  assert.is(last.get(ids[1]), 'built');
  assert.is(last.has(ids[2]), false);
  db.close();
});

bulk.run();

const inserted = suite('StateDb inserted rows');

inserted('a new package row is returned exactly as stored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-state-'));
  try {
    const db = StateDb.open(dir);
    const [{ row }] = db.ensurePackages([{ key: key('x'), info: { feedstock: 'x-feedstock', outputs: ['x', 'y'], recipeHash: null } }]);
    assert.equal(row, db.getPackageById(row.id));
    assert.equal(db.ensurePackage(key('z'), info), db.getPackageById(db.getPackage(key('z'))!.id));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

inserted.run();
