// The worker side of distributed builds: `rebuild worker --queue URL --arch SUBDIR`. It loads its own
// config (builders, runners, images for its arch), plans its own checkout of the aggregate once, and
// takes build jobs from `<prefix>:build:<subdir>`. A job whose recipe hash is not its checkout's is
// refused with the reason (nothing is built). Otherwise it builds through the same `run.hooks.build`
// as a local run, into a folder of its own, sends its log lines to the coordinator as they come, puts
// the artifacts in the shared-folder store and returns their names and sha256.
// A worker killed mid-build stops renewing its job's lock: BullMQ's stalled-job check (any worker's)
// gives the job back and another worker builds it.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine } from '../engine/engine.ts';
import type { BuildTask, PackageNode } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { openStageTask, removeTaskDir } from '../engine/build-task.ts';
import { watchBuilders } from '../engine/execute.ts';
import { taskKey } from '../engine/task-graph.ts';
import { RedisBuilderSlots } from './builder-slots.ts';
import { hashArtifacts } from '../engine/stage-runner.ts';
import { fillRecipeHashes } from '../recipes/recipe-hash.ts';
import { BuildFailureError, BuildTimeoutError, errorMessage, failureClassOf } from '../model/failure.ts';
import { redact } from '../config/redactor.ts';
import { SharedFolderStore, type ArtifactSink } from './artifact-store.ts';
import { HttpArtifactUpload } from './upload-client.ts';
import { buildPrefix, connect, describeQueueUrl, type QueueSettings } from './connection.ts';
import { failedReason, type BuildJobData, type BuildJobResult } from './job.ts';
import { LogForwarder } from './log-stream.ts';
import { WorkerHeartbeat } from './workers.ts';
import { idleReason, listCoordinators } from './plan-advert.ts';

export interface WorkerOptions {
  engine: Engine;
  settings: QueueSettings;
  subdir: string;
  /** Jobs built side by side (default 1). */
  concurrency?: number;
  /** How long a job stays locked without this worker renewing it (BullMQ lockDuration; default 30 s). */
  lockDurationMs?: number;
  notice?: (message: string) => void;
  /** How often the coordinators' plans are read (default 5 s). */
  planCheckMs?: number;
  /** The checkout's plans, when the caller has them (bench/queue-child.ts: a synthetic plan); default: planned from the config's aggregates. */
  plans?: readonly Plan[];
}

export interface RunningWorker {
  name: string;
  /** Resolves once the worker has stopped (close()). */
  close(): Promise<void>;
}

