// A coordinator started again removes the jobs of earlier runs it does not build (orphans.ts), and a
// worker whose arch no coordinator plans says so and shows idle (plan-advert.ts). A real
// redis-server per test; every rebuild a separate process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { startRedis, type TestRedis } from './test-redis.ts';
import { rebuild, stopProcesses, writeProject, type Cli } from './fixtures/project.ts';
import { buildPrefix, connect } from './connection.ts';
import { StateDb } from '../state/state-db.ts';

const reconcile = suite('the queue reconciled with a coordinator\'s run');

/** Safety net, not a timing assertion: a wait that never ends fails with what the processes said. */
async function until(check: () => Promise<boolean> | boolean, what: () => string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting:\n${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withRedis(prefix: string, body: (redis: TestRedis, root: string, procs: Cli[]) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  if (!redis) return;
  const root = mkdtempSync(join(tmpdir(), prefix));
  const procs: Cli[] = [];
  try {
    await body(redis, root, procs);
  } finally {
    await stopProcesses(procs);
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

reconcile('a coordinator started again removes the jobs its state says are built or no longer planned; no worker ever sees them', async () => {
  await withRedis('rebuild-queue-orphans-', async (redis, root, procs) => {
    const project = await writeProject(root);
    const work = join(root, 'queued');
    const connection = connect(redis.url);
    const queue = new Queue('linux-64', { connection, prefix: buildPrefix('rebuild') });
    try {
      // Run 1 enqueues alpha and beta (gamma waits for alpha); no worker takes them; it is SIGKILLed.
      const first = rebuild(project, ['run', '--queue', redis.url, '--work-dir', work, '--concurrency', '2']);
      procs.push(first);
      const waiting = async () => (await queue.getJobs(['prioritized', 'waiting'], 0, -1)).map((j) => j.data.id as string).sort();
      await until(async () => (await waiting()).length === 2, () => first.out());
      assert.match(first.out(), /queue: no worker takes linux-64 builds yet \(rebuild worker --arch linux-64\): its 3 build\(s\) wait on redis:\/\/127\.0\.0\.1:\d+/);
      const orphanIds = (await queue.getJobs(['prioritized', 'waiting'], 0, -1)).map((j) => j.id!).sort();
      first.child.kill('SIGKILL');
      await first.done;
      // beta leaves the aggregate; a local run in the same work dir builds alpha and gamma.
      rmSync(join(project, 'aggregate', 'beta-feedstock'), { recursive: true });
      const local = rebuild(project, ['run', '--work-dir', work, '--concurrency', '2']);
      assert.is(await local.done, 0, local.out());
      // Run 3 (the coordinator again): nothing to build; both jobs of run 1 are orphans.
      const third = rebuild(project, ['run', '--queue', redis.url, '--work-dir', work, '--concurrency', '2']);
      procs.push(third);
      assert.is(await third.done, 0, third.out());
      assert.match(third.out(), /queue: removed 2 job\(s\) of earlier runs this run does not build: alpha linux-64 \(built already\), beta linux-64 \(no longer planned\)/);
      for (const id of orphanIds) assert.is(await queue.getJob(id), undefined, `job ${id} left in the queue`);
      const counts = await queue.getJobCounts();
      assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 0, JSON.stringify(counts));
      // A worker started now finds nothing to build.
      const worker = rebuild(project, ['worker', '--queue', redis.url, '--arch', 'linux-64', '--work-dir', join(root, 'w')]);
      procs.push(worker);
      await worker.saw('takes linux-64 builds');
      await new Promise((r) => setTimeout(r, 1500));
      assert.not.match(worker.out(), /took job/);
      assert.not.ok(existsSync(join(root, 'w', 'logs')), 'the worker built nothing (no log folder)');
      const db = StateDb.open(work, { readonly: true });
      try {
        for (const p of db.packages()) assert.ok(db.attempts(p.id).filter((a) => a.stage === 'build' && a.status === 'complete').length <= 1, p.node);
      } finally {
        db.close();
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

reconcile('a worker for an arch the coordinator does not plan: "no planned tasks for linux-aarch64" on the worker and the coordinator, idle in status --workers', async () => {
  await withRedis('rebuild-queue-unplanned-', async (redis, root, procs) => {
    const project = await writeProject(root);
    // Another machine's checkout whose own config also has linux-aarch64.
    const other = await writeProject(root, 'aarch64-checkout');
    const configFile = join(other, 'rebuild.config.ts');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace("arches: ['linux-64']", "arches: ['linux-64', 'linux-aarch64']"));
    const hold = join(root, 'hold-beta');
    writeFileSync(hold, '');
    const w64 = rebuild(project, ['worker', '--queue', redis.url, '--arch', 'linux-64', '--work-dir', join(root, 'w64'), '--concurrency', '2']);
    const aarch = rebuild(other, ['worker', '--queue', redis.url, '--arch', 'linux-aarch64', '--work-dir', join(root, 'waarch')]);
    procs.push(w64, aarch);
    await Promise.all([w64.saw('takes linux-64 builds'), aarch.saw('takes linux-aarch64 builds')]);
    // No coordinator yet: no warning (one may start later).
    assert.not.match(aarch.out(), /no planned tasks/);
    const run = rebuild(project, ['run', '--queue', redis.url, '--work-dir', join(root, 'queued'), '--concurrency', '2']);
    procs.push(run);
    await until(() => aarch.out().includes('no planned tasks'), () => `--- aarch64 worker\n${aarch.out()}\n--- run\n${run.out()}`, 60_000);
    assert.match(aarch.out(), /rebuild worker: warning: no planned tasks for linux-aarch64: coordinator \S+ pid \d+ builds linux-64 \(3\); this worker stays idle \(start it with the --arch of a planned subdir, or add linux-aarch64 to the coordinator's arches\)/);
    assert.match(run.out(), /queue: worker \S+ pid (\d+) takes linux-aarch64 builds, which this run does not plan: it stays idle/);
    assert.is(/worker \S+ pid (\d+) takes linux-aarch64 builds, which/.exec(run.out())![1], String(aarch.child.pid));
    const status = rebuild(project, ['status', '--workers', '--queue', redis.url, '--json']);
    assert.is(await status.done, 0, status.out());
    const listed = JSON.parse(status.out()) as { pid: number; arch: string; idle: string | null }[];
    assert.equal(listed.map((w) => [w.arch, w.pid, w.idle?.replace(/pid \d+/, 'pid N').replace(/coordinator \S+/, 'coordinator HOST') ?? null]), [
      ['linux-64', w64.child.pid, null],
      ['linux-aarch64', aarch.child.pid, 'no planned tasks for linux-aarch64: coordinator HOST pid N builds linux-64 (3)'],
    ]);
    const text = rebuild(project, ['status', '--workers', '--queue', redis.url]);
    assert.is(await text.done, 0, text.out());
    assert.match(text.out(), /linux-aarch64 .* building nothing .*\n {4}idle: no planned tasks for linux-aarch64: coordinator/);
    rmSync(hold);
    assert.is(await run.done, 0, run.out());
    assert.not.match(aarch.out(), /took job/);
  });
});

reconcile.run();
