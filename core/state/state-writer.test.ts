import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSecretValue, clearSecrets } from '../config/redactor.ts';
import { StateDb } from './state-db.ts';
import { StateWriter } from './state-writer.ts';

const writer = suite('StateWriter');

writer.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-writer-'));
});
writer.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const key = (node: string) => ({ node, subdir: 'linux-64', python: '3.13' });
const info = (node: string) => ({ feedstock: node, outputs: [node], recipeHash: null });

function open(dir: string) {
  const db = StateDb.open(dir);
  const run = db.startRun(['run']);
  const [a, b] = ['a', 'b'].map((n) => db.ensurePackage(key(n), info(n)).id);
  return { db, run, a, b };
}

writer('a write resolves once committed on the writer thread; writes commit in the order queued', async (ctx) => {
  const { db, run, a } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  const attempt = db.allocateAttemptId();
  const start = w.write((d) => d.startAttempt(a, run, 1, '/log/a', null, 'build', attempt));
  const built = w.write((d) => d.recordBuilt(attempt, run, [{ path: '/c/a.conda', filename: 'a.conda', sha256: 'ff', size: 1 }], 5, 'built', 'made', { complete: true }));
  // Nothing is written on this thread.
  assert.is(db.getPackageById(a).status, 'planned');
  await built;
  await start;
  assert.is(db.getPackageById(a).status, 'built');
  assert.is(db.lastAttempt(a)!.id, attempt);
  assert.is(db.lastAttempt(a)!.status, 'complete');
  assert.equal(db.artifacts(a).map((x) => x.filename), ['a.conda']);
  assert.equal(db.statusChanges(a).map((c) => c.to), ['building', 'built']);
  await w.close();
  db.close();
});

writer('with no batch in flight, a write is posted once the code queueing it has run, not at the next turn: it commits while this thread goes on', async (ctx) => {
  const { db, run, a, b } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  await w.ready;
  const first = w.write((d) => d.setStatus(a, run, 'waiting', 'first'));
  await Promise.resolve();
  // The rest of this turn: synchronous work (the other tasks a turn starts). The write was posted
  // before it, so the thread commits it meanwhile; what is queued now waits for its answer.
  const second = w.write((d) => d.setStatus(b, run, 'waiting', 'second'));
  const until = performance.now() + 5000;
  while (db.getPackageById(a).status !== 'waiting' && performance.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  assert.is(db.getPackageById(a).status, 'waiting', 'committed during this turn');
  assert.is(db.getPackageById(b).status, 'planned', 'queued behind the batch in flight');
  await Promise.all([first, second]);
  assert.is(db.getPackageById(b).status, 'waiting');
  await w.close();
  db.close();
});

writer('a failing write rejects alone; the others are committed', async (ctx) => {
  const { db, run, a, b } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  const results = await Promise.allSettled([
    w.write((d) => d.setStatus(a, run, 'waiting', 'first')),
    w.write((d) => {
      d.setStatus(b, run, 'built', 'half of a write');
      d.startAttempt(9999, run, 1, '/log/x', null); // no such package: the whole write rolls back
    }),
    w.write((d) => d.setStatus(b, run, 'waiting', 'after')),
  ]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason.message), /FOREIGN KEY/);
  assert.is(db.getPackageById(a).status, 'waiting');
  assert.equal(db.statusChanges(b).map((c) => c.to), ['waiting']);
  await w.close();
  db.close();
});

writer('writeSync commits the queued writes and its call before it returns, with the call\'s result', async (ctx) => {
  const { db, run, a } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  await w.ready;
  const attempt = db.allocateAttemptId();
  // The attempt's row is only queued: the process row refers to it (foreign key), so it must go first.
  void w.write((d) => d.startAttempt(a, run, 1, '/log/a', null, 'build', attempt));
  const id = w.writeSync('trackProcess', attempt, { kind: 'process-group', pgid: 4242, pidStart: null });
  assert.type(id, 'number');
  assert.equal(db.openProcesses().map((p) => [p.id, p.attemptId]), [[id, attempt]]);
  assert.throws(() => w.writeSync('trackProcess', 9999, { kind: 'process-group', pgid: 1, pidStart: null }), /FOREIGN KEY/);
  await w.write((d) => d.endProcess(id, 'exited'));
  assert.equal(db.openProcesses(), []);
  await w.close();
  db.close();
});

