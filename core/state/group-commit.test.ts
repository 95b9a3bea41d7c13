import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitBatch } from './group-commit.ts';
import { StateDb } from './state-db.ts';

const group = suite('commitBatch');

group.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-group-'));
});
group.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const key = (node: string) => ({ node, subdir: 'linux-64', python: '3.13' });
const info = (node: string) => ({ feedstock: node, outputs: [node], recipeHash: null });

group('a batch commits as one transaction; each write returns its result', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const [a, b] = ['a', 'b'].map((n) => db.ensurePackage(key(n), info(n)));
  const results = commitBatch(db, [(d) => d.startAttempt(a.id, run, 1, '/log/a', null), (d) => d.startAttempt(b.id, run, 1, '/log/b', null)]);
  assert.equal(results.map((r) => r.ok && r.value), [db.lastAttempt(a.id)!.id, db.lastAttempt(b.id)!.id]);
  assert.is((db.db.prepare('SELECT COUNT(*) AS n FROM status_changes').get() as any).n, 2);
  assert.is(db.getPackageById(a.id).status, 'building');
  assert.not.ok(db.db.inTransaction);
  db.close();
});

group('a failing write fails alone; the others of its batch are committed', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const a = db.ensurePackage(key('a'), info('a'));
  const results = commitBatch(db, [
    (d) => d.startAttempt(a.id, run, 1, '/log/a', null),
    (d) => d.startAttempt(9999, run, 1, '/log/x', null), // no such package
    (d) => d.setStatus(a.id, run, 'built', 'fine'),
  ]);
  assert.equal(results.map((r) => r.ok), [true, false, true]);
  assert.is(db.getPackageById(a.id).status, 'built');
  // The failed write left nothing behind (its savepoint was rolled back).
  assert.is((db.db.prepare('SELECT COUNT(*) AS n FROM attempts').get() as any).n, 1);
  assert.not.ok(db.db.inTransaction);
  db.close();
});

group('a write that fails after writing leaves nothing behind, in a batch of several', (ctx) => {
  const db = StateDb.open(ctx.dir);
  const run = db.startRun(['run']);
  const [a, b] = ['a', 'b'].map((n) => db.ensurePackage(key(n), info(n)));
  const results = commitBatch(db, [
    (d) => d.setStatus(a.id, run, 'waiting', 'first'),
    (d) => {
      d.setStatus(b.id, run, 'built', 'half of a write');
      throw new Error('boom');
    },
    (d) => d.startAttempt(a.id, run, 1, '/log/a', null),
  ]);
  assert.equal(results.map((r) => r.ok), [true, false, true]);
  assert.is(db.getPackageById(a.id).status, 'building');
  assert.is(db.getPackageById(b.id).status, 'planned');
  assert.is(db.statusChanges(b.id).length, 0);
  // Later writes see the rolled-back row as it is stored.
  commitBatch(db, [(d) => d.setStatus(b.id, run, 'built', 'half of a write')]);
  assert.is(db.getPackageById(b.id).status, 'built');
  assert.equal(commitBatch(db, []), []);
  db.close();
});

group.run();
