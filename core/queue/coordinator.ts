// rebuild:queue — the coordinator side of distributed builds. `rebuild run --queue URL` applies it:
// the run keeps its plan, scheduler, state database, channels and reports, and each build task is,
// instead of built here, enqueued on the BullMQ queue of its arch (`<prefix>:build:<subdir>`) with
// its critical-path rank as the job priority. Workers (`rebuild worker`, worker.ts) take the jobs.
// The task's slot is held until the job ends, so `concurrency` and `limits.arch` hold across all
// workers. The worker's log lines are appended to the task log as they come (log-stream.ts); the
// artifacts come through the shared-folder store, each verified against the sha256 the worker
// reported before it is copied into the output channel (and only then recorded by the engine).
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine } from '../engine/engine.ts';
import type { Plugin } from '../model/plugin.ts';
import { targetKey, type Artifact, type BuildResult, type BuildTask, type ExecutionStart, type PackageNode, type Target } from '../model/types.ts';
import { STAGE } from '../engine/stage.ts';
import { RUN_LABEL } from '../engine/leftovers.ts';
import { BuildFailureError, errorMessage } from '../model/failure.ts';
import { SharedFolderStore } from './artifact-store.ts';
import { buildPrefix, connect, describeQueueUrl, logStreamKey, type QueueSettings } from './connection.ts';
import { ArtifactUploadServer } from './upload-server.ts';
import { describeOrphans, removeOrphanJobs } from './orphans.ts';
import { CoordinatorAdvert } from './plan-advert.ts';
import { listWorkers } from './workers.ts';
import { UserError } from '../model/errors.ts';
import { redact } from '../config/redactor.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { jobIdOf, parseFailedReason, type BuildJobData, type BuildJobResult } from './job.ts';
import { LogReader } from './log-stream.ts';

export const PLUGIN_NAME = 'rebuild:queue';

/** BullMQ's largest priority (1 is the highest). */
const MAX_PRIORITY = 2 ** 21;

export interface QueueCoordinator extends Plugin {
  /** Serve the artifact upload endpoint when `queue.upload` is set (before the run starts). */
  start(): Promise<void>;
  /** Close the queues and connections (the CLI calls it when the run ends). */
  close(): Promise<void>;
}