const short = (hash: string | null) => (hash ? hash.slice(0, 12) : 'none');

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const { engine, settings, subdir } = o;
  const notice = o.notice ?? ((m: string) => void process.stderr.write(`rebuild worker: ${m}\n`));
  const config = engine.config;
  const run = engine.createRun({ arches: [subdir] });
  const target = run.targets[0];
  // Our checkout's nodes with their recipe hashes: what a job's hash is checked against.
  const nodes = new Map<string, PackageNode>();
  for (const plan of o.plans ?? (await run.plan())) plan.graph.forEachNode((id, node) => void nodes.set(id, node));
  fillRecipeHashes(nodes.values());
  const name = `${hostname()} pid ${process.pid}`;
  // queue.upload: the files go to the coordinator over HTTP (no shared folder); the token is read now (a config error if unset).
  const store: ArtifactSink = settings.upload ? (settings.upload.token(), new HttpArtifactUpload(settings.upload)) : new SharedFolderStore(settings.artifacts);
  const logs: Redis = connect(settings.url);
  const lockDuration = o.lockDurationMs ?? 30_000;
  const concurrency = Math.max(1, o.concurrency ?? 1);
  // The builder each task is being asked of now (what a builder limit is counted against).
  const consulted = watchBuilders(run, [subdir]);
  const slots = new RedisBuilderSlots(logs, settings.prefix);
  const heartbeat = new WorkerHeartbeat(logs, settings.prefix, { name, host: hostname(), pid: process.pid, arch: subdir, concurrency });

  async function processJob(job: Job<BuildJobData, BuildJobResult>): Promise<BuildJobResult> {
    const d = job.data;
    const node = nodes.get(d.id);
    if (!node) {
      throw new Error(failedReason('build', `worker ${name}: ${d.id} is not in this worker's aggregate (${config.aggregates.join(', ')}) for ${subdir}: check out the coordinator's aggregate; nothing was built`));
    }
    if (node.recipeHash !== d.recipeHash) {
      throw new Error(failedReason('build', `worker ${name}: the recipe content of ${d.id} differs from the coordinator's (job ${short(d.recipeHash)}, this checkout ${short(node.recipeHash)}): check out the coordinator's aggregate revision; nothing was built`));
    }
    heartbeat.started(job.id!, d.id);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new BuildTimeoutError(d.timeoutMs)), d.timeoutMs);
    // The coordinator's limits.builder: before its first command the builder takes a slot shared by all workers.
    const releases: (() => Promise<void>)[] = [];
    const held = new Set<string>();
    const limits = d.builderLimits ?? {};
    const beforeExec = Object.keys(limits).length
      ? async () => {
        const builder = consulted.get(taskKey(target, d.id));
        if (!builder || !limits[builder] || held.has(builder)) return;
        held.add(builder);
        releases.push(await slots.acquire(builder, limits[builder], `${name} job ${job.id}`, controller.signal, () => task.log(`=== waiting for a slot of ${builder} (limits.builder ${limits[builder]} across all workers)`)));
      }
      : undefined;
    const opened = openStageTask(run, node, target, { runId: d.runId, attempt: d.attempt, stage: 'build' }, controller.signal, d.timeoutMs, undefined, beforeExec);
    const task = opened.task as BuildTask;
    // Our own output folder per job; requirements come from the coordinator's channels (shared folders).
    const out = join(config.workDir, 'queue-out', job.id!);
    task.outputChannel = out;
    task.channels = [...d.channels];
    const forwarder = new LogForwarder(logs, d.log, opened.logFile, LogForwarder.sizeOf(opened.logFile));
    task.log(`=== worker ${name} took job ${job.id} (${d.id}, ${subdir}, python ${d.python}) for ${d.coordinator}`);
    try {
      const result = await run.hooks.build.for(subdir).promise(task);
      if (!result) throw new BuildFailureError(`no builder for ${subdir} on worker ${name} (tap run.hooks.build.for('${subdir}'))`, 'internal');
      if (!result.artifacts.length) throw new BuildFailureError(`builder ${result.builder} returned no artifact`, 'build');
      const artifacts = await store.put(job.id!, await hashArtifacts(result.artifacts));
      task.log(`=== worker ${name}: built by ${result.builder}: ${artifacts.map((a) => `${a.filename} sha256 ${a.sha256}`).join(', ')}`);
      return { worker: name, builder: result.builder, artifacts };
    } catch (err) {
      const failure = controller.signal.aborted ? 'timeout' : failureClassOf(err, 'build');
      const reason = redact(controller.signal.aborted ? errorMessage(controller.signal.reason) : errorMessage(err));
      task.log(`=== worker ${name}: failed (${failure}): ${reason}`);
      throw new Error(failedReason(failure, `worker ${name}: ${reason}`));
    } finally {
      clearTimeout(timer);
      for (const release of releases) await release();
      heartbeat.ended(job.id!);
      opened.close();
      await forwarder.end();
      await rm(out, { recursive: true, force: true });
      if (opened.scratchMade()) await removeTaskDir(task.workDir).catch(() => undefined);
    }
  }

  const jobs: Redis = connect(settings.url);
  const worker = new Worker<BuildJobData, BuildJobResult>(subdir, processJob, {
    connection: jobs,
    prefix: buildPrefix(settings.prefix),
    concurrency,
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: 1,
    name,
  });
  worker.on('error', (err) => notice(`queue ${describeQueueUrl(settings.url)}: ${redact(errorMessage(err))}`));
  await worker.waitUntilReady();
  await heartbeat.beat();
  notice(`${name} takes ${subdir} builds from ${describeQueueUrl(settings.url)} ${buildPrefix(settings.prefix)}:${subdir} (${nodes.size} recipes planned, concurrency ${concurrency})`);
  // What the running coordinators plan (plan-advert.ts): a worker whose arch none of them builds says so once, and shows idle.
  let idle: string | null = null;
  const checkPlan = async () => {
    const reason = idleReason(subdir, await listCoordinators(logs, settings.prefix).catch(() => []));
    if (reason && reason !== idle) notice(`warning: ${reason}; this worker stays idle (start it with the --arch of a planned subdir, or add ${subdir} to the coordinator's arches)`);
    idle = reason;
    heartbeat.setIdle(reason);
  };
  await checkPlan();
  const planTimer = setInterval(() => void checkPlan(), o.planCheckMs ?? 5000);
  return {
    name,
    async close() {
      clearInterval(planTimer);
      await worker.close();
      await heartbeat.stop();
      jobs.disconnect();
      logs.disconnect();
    },
  };
}
