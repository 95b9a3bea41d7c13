// Child process of the queue benchmark (bench/queue.ts): no-op builds of a synthetic plan (build
// stage only), built here by the local engine, or through the queue (core/queue) by worker processes.
// Usage: node --import tsx bench/queue-child.ts <mode> <packages> <work dir> <concurrency> [<redis url> <artifact dir>]
//   local:       the real executor (executeRun) with the no-op builder; prints one JSON line.
//   coordinator: the same run with rebuild:queue applied (each build a BullMQ job); prints one JSON line.
//   worker:      the real queue worker (startWorker) with the no-op builder, on the same synthetic plan;
//                prints `ready` on stderr, builds until SIGTERM.
// The channel index after each build is a no-op in both runs (its cost is the same local or queued:
// see the engine-overhead benchmark). Per build, the time from the build hook's call to the build's
// taskEnd is recorded: its median and mean, local and queued, give the latency a dispatch adds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import { executeRun } from '../core/engine/execute.ts';
import { STAGE } from '../core/engine/stage.ts';
import type { Plugin } from '../core/model/plugin.ts';
import { queueSettings } from '../core/queue/connection.ts';
import { queueCoordinator } from '../core/queue/coordinator.ts';
import { startWorker } from '../core/queue/worker.ts';
import { median } from './measure.ts';
import { syntheticPlan } from './synthetic-plan.ts';

export interface QueueChildResult {
  mode: 'local' | 'coordinator';
  packages: number;
  built: number;
  wallMs: number;
  /** Per build: from the build hook's call to its taskEnd (ms). */
  latencyMedianMs: number;
  latencyMeanMs: number;
  latencyP95Ms: number;
  /** CPU time of this process during the run (user + system). */
  cpuMs: number;
  maxRssMb: number;
}

const [mode, nArg, workDir, concurrencyArg, url, artifacts] = process.argv.slice(2);
const n = Number(nArg);
const concurrency = Number(concurrencyArg);
mkdirSync(workDir, { recursive: true });

// Every build logs a line and returns one tiny file under the task's file name (the engine, or the
// worker and the coordinator's artifact store, hash and copy it as they would a real package).
const template = join(workDir, 'noop-1.0-0.tar.bz2');
writeFileSync(template, 'noop artifact\n');
const noopBuilder: Plugin = {
  name: 'bench:noop-builder',
  apply(engine) {
    engine.hooks.run.tap('bench:noop-builder', (run) => {
      run.hooks.build.for('linux-64').tapPromise('bench:noop-builder', async (task) => {
        // One log line, as every real build writes: the log file is made (here, or on the worker).
        task.log(`bench: no-op build of ${task.id}`);
        return {
          builder: 'bench:noop-builder',
          artifacts: [{ path: template, filename: `${task.id}-1.0-0.tar.bz2`, subdir: 'linux-64', name: task.id, version: '1.0', build: '0', sha256: '', size: 0 }],
        };
      });
    });
  },
};

const plan = syntheticPlan(n);
const resolve = (plugins: Plugin[]) =>
  resolveConfig(
    { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: workDir, workDir, concurrency, plugins, ...(artifacts ? { queue: { artifacts } } : {}) },
    { configFile: null, profile: null, cwd: workDir },
  );

if (mode === 'worker') {
  const engine = new Engine(resolve([noopBuilder]));
  const settings = queueSettings(engine.config, url)!;
  const worker = await startWorker({ engine, settings, subdir: 'linux-64', concurrency, plans: [plan], notice: () => {} });
  const c0 = process.cpuUsage();
  process.stderr.write('ready\n');
  await new Promise<void>((r) => process.once('SIGTERM', () => r()));
  await worker.close();
  // CPU time from ready to SIGTERM (the builds of every queued run, the idle time between them).
  const cpu = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  process.exit(0);
}

const started = new Map<string, number>();
const latencies: number[] = [];
const timing: Plugin = {
  name: 'bench:latency',
  apply(engine) {
    engine.hooks.run.tap('bench:latency', (run) => {
      // Before every other tap (rebuild:queue taps at STAGE.PIN): the build's dispatch starts here.
      run.hooks.build.for('linux-64').tap({ name: 'bench:latency', stage: STAGE.PIN - 1 }, (task) => void started.set(task.id, performance.now()));
      run.hooks.taskEnd.tap('bench:latency', (r) => {
        const t0 = started.get(r.id);
        if (r.status === 'built' && t0 !== undefined) latencies.push(performance.now() - t0);
      });
    });
  },
};

const coordinator = mode === 'coordinator' ? queueCoordinator(queueSettings(resolve([]), url)!) : null;
const engine = new Engine(resolve(coordinator ? [timing, coordinator] : [timing, noopBuilder]));
const t0 = performance.now();
const c0 = process.cpuUsage();
const outcome = await executeRun(engine.createRun(), [plan], { notice: () => {}, indexChannel: async () => {} });
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
await coordinator?.close();
const sorted = [...latencies].sort((a, b) => a - b);
const result: QueueChildResult = {
  mode: mode as QueueChildResult['mode'],
  packages: n,
  built: outcome.summary.counts.built ?? 0,
  wallMs,
  latencyMedianMs: median(latencies),
  latencyMeanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
  latencyP95Ms: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
  cpuMs: (cpu.user + cpu.system) / 1000,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