export function queueCoordinator(settings: QueueSettings, options: { notice?: (message: string) => void } = {}): QueueCoordinator {
  const notice = options.notice ?? ((m: string) => void process.stderr.write(`rebuild: ${m}\n`));
  // With `queue.upload` the workers' files land in this folder through the endpoint; else a shared folder.
  const store = new SharedFolderStore(settings.artifacts);
  let server: ArtifactUploadServer | null = null;
  const queues = new Map<string, { queue: Queue; events: QueueEvents; ready: Promise<unknown>; connections: Redis[]; listening: boolean }>();
  let redis: Redis | null = null;
  const me = `${hostname()} pid ${process.pid}`;
  const where = describeQueueUrl(settings.url);

  const queueOf = (subdir: string) => {
    let q = queues.get(subdir);
    if (!q) {
      // Connections of our own (BullMQ leaves a given connection open: close() ends them).
      const connections = [connect(settings.url), connect(settings.url)];
      const queue = new Queue(subdir, { connection: connections[0], prefix: buildPrefix(settings.prefix) });
      const events = new QueueEvents(subdir, { connection: connections[1], prefix: buildPrefix(settings.prefix) });
      q = { queue, events, ready: Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), connections, listening: false };
      // Once QueueEvents has read an event its reads go on from that event's id (before: from `$`,
      // "what comes after my first read"): a job's end is then seen by a listener set before the job is added.
      const entry = q;
      events.once('completed', () => void (entry.listening = true));
      events.once('failed', () => void (entry.listening = true));
      queues.set(subdir, q);
    }
    return q;
  };

  /** The coordinator's limits.builder, sent with each job (the workers hold them across all of them). */
  let builderLimits: Record<string, number> = {};
  /** The queue reconciled with the run's state (orphan jobs removed, the plan advertised): builds wait for it. */
  let reconciled: Promise<void> = Promise.resolve();
  let advert: CoordinatorAdvert | null = null;
  /**
   * The jobs of this work dir that are in the queue (found at the run's start, or enqueued since);
   * null: not known (the reconciliation failed), every build looks its job up first.
   */
  let existing: Set<string> | null = null;

  /**
   * At the run's start: advertise the builds per subdir (plan-advert.ts), remove the jobs of earlier
   * runs this one does not build (orphans.ts), and say which planned arch has no worker yet and which
   * worker has nothing to build.
   */
  async function reconcile(targets: readonly Target[], start: ExecutionStart, planned: ReadonlyMap<string, PackageNode>, workTag: string): Promise<void> {
    const wanted = new Set<string>();
    const builds: Record<string, number> = {};
    const statusOf = new Map<string, string>();
    for (const t of targets) builds[t.subdir] ??= 0;
    for (const t of start.tasks) {
      const key = `${targetKey(t.target)}/${t.id}`;
      statusOf.set(key, t.status);
      if (t.status !== 'waiting' || (t.stage ?? 'build') !== 'build') continue;
      wanted.add(jobIdFor(workTag, t.target, t.id, planned.get(key)?.recipeHash ?? null));
      builds[t.target.subdir] = (builds[t.target.subdir] ?? 0) + 1;
    }
    const why = (d: BuildJobData): string => {
      const key = `${targetKey({ subdir: d.subdir as Target['subdir'], python: d.python })}/${d.id}`;
      const node = planned.get(key);
      const status = statusOf.get(key);
      if (!node || status === undefined) return 'no longer planned';
      if ((node.recipeHash ?? null) !== d.recipeHash) return 'its recipe changed since';
      if (status === 'skipped') return 'not selected (--only/--from)';
      if (status === 'failed' || status === 'blocked') return status;
      return 'built already';
    };
    existing = null;
    redis ??= connect(settings.url);
    advert ??= new CoordinatorAdvert(redis, settings.prefix, { name: me, host: hostname(), pid: process.pid });
    try {
      await advert.publish(builds);
      const subdirs = [...new Set(targets.map((t) => t.subdir))];
      for (const s of subdirs) await queueOf(s).ready;
      const orphans = await removeOrphanJobs(subdirs.map((s) => queueOf(s).queue), workTag, wanted, why, (jobId) => store.drop(jobId));
      for (const line of describeOrphans(orphans)) notice(line);
      existing = orphans.kept;
      const workers = await listWorkers(redis, settings.prefix);
      for (const [subdir, n] of Object.entries(builds)) {
        if (n > 0 && !workers.some((w) => w.arch === subdir)) notice(`queue: no worker takes ${subdir} builds yet (rebuild worker --arch ${subdir}): its ${n} build(s) wait on ${where}`);
      }
      for (const w of workers) {
        const line = idleWorkerNotice(w, builds);
        if (line) notice(line);
      }
    } catch (err) {
      notice(`queue: could not reconcile the queue with this run's state on ${where}: ${redact(errorMessage(err))}; jobs of earlier runs stay`);
    }
  }

  async function build(task: BuildTask, workTag: string): Promise<BuildResult> {
    const subdir = task.target.subdir;
    await reconciled;
    const q = queueOf(subdir);
    await q.ready;
    redis ??= connect(settings.url);
    const runId = Number(task.labels?.[RUN_LABEL] ?? 0);
    // One job per package and recipe content (not per run): a coordinator killed and started again
    // finds the job its killed run enqueued — still waiting, being built, or done while it was down —
    // and takes its result instead of building again.
    const jobId = jobIdFor(workTag, task.target, task.id, task.node.recipeHash ?? null);
    const data: BuildJobData = {
      id: task.id, subdir, python: task.target.python, recipeHash: task.node.recipeHash ?? null, runId, attempt: task.attempt,
      channels: [...task.channels], timeoutMs: task.timeoutMs, log: logStreamKey(settings.prefix, jobId), coordinator: me, builderLimits,
    };
    const reader = new LogReader(redis, data.log, (line) => task.log(line));
    task.log(`=== enqueued on ${where} ${buildPrefix(settings.prefix)}:${subdir} as job ${jobId} (priority ${task.priority ?? 1})`);
    let job: Job | undefined;
    // A job id the queue does not hold (none at the run's start, none enqueued since): no look-up, and,
    // once QueueEvents reads on from a known event, its end is listened for before it is added, so
    // no isFinished look-up either (two Redis round trips less per build).
    const fresh = existing !== null && !existing.has(jobId);
    existing?.add(jobId);
    const end = fresh && q.listening ? jobEnd(q.queue, q.events, jobId) : null;
    try {
      job = fresh ? undefined : await q.queue.getJob(jobId);
      if (job) {
        const state = await job.getState();
        // A failed job is an earlier attempt's (retried now); a result whose files were taken already is spent.
        if (state === 'failed' || (state === 'completed' && !(await store.has((job.returnvalue as BuildJobResult)?.artifacts ?? [])))) {
          await job.remove();
          job = undefined;
        } else task.log(`=== job ${jobId} enqueued by an earlier run is ${state}: taking its result`);
      }
      job ??= await q.queue.add('build', data, {
        jobId,
        priority: Math.min(Math.max(1, task.priority ?? 1), MAX_PRIORITY),
        attempts: 1,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 24 * 3600 },
      });
    } catch (err) {
      end?.cancel();
      await reader.stop();
      throw new BuildFailureError(`could not enqueue on ${where}: ${errorMessage(err)}`, 'network');
    }
    let result: BuildJobResult;
    try {
      result = await untilAborted(end?.promise ?? (job.waitUntilFinished(q.events) as Promise<BuildJobResult>), task.signal);
    } catch (err) {
      end?.cancel();
      if (task.signal.aborted) {
        // Not yet taken: withdrawn. Taken: the worker's lock keeps it; its result is not recorded.
        await job.remove().catch(() => undefined);
        await reader.stop();
        throw task.signal.reason;
      }
      await reader.finish(2000);
      const { failure, message } = parseFailedReason(errorMessage(err));
      throw new BuildFailureError(message, failure);
    }
    await reader.finish();
    const artifacts: Artifact[] = [];
    for (const a of result.artifacts ?? []) {
      const { stored: _stored, ...rest } = a;
      const path = join(task.outputChannel, a.subdir, a.filename);
      // Refused (hash or size differ, file missing): throws, nothing is recorded as built.
      await store.take(a, path, `worker ${result.worker}`);
      artifacts.push({ ...rest, path });
    }
    await store.drop(jobId, result.artifacts ?? []).catch(() => undefined);
    return { builder: `${result.builder} on ${result.worker}`, artifacts };
  }

  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      const workTag = createHash('sha256').update(engine.config.workDir).digest('hex').slice(0, 8);
      builderLimits = { ...engine.config.limits.builder };
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        // The planned nodes (their recipe hashes are filled before the execution starts).
        const planned = new Map<string, PackageNode>();
        run.hooks.planned.tap(PLUGIN_NAME, (plan) => plan.graph.forEachNode((id, node) => void planned.set(`${targetKey(plan.target)}/${id}`, node)));
        run.hooks.executionStart.tap(PLUGIN_NAME, (start) => {
          reconciled = reconcile(run.targets, start, planned, workTag);
        });
        for (const { subdir } of run.targets) {
          run.hooks.build.for(subdir).tapPromise({ name: PLUGIN_NAME, stage: STAGE.PIN }, (task) => build(task, workTag));
        }
      });
    },
    async start() {
      const upload = settings.upload;
      if (!upload || server) return;
      server = new ArtifactUploadServer({ root: settings.artifacts, token: upload.token(), host: upload.listen.host, port: upload.listen.port, notice });
      try {
        const at = await server.listen();
        notice(`artifact uploads: listening on ${at.host}:${at.port} (workers send to ${upload.url}, token from ${upload.variable})`);
      } catch (err) {
        server = null;
        throw new UserError(`queue.upload: could not listen on ${upload.listen.host}:${upload.listen.port}: ${errorMessage(err)} (set queue.upload.listen to a free HOST:PORT)`, EXIT.CONFIG);
      }
    },
    async close() {
      await reconciled;
      await advert?.stop();
      advert = null;
      await server?.close();
      server = null;
      for (const { queue, events, connections } of queues.values()) {
        await events.close().catch(() => undefined);
        await queue.close().catch(() => undefined);
        for (const c of connections) c.disconnect();
      }
      queues.clear();
      redis?.disconnect();
      redis = null;
    },
  };
}

