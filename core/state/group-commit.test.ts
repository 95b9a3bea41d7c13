import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit } from './group-commit.ts';
import { StateDb } from './state-db.ts';

const group = suite('GroupCommit');

group.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-group-'));
});
group.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const key = (node: string) => ({ node, subdir: 'linux-64', python: '3.13' });
const info = (node: string) => ({ feedstock: node, outputs: [node], recipeHash: null });

group('writes queued in one turn commit together; each resolves after the commit with its result', async (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const [a, b] = ['a', 'b'].map((n) => db.ensurePackage(key(n), info(n)));
  const commits = new GroupCommit(db);
  const changes = db.db.prepare('SELECT COUNT(*) AS n FROM status_changes');
  const attempts = [commits.write((d) => d.startAttempt(a.id, run, 1, '/log/a', null)), commits.write((d) => d.startAttempt(b.id, run, 1, '/log/b', null))];
  // Nothing is written before the batch runs.
  assert.is((changes.get() as any).n, 0);
  const ids = await Promise.all(attempts);
  assert.equal([db.lastAttempt(a.id)!.id, db.lastAttempt(b.id)!.id], ids);
  assert.is((changes.get() as any).n, 2);
  assert.is(db.getPackageById(a.id).status, 'building');
  db.close();
});

group('a failing write rejects alone; the others of its batch are committed', async (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const a = db.ensurePackage(key('a'), info('a'));
  const commits = new GroupCommit(db);
  const ok = commits.write((d) => d.startAttempt(a.id, run, 1, '/log/a', null));
  const bad = commits.write((d) => d.startAttempt(9999, run, 1, '/log/x', null)); // no such package
  const after = commits.write((d) => d.setStatus(a.id, run, 'built', 'fine'));
  const results = await Promise.allSettled([ok, bad, after]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.is(db.getPackageById(a.id).status, 'built');
  // The failed write left nothing behind (its savepoint was rolled back).
  assert.is((db.db.prepare('SELECT COUNT(*) AS n FROM attempts').get() as any).n, 1);
  assert.not.ok(db.db.inTransaction);
  db.close();
});

group('a write that fails after writing leaves nothing behind, in a batch of several', async (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const [a, b] = ['a', 'b'].map((n) => db.ensurePackage(key(n), info(n)));
  const commits = new GroupCommit(db);
  const first = commits.write((d) => d.setStatus(a.id, run, 'waiting', 'first'));
  const bad = commits.write((d) => {
    d.setStatus(b.id, run, 'built', 'half of a write');
    throw new Error('boom');
  });
  const last = commits.write((d) => d.startAttempt(a.id, run, 1, '/log/a', null));
  const results = await Promise.allSettled([first, bad, last]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.is(db.getPackageById(a.id).status, 'building');
  assert.is(db.getPackageById(b.id).status, 'planned');
  assert.is(db.statusChanges(b.id).length, 0);
  // Later writes see the rolled-back row as it is stored.
  await commits.write((d) => d.setStatus(b.id, run, 'built', 'half of a write'));
  assert.is(db.getPackageById(b.id).status, 'built');
  db.close();
});

group('flush() commits at once (before the run ends)', async (ctx) => {
  const db = StateDb.open(ctx.dir);
  const a = db.ensurePackage(key('a'), info('a'));
  const commits = new GroupCommit(db);
  const p = commits.write((d) => d.setStatus(a.id, null, 'waiting', 'x'));
  commits.flush();
  assert.is(db.getPackageById(a.id).status, 'waiting');
  await p;
  commits.flush(); // nothing queued: no-op
  db.close();
});

group.run();
