// Redis restarted while a build is in progress (append-only file, same port): the coordinator and the
// worker reconnect by themselves and the run completes, with the channel a local run makes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from './test-redis.ts';
import { rebuild, writeProject } from './fixtures/project.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';
import { StateDb } from '../state/state-db.ts';

const restart = suite('Redis restarted mid-run');

/**
 * The project built by a local run (the reference channel), then a worker whose beta build will wait
 * while `hold` exists (the local run's start markers removed, so `betaStarted` sees the worker's),
 * added to `workers`.
 */
async function localRunThenHeldWorker(root: string, queue: string, workers: ReturnType<typeof rebuild>[]) {
  const project = await writeProject(root);
  const local = rebuild(project, ['run', '--work-dir', join(root, 'local'), '--concurrency', '2']);
  assert.is(await local.done, 0, local.out());
  for (const f of readdirSync(root)) if (f.startsWith('started-beta-')) rmSync(join(root, f));
  const hold = join(root, 'hold-beta');
  writeFileSync(hold, '');
  const worker = rebuild(project, ['worker', '--queue', queue, '--arch', 'linux-64', '--work-dir', join(root, 'w'), '--concurrency', '2']);
  workers.push(worker); // stopped by the test's stopAll even if it never gets ready
  await worker.saw('takes linux-64 builds');
  return { project, hold, worker };
}

/** Resolves once a worker has started building beta. */
async function betaStarted(root: string): Promise<void> {
  while (!readdirSync(root).some((f) => f.startsWith('started-beta-'))) await new Promise((r) => setTimeout(r, 50));
}

async function stopAll(workers: ReturnType<typeof rebuild>[], redis: { stop(): Promise<void> }, root: string): Promise<void> {
  for (const w of workers) {
    w.child.kill('SIGTERM');
    await w.done;
  }
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}

restart('coordinator and worker reconnect; every package built once; channel byte-identical to a local run', async () => {
  const redis = await startRedis({ persist: true });
  if (!redis) return;
  const root = mkdtempSync(join(tmpdir(), 'rebuild-queue-restart-'));
  const workers: ReturnType<typeof rebuild>[] = [];
  try {
    const { project, hold, worker } = await localRunThenHeldWorker(root, redis.url, workers);
    const run = rebuild(project, ['run', '--queue', redis.url, '--work-dir', join(root, 'queued'), '--concurrency', '2']);
    await betaStarted(root);
    await redis.restart();
    rmSync(hold);
    assert.is(await run.done, 0, `${run.out()}\n--- worker\n${worker.out()}`);
    assert.equal(channelBytes(join(root, 'queued')), channelBytes(join(root, 'local')));
    const db = StateDb.open(join(root, 'queued'), { readonly: true });
    try {
      for (const p of db.packages()) assert.is(db.attempts(p.id).filter((a) => a.stage === 'build').length, 1, p.node);
    } finally {
      db.close();
    }
  } finally {
    await stopAll(workers, redis, root);
  }
});

/** Safety net, not a timing assertion: a step that never ends fails with what the processes said. */
async function within<T>(p: Promise<T>, what: () => string, ms = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`gave up waiting:\n${what()}`)), ms)));
  try {
    return await Promise.race([p, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every file under `dir` (relative paths). */
const filesUnder = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
};

restart('the coordinator SIGKILLed while a worker builds, started again: the finished job is recorded, nothing built twice', async () => {
  const redis = await startRedis();
  if (!redis) return;
  const root = mkdtempSync(join(tmpdir(), 'rebuild-queue-coordinator-'));
  const workers: ReturnType<typeof rebuild>[] = [];
  try {
    const { project, hold, worker } = await localRunThenHeldWorker(root, redis.url, workers);
    const args = ['run', '--queue', redis.url, '--work-dir', join(root, 'queued'), '--concurrency', '2'];
    const first = rebuild(project, args);
    await betaStarted(root);
    first.child.kill('SIGKILL');
    await first.done;
    rmSync(hold);
    // The worker finishes beta while no coordinator runs: its files wait in the store.
    await within((async () => {
      while (!filesUnder(join(root, 'artifacts')).some((f) => /beta-1\.0-.*\.tar\.bz2$/.test(f))) await new Promise((r) => setTimeout(r, 50));
    })(), () => `--- first\n${first.out()}\n--- worker\n${worker.out()}\n${filesUnder(root).join('\n')}`);
    const second = rebuild(project, args);
    assert.is(await within(second.done, () => `--- second\n${second.out()}\n--- worker\n${worker.out()}`), 0, `${second.out()}\n--- worker\n${worker.out()}`);
    assert.equal(channelBytes(join(root, 'queued')), channelBytes(join(root, 'local')));
    const workerLog = readFileSync(join(root, 'w', 'logs', 'linux-64', 'beta.log'), 'utf8');
    assert.is([...workerLog.matchAll(/=== worker \S+ pid \d+ took job /g)].length, 1, workerLog);
    const log = readFileSync(join(root, 'queued', 'logs', 'linux-64', 'beta.log'), 'utf8');
    assert.match(log, /=== job \S+ enqueued by an earlier run is completed: taking its result/);
    const db = StateDb.open(join(root, 'queued'), { readonly: true });
    try {
      const beta = db.packages().find((p) => p.node === 'beta')!;
      const attempts = db.attempts(beta.id).filter((a) => a.stage === 'build');
      assert.equal(attempts.map((a) => [a.runId, a.status]), [[1, 'interrupted'], [2, 'complete']]);
    } finally {
      db.close();
    }
  } finally {
    await stopAll(workers, redis, root);
  }
});

restart.run();