/**
 * A build's job id: one per work dir, target, package and recipe content (not per run), so a
 * coordinator started again finds what its earlier run enqueued.
 */
const jobIdFor = (workTag: string, target: Target, id: string, recipeHash: string | null) =>
  jobIdOf(workTag, target.subdir, `py${target.python}`, id, (recipeHash ?? 'none').slice(0, 12));

/**
 * The end of job `jobId` as `events` reports it (its result, or its failed reason as an Error), listened
 * for before the job is added: what `job.waitUntilFinished` does without its isFinished look-up.
 */
function jobEnd(q: Queue, e: QueueEvents, jobId: string): { promise: Promise<BuildJobResult>; cancel(): void } {
  // Per-job event names are not in BullMQ's listener types.
  const queue = q as unknown as EventEmitter;
  const events = e as unknown as EventEmitter;
  let cancel = () => {};
  const promise = new Promise<BuildJobResult>((resolve, reject) => {
    const onCompleted = (args: { returnvalue: unknown }) => (cancel(), resolve(args.returnvalue as BuildJobResult));
    const onFailed = (args: { failedReason?: string } | string) => (cancel(), reject(new Error(typeof args === 'string' ? args : args.failedReason)));
    events.on(`completed:${jobId}`, onCompleted);
    events.on(`failed:${jobId}`, onFailed);
    queue.on('closing', onFailed);
    cancel = () => {
      events.removeListener(`completed:${jobId}`, onCompleted);
      events.removeListener(`failed:${jobId}`, onFailed);
      queue.removeListener('closing', onFailed);
    };
  });
  promise.catch(() => undefined); // cancelled while the job was being added: nobody awaits it
  return { promise, cancel: () => cancel() };
}

/** `p`, or the signal's reason once it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The coordinator's line for a worker that gets nothing from this run: its arch is not planned, or
 * is planned with every build done already (`builds`: builds to do per planned subdir, 0 included).
 */
export function idleWorkerNotice(worker: { name: string; arch: string }, builds: Readonly<Record<string, number>>): string | null {
  if (builds[worker.arch]) return null;
  const why = worker.arch in builds ? 'of which this run has none left to build' : 'which this run does not plan';
  return `queue: worker ${worker.name} takes ${worker.arch} builds, ${why}: it stays idle`;
}
