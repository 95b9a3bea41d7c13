// Benchmark — builds through the queue (core/queue, issue 15), on this machine with a real
// redis-server (core/queue/test-redis.ts):
// 1. Time per task through the queue: N no-op builds of the synthetic plan (build stage only) by a
//    coordinator (the real executor with rebuild:queue, concurrency 8) and 4 worker processes (the real
//    startWorker, concurrency 2 each), wall time ÷ N; baseline: the local engine with the same no-op
//    builder and concurrency, in the same bench run. Also the latency a dispatch adds: per build, from
//    the build hook's call to its taskEnd, queued minus local (medians; the mean and p95 in the note).
// 2. Scheduling efficiency with that latency: scheduling.ts's virtual-time simulation (the real
//    Scheduler, seeded log-normal durations, its lower bound) at W = 16, every build taking its
//    duration plus the measured latency (the mean added latency: the slot is held until the result
//    is back); the lower bound stays the builds' own (critical path in time, total work ÷ W).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateSchedule } from '../core/engine/scheduler-simulate.ts';
import type { SchedTask } from '../core/engine/scheduler.ts';
import { startRedis } from '../core/queue/test-redis.ts';
import { BENCH_DIR, REPO_DIR, median, medianRun, row, runChild, type Benchmark, type Row } from './measure.ts';
import type { QueueChildResult } from './queue-child.ts';
import { SEEDS, criticalPathTime, durations, generatedShape, realShape } from './scheduling.ts';

const WORKERS = 4;
const WORKER_CONCURRENCY = 2;
const CONCURRENCY = 8;
/** Runs of each side (the median run by time per task is reported): one run varies a lot on a shared machine. */
const REPEATS = 3;
const W = 16;
const LIMIT_MS = 240_000;

/** A worker process of queue-child.ts, started once its `ready` line is out. */
async function startWorkerProcess(n: number, work: string, url: string, artifacts: string): Promise<{ child: ChildProcess; stop(): Promise<number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'queue-child.ts'), 'worker', String(n), work, String(WORKER_CONCURRENCY), url, artifacts], {
    cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  let err = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('ready\n')) resolve();
    });
    void closed.then((code) => reject(new Error(`queue worker exited ${code} before it was ready: ${err.trim().slice(-2000)}`)));
  });
  return {
    child,
    /** Stop; the worker's CPU time (ms) since it was ready, NaN when it did not say. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await closed;
      try {
        return (JSON.parse(out.trim().split('\n').at(-1) ?? '') as { cpuMs: number }).cpuMs;
      } catch {
        return NaN;
      }
    },
  };
}

/** user + system CPU time of a process so far (ms; Linux /proc, NaN elsewhere). */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return NaN;
  }
}