writer('reasons are redacted on the writer thread with the secrets this thread knows', async (ctx) => {
  const { db, run, a } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  try {
    addSecretValue('tok-5ecret-value');
    await w.write((d) => d.setStatus(a, run, 'failed', 'upload refused for tok-5ecret-value'));
    assert.is(db.getPackageById(a).reason, 'upload refused for [redacted]');
  } finally {
    clearSecrets();
  }
  // Forgotten there too once forgotten here.
  await w.write((d) => d.setStatus(a, run, 'failed', 'plain tok-5ecret-value'));
  assert.is(db.getPackageById(a).reason, 'plain tok-5ecret-value');
  await w.close();
  db.close();
});

writer('a write whose arguments cannot be sent fails alone', async (ctx) => {
  const { db, run, a, b } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  const attempt = db.allocateAttemptId();
  await w.write((d) => d.startAttempt(a, run, 1, '/log/a', null, 'test', attempt));
  const results = await Promise.allSettled([
    w.write((d) => d.setStatus(b, run, 'waiting', 'before')),
    w.write((d) => d.recordChecks(attempt, [{ name: 'imports', kind: 'imports', ok: true, durationMs: 1, extra: () => 1 } as any])),
    w.write((d) => d.setStatus(a, run, 'tested', 'after')),
  ]);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((results[1] as PromiseRejectedResult).reason.message), /could not be sent to the writer thread/);
  assert.is(db.getPackageById(b).status, 'waiting');
  assert.is(db.getPackageById(a).status, 'tested');
  await w.close();
  db.close();
});

writer('close() answers every queued write, then a write fails', async (ctx) => {
  const { db, run, a } = open(ctx.dir);
  const w = new StateWriter(ctx.dir);
  const last = w.write((d) => d.setStatus(a, run, 'waiting', 'queued before close'));
  await w.close();
  await last;
  assert.is(db.getPackageById(a).status, 'waiting');
  await w.write((d) => d.setStatus(a, run, 'ready', 'x')).then(() => assert.unreachable('written after close'), (err) => assert.match(err.message, /stopped/));
  db.close();
});

const CHILD = new URL('./fixtures/writer-child.ts', import.meta.url).pathname;

/** Run the child, SIGKILL it once `kill(markers)` says so (polled); returns whether it was killed. */
function runChild(dir: string, n: number, killAfter: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const markers = join(dir, 'markers');
    const poll = setInterval(() => {
      if (existsSync(markers) && readdirSync(markers).length >= killAfter) child.kill('SIGKILL');
    }, 2);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearInterval(poll);
      resolve(signal === 'SIGKILL');
    });
  });
}

writer('SIGKILL at any point: whatever was done after a write resolved finds the write committed', async (ctx) => {
  let killed = 0;
  for (const killAfter of [1, 40, 150, 400]) {
    const dir = join(ctx.dir as string, `k${killAfter}`);
    if (await runChild(dir, 600, killAfter)) killed++;
    const db = StateDb.open(dir, { readonly: true });
    const markers = readdirSync(join(dir, 'markers'));
    assert.ok(markers.length >= Math.min(killAfter, 600));
    const built = new Set(db.packages().filter((p) => p.status === 'built').map((p) => p.node));
    for (const m of markers) assert.ok(built.has(m), `${m}: marker left after its write resolved, but the write is not in the database`);
    // Every committed build has its attempt (queued before it, never committed without it).
    for (const node of built) assert.is(db.lastAttempt(db.getPackage(key(node))!.id)?.status, 'complete');
    assert.is(db.db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  }
  assert.ok(killed >= 2, `only ${killed} of the child runs were killed before they ended`);
});

writer.run();