export const queue: Benchmark = async (ctx) => {
  const n = ctx.quick ? 300 : 2000;
  const repeats = ctx.quick ? 1 : REPEATS;
  const redis = await startRedis();
  if (!redis) {
    ctx.log('queue: skipped, no redis-server');
    return [row({ benchmark: 'queue', figure: 'time per task through the queue: skipped (no redis-server: apt-get install redis-server)', value: NaN, unit: 'ms' })];
  }
  const tmp = mkdtempSync(join(tmpdir(), 'rebuild-bench-queue-'));
  const artifacts = join(tmp, 'artifacts');
  const locals: QueueChildResult[] = [];
  const queued: QueueChildResult[] = [];
  const load: number[] = [];
  const workers: { stop(): Promise<number> }[] = [];
  let workersCpuMs = 0;
  let redisCpuMs = 0;
  try {
    for (let rep = 0; rep < repeats; rep++) {
      ctx.log(`queue: ${n} no-op builds, local engine${repeats > 1 ? ` (run ${rep + 1} of ${repeats})` : ''}`);
      locals.push(await runChild<QueueChildResult>('queue-child.ts', ['local', String(n), join(tmp, `local-${rep}`), String(CONCURRENCY)], { timeoutMs: LIMIT_MS }));
    }
    ctx.log(`queue: starting ${WORKERS} workers (concurrency ${WORKER_CONCURRENCY} each)`);
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorkerProcess(n, join(tmp, `worker-${i}`), redis.url, artifacts));
    for (let rep = 0; rep < repeats; rep++) {
      ctx.log(`queue: ${n} no-op builds through the queue${repeats > 1 ? ` (run ${rep + 1} of ${repeats})` : ''}`);
      // A work dir per run: job ids carry it, so no run takes an earlier run's results.
      const r0 = processCpuMs(redis.process.pid);
      queued.push(await runChild<QueueChildResult>('queue-child.ts', ['coordinator', String(n), join(tmp, `queued-${rep}`), String(CONCURRENCY), redis.url, artifacts], { timeoutMs: LIMIT_MS }));
      redisCpuMs += processCpuMs(redis.process.pid) - r0;
      load.push(loadavg()[0]);
    }
  } finally {
    for (const w of workers) workersCpuMs += await w.stop();
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const perTask = (r: QueueChildResult) => r.wallMs / r.packages;
  const local = medianRun(locals, perTask);
  const remote = medianRun(queued, perTask);
  const runs = (rs: QueueChildResult[]) => (rs.length > 1 ? `median of ${rs.length} runs (${rs.map((r) => perTask(r).toFixed(2)).join(', ')} ms)` : '1 run');
  // CPU time per queued task, every process: coordinator (its median run), workers and redis-server (all queued runs).
  const tasks = queued.reduce((a, r) => a + r.packages, 0);
  const cpu = { coordinator: remote.cpuMs / remote.packages, workers: workersCpuMs / tasks, redis: redisCpuMs / tasks };
  const cpuNote = `CPU per task: queued ${(cpu.coordinator + cpu.workers + cpu.redis).toFixed(2)} ms (coordinator ${cpu.coordinator.toFixed(2)}, ` +
    `${WORKERS} workers ${cpu.workers.toFixed(2)}, redis-server ${cpu.redis.toFixed(2)}), local ${(local.cpuMs / local.packages).toFixed(2)} ms`;
  const addedMs = Math.max(0, remote.latencyMedianMs - local.latencyMedianMs);
  const addedMeanMs = Math.max(0, remote.latencyMeanMs - local.latencyMeanMs);
  const rows: Row[] = [
    row({
      benchmark: 'queue', figure: `time per task through the queue (${n.toLocaleString('en-US')} no-op builds, ${WORKERS} workers × ${WORKER_CONCURRENCY}, concurrency ${CONCURRENCY})`,
      value: perTask(remote), unit: 'ms', max: 5, target: '< 5 ms',
      baseline: 'local engine, same builds', baselineValue: perTask(local),
      note: `queued ${runs(queued)}, ${remote.built} of ${n} built; local ${runs(locals)}; load average (1 min) after each queued run ${load.map((l) => l.toFixed(1)).join(', ')}; ` +
        `every process on this machine (coordinator, workers, redis-server share its cores); ${cpuNote}; channel index a no-op on both sides`,
    }),
    row({
      benchmark: 'queue', figure: 'latency a dispatch adds (build hook → result, queued − local, median)', value: addedMs, unit: 'ms',
      baseline: 'local build hook → result, median', baselineValue: local.latencyMedianMs,
      note: `queued: median ${remote.latencyMedianMs.toFixed(1)} ms, mean ${remote.latencyMeanMs.toFixed(1)} ms, p95 ${remote.latencyP95Ms.toFixed(1)} ms; local: median ${local.latencyMedianMs.toFixed(1)} ms, mean ${local.latencyMeanMs.toFixed(1)} ms, p95 ${local.latencyP95Ms.toFixed(1)} ms (${CONCURRENCY} builds in flight)`,
    }),
  ];

  // Scheduling with the queue's latency added to every build (seconds of virtual time).
  const latencyS = addedMeanMs / 1000;
  for (const { name, shape } of [await realShape(), await generatedShape(ctx.quick)]) {
    const tasks: SchedTask[] = shape.map((t) => ({ id: t.id, deps: t.deps }));
    const withQueue: number[] = [];
    const without: number[] = [];
    for (const seed of SEEDS) {
      const d = durations(tasks.map((t) => t.id), seed);
      const total = [...d.values()].reduce((a, b) => a + b, 0);
      const bound = Math.max(criticalPathTime(shape, d), total / W);
      const slowed = new Map([...d].map(([id, s]) => [id, s + latencyS]));
      withQueue.push(simulateSchedule(tasks, slowed, W, 'critical-path', { estimates: d }).makespan / bound);
      without.push(simulateSchedule(tasks, d, W, 'critical-path').makespan / bound);
    }
    rows.push(row({
      benchmark: 'queue', figure: `${name}, W=${W}, queue latency added to each build: makespan ÷ lower bound`, value: median(withQueue), unit: '', max: 1.1,
      baseline: 'same without the queue', baselineValue: median(without),
      note: `${tasks.length} tasks, ${SEEDS.length} seeds (median); each build ${addedMeanMs.toFixed(1)} ms longer (the mean latency measured above), durations log-normal, median 300 s`,
    }));
  }
  return rows;
};
