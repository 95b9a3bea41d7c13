// Execution of a run's plans: the task graph, resume decisions from the state database, the
// scheduler loop with N slots (and per-arch / per-builder caps), retries with backoff, timeouts,
// interruption, and each task's pipeline: prepareTask → build → record artifacts → test →
// transmute → index → shouldPublish/publish. Every state change goes to the state database first,
// then to `run.hooks.taskEnd`.
import { basename, dirname, join } from 'node:path';
import type { Run } from './run.ts';
import type { Plan } from '../graph/plan.ts';
import type { Artifact, BuildTask, ExecutionStart, PublishGroup, FailureClass, RunSummary, Target, TaskResult, TaskStatus, TestReport } from '../model/types.ts';
import { notBuiltNodes, planErrorCount } from './not-built.ts';
import { buildTaskGraph, type ExecTask } from './task-graph.ts';
import { Scheduler, type SchedTask } from './scheduler.ts';
import { openBuildTask, removeTaskDir, staleScratchDirs } from './build-task.ts';
import { BuildTimeoutError, RunInterruptedError, errorMessage, failureClassOf } from '../model/failure.ts';
import { StateDb, DONE_STATUSES, type PackageKey } from '../state/state-db.ts';
import { acquireLock, type WorkDirLock } from '../state/lock.ts';
import { GroupCommit } from '../state/group-commit.ts';
import { decideResume, type ResumeDecision, type ResumeOptions } from '../state/resume.ts';
import { describeDropped, reconcileChannelIndexes } from '../state/reconcile-channels.ts';
import { hashFile } from '../state/file-hash.ts';
import { ChannelIndexWriter } from '../conda/repodata.ts';
import { ATTEMPT_LABEL, RUN_LABEL, WORKDIR_LABEL, processStart, stopLeftovers } from './leftovers.ts';

export type ChannelIndexer = (channelDir: string, subdirs: string[]) => Promise<void>;

export interface ExecuteOptions extends ResumeOptions {
  /** Recorded with the run (the CLI's argv). */
  argv?: string[];
  /** Stop starting new builds after the first failure (or config.failFast). */
  failFast?: boolean;
  /** Ctrl-C / SIGTERM: stop starting work, abort running builds, record them as interrupted. */
  signal?: AbortSignal;
  /** A lock the caller already holds; else one is taken (and released) here. */
  lock?: WorkDirLock;
  /**
   * Writes a channel's repodata.json after each build (calls for one dir are serialised). Default:
   * a `ChannelIndexWriter` per channel dir (core/conda/repodata.ts) for the run, which updates the
   * index incrementally and coalesces concurrent updates into one write.
   */
  indexChannel?: ChannelIndexer;
  /** How long an aborted build may take to stop before it is recorded anyway (ms, default 10 s). */
  abortGraceMs?: number;
  /** Messages for the user that are not task events (stale lock taken over, recovered rows). */
  notice?: (message: string) => void;
}

export interface ExecuteOutcome {
  runId: number;
  summary: RunSummary;
  /** 0: everything in scope is built; 1: something failed or is blocked by a failure, or the plans had errors; 130: interrupted. */
  exitCode: 0 | 1 | 130;
}

interface AttemptOk {
  ok: true;
  status: TaskStatus;
  reason: string | null;
  artifacts: Artifact[];
}
interface AttemptFailed {
  ok: false;
  failure: FailureClass;
  reason: string;
  interrupted: boolean;
}

/** A plan-time status as a task status (render errors are failures of the plan). */
const planStatusToTask = (s: string): TaskStatus => (s === 'error' ? 'failed' : (s as TaskStatus));

/**
 * `guard(p)` settles like `p`; once `signal` aborts, waits at most `graceMs` for `p` (runners stop
 * their process group / container on abort), then rejects with the abort reason. One abort listener
 * serves every guard of an attempt (`dispose()` removes it).
 */
function abortGuard(signal: AbortSignal, graceMs: number) {
  /** Per pending guard: start its grace timer. */
  const pending = new Set<() => void>();
  const onAbort = () => {
    for (const startGrace of pending) startGrace();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const guard = <T>(p: Promise<T>): Promise<T> => {
    if (signal.aborted && graceMs <= 0) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const startGrace = () => void (timer ??= setTimeout(() => reject(signal.reason), graceMs));
      pending.add(startGrace);
      if (signal.aborted) startGrace();
      p.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        pending.delete(startGrace);
      });
    });
  };
  return { guard, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Serialises index writes per channel dir (builds finish concurrently). */
function serialIndexer(index: ChannelIndexer, notice: (m: string) => void): ChannelIndexer {
  const chains = new Map<string, Promise<void>>();
  let warned = false;
  return (dir, subdirs) => {
    const next = (chains.get(dir) ?? Promise.resolve()).then(async () => {
      try {
        await index(dir, subdirs);
      } catch (err) {
        // The channel index writer may not exist yet in this checkout: say so once, keep building.
        if (/not implemented yet/.test(errorMessage(err))) {
          if (!warned) notice(`channel index not written (${errorMessage(err)}): ${dir}`);
          warned = true;
          return;
        }
        throw err;
      }
    });
    chains.set(dir, next.catch(() => undefined));
    return next;
  };
}

export async function executeRun(run: Run, plans: readonly Plan[], options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const config = run.config;
  const notice = options.notice ?? ((m: string) => process.stderr.write(`rebuild: ${m}\n`));
  const lock = options.lock ?? acquireLock(config.workDir, {
    onStale: (s, path) => notice(`taking over stale lock ${path} (pid ${s.pid} is gone, since ${s.started})`),
  });
  let db: StateDb | undefined;
  try {
    db = StateDb.open(config.workDir);
    return await new Execution(run, plans, options, db, notice).execute();
  } finally {
    db?.close();
    if (!options.lock) lock.release();
  }
}

class Execution {
  private readonly config;
  private readonly tasks: Map<string, ExecTask>;
  private readonly results = new Map<string, TaskResult>();
  private readonly packageIds = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly running = new Map<string, { controller: AbortController; promise: Promise<void> }>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** The task pipeline's state writes, committed together per event-loop turn. */
  private readonly commits: GroupCommit;
  private readonly customIndex: ChannelIndexer | null;
  private readonly indexWriters = new Map<string, ChannelIndexWriter>();
  /** Log dirs made in this run (not made again per task). */
  private readonly logDirs = new Set<string>();
  /** Scratch dirs of succeeded tasks being removed (awaited before the run ends). */
  private readonly cleanups = new Set<Promise<void>>();
  private readonly graceMs: number;
  private scheduler!: Scheduler;
  private runId = 0;
  private stopping = false;
  private interrupted = false;
  private wakeSignalled = false;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly run: Run,
    private readonly plans: readonly Plan[],
    private readonly options: ExecuteOptions,
    private readonly db: StateDb,
    private readonly notice: (m: string) => void,
  ) {
    this.config = run.config;
    this.tasks = buildTaskGraph(plans);
    this.commits = new GroupCommit(db);
    this.customIndex = options.indexChannel ? serialIndexer(options.indexChannel, notice) : null;
    this.graceMs = options.abortGraceMs ?? 10_000;
  }

  async execute(): Promise<ExecuteOutcome> {
    const { db } = this;
    const startedAt = new Date().toISOString();
    // What a killed run's builds left running goes first (we hold the lock): nothing may write into
    // the channels while resume checks them, nor share anything with a build of this run.
    await stopLeftovers(db, { workDir: this.config.workDir, by: `rebuild pid ${process.pid}`, notice: this.notice });
    // Decide first: a bad --only/--from/--retry name fails before a run is recorded.
    const decisions = await decideResume(this.tasks, db, this.options);
    await this.reconcileChannels(decisions);
    this.runId = db.startRun(this.options.argv ?? process.argv.slice(2));
    this.removeStaleScratch();
    const recovered = db.recoverStale(this.runId);
    if (recovered) this.notice(`${recovered} package(s) left building by a killed run will be rebuilt`);
    this.recordUnplanned();
    const estimates = this.estimates();
    const schedTasks: SchedTask[] = [];
    for (const t of this.tasks.values()) {
      const d = decisions.get(t.key)!;
      this.packageIds.set(t.key, d.packageId);
      if (d.inScope && d.kind !== 'done') schedTasks.push({ id: t.key, deps: t.deps, resources: this.resources(t) });
    }
    this.scheduler = new Scheduler(schedTasks, { durations: estimates.byKey, defaultDuration: estimates.fallback, limits: this.limits() });

    // Starting statuses, written in one transaction.
    const changes: Parameters<StateDb['setStatuses']>[0] = [];
    const initial = new Map<string, { status: TaskStatus; reason: string | null; failure?: FailureClass | null }>();
    for (const t of this.tasks.values()) {
      const d = decisions.get(t.key)!;
      if (d.kind === 'done') initial.set(t.key, { status: d.status, reason: d.reason });
      else if (!d.inScope) {
        initial.set(t.key, { status: 'skipped', reason: 'not selected (--only/--from)' });
        // Not built any more (artifact gone, recipe changed): say so in the database too.
        if (DONE_STATUSES.has(d.status)) changes.push({ packageId: d.packageId, to: 'planned', reason: d.reason });
      } else if (d.kind === 'failed') {
        initial.set(t.key, { status: 'failed', reason: d.reason, failure: d.failure });
      } else {
        const waitingOn = t.deps.filter((k) => this.scheduler.has(k) && this.scheduler.stateOf(k) === 'pending');
        const reason = waitingOn.length
          ? `waiting on ${waitingOn.slice(0, 3).map((k) => this.tasks.get(k)!.node.id).join(', ')}${waitingOn.length > 3 ? ` (+${waitingOn.length - 3})` : ''}`
          : (d.reason ?? null);
        initial.set(t.key, { status: 'waiting', reason });
        changes.push({ packageId: d.packageId, to: 'waiting', reason });
      }
    }
    for (const t of this.tasks.values()) {
      if (decisions.get(t.key)!.kind !== 'failed' || !decisions.get(t.key)!.inScope) continue;
      for (const b of this.scheduler.fail(t.key)) {
        const reason = `blocked by ${this.tasks.get(b.by)!.node.id} (failed)`;
        initial.set(b.id, { status: 'blocked', reason });
        changes.push({ packageId: this.packageIds.get(b.id)!, to: 'blocked', reason });
      }
    }
    db.setStatuses(changes, this.runId);
    for (const [key, s] of initial) this.results.set(key, this.result(key, s.status, s.reason, { failure: s.failure ?? undefined }));

    const start: ExecutionStart = {
      runId: this.runId,
      workDir: this.config.workDir,
      concurrency: this.config.concurrency,
      tasks: [...this.tasks.values()].map((t) => ({
        id: t.node.id, target: t.target, status: initial.get(t.key)!.status, reason: initial.get(t.key)!.reason,
        bootstrap: t.node.bootstrap, estimateMs: estimates.byKey.get(t.key) ?? null,
      })),
    };
    this.run.hooks.executionStart.call(start);

    const signal = this.options.signal;
    const onAbort = () => this.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.interrupt();
    try {
      await this.loop();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await this.settle();
    }
    return this.finish(startedAt);
  }

  /**
   * Our channels' indexes follow their files before anything is built: entries of missing files, or
   * of artifacts resume found changed, are dropped (core/state/reconcile-channels.ts), so no solver
   * picks a file that is not there; resume rebuilds the packages behind them.
   */
  private async reconcileChannels(decisions: Map<string, ResumeDecision>): Promise<void> {
    const lost = new Set<string>();
    for (const d of decisions.values()) if (d.lostArtifact) lost.add(d.lostArtifact);
    // The output channel, and every channel an artifact was recorded in (the bootstrap channel).
    const channels = new Set([join(this.config.workDir, 'channel')]);
    for (const list of this.db.artifactsByPackage().values()) for (const a of list) channels.add(dirname(dirname(a.path)));
    for (const line of describeDropped(await reconcileChannelIndexes([...channels], lost))) this.notice(line);
  }

  /**
   * Scratch dirs no later run needs (staleScratchDirs): those of attempts a killed run left open
   * (their builds are stopped by now) and those a run was killed before removing after a success.
   * Removed in the background (awaited before the run ends); dirs of failed attempts stay for inspection.
   */
  private removeStaleScratch(): void {
    for (const workDir of staleScratchDirs(this.config.workDir, this.db)) {
      const cleanup: Promise<void> = removeTaskDir(workDir)
        .catch((err) => this.notice(`scratch dir ${workDir} not removed: ${errorMessage(err)}`))
        .finally(() => this.cleanups.delete(cleanup));
      this.cleanups.add(cleanup);
    }
  }


  /** A state write of the task pipeline; resolves once committed (report the change only then). */
  private write<T>(fn: (db: StateDb) => T): Promise<T> {
    return this.commits.write(fn);
  }

  /** Background work of the run: scratch dir removals, the index writers' record caches. */
  private async settle(): Promise<void> {
    this.commits.flush();
    while (this.cleanups.size) await Promise.all(this.cleanups);
    for (const [dir, writer] of this.indexWriters) {
      try {
        await writer.close();
      } catch (err) {
        this.notice(`channel index cache of ${dir} not written: ${errorMessage(err)}`);
      }
    }
  }

  /** Index `dir` for these subdirs; `files` are the package files this task wrote (or rewrote). */
  private index(dir: string, subdirs: string[], files: string[]): Promise<void> {
    if (this.customIndex) return this.customIndex(dir, subdirs);
    let writer = this.indexWriters.get(dir);
    if (!writer) this.indexWriters.set(dir, (writer = new ChannelIndexWriter(dir)));
    return writer.update(subdirs, files);
  }

  // ------------------------------------------------------------ scheduling loop

  private async loop(): Promise<void> {
    const slots = Math.max(1, this.config.concurrency);
    for (;;) {
      if (!this.stopping) {
        while (this.running.size < slots) {
          const key = this.scheduler.next();
          if (key === null) break;
          this.start(key);
        }
      }
      if (!this.running.size && (this.stopping || !this.retryTimers.size)) break;
      await this.nextEvent();
    }
  }

  private wake(): void {
    this.wakeSignalled = true;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async nextEvent(): Promise<void> {
    if (!this.wakeSignalled) await new Promise<void>((resolve) => (this.waiter = resolve));
    this.wakeSignalled = false;
  }

  private interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    this.stopping = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    for (const r of this.running.values()) r.controller.abort(new RunInterruptedError());
    this.wake();
  }

  private start(key: string): void {
    const controller = new AbortController();
    const promise = this.runTask(key, controller)
      .catch((err) => {
        // Not a build failure (the state database or the work dir failed us): fail the task loudly.
        const reason = `internal error: ${errorMessage(err)}`;
        this.notice(`task ${key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (this.scheduler.stateOf(key) !== 'running') return;
        this.emit(key, 'failed', reason, { failure: 'internal' });
        for (const b of this.scheduler.fail(key)) this.emit(b.id, 'blocked', `blocked by ${this.tasks.get(key)!.node.id} (failed)`);
      })
      .finally(() => {
        this.running.delete(key);
        this.wake();
      });
    this.running.set(key, { controller, promise });
  }

  private async runTask(key: string, controller: AbortController): Promise<void> {
    const t = this.tasks.get(key)!;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const started = Date.now();
    const outcome = await this.attempt(t, attempt, controller);
    const durationMs = Date.now() - started;
    if (outcome.ok) {
      this.scheduler.succeed(key);
      return;
    }
    const logFile = this.results.get(key)?.logFile;
    const attemptId = this.currentAttempt.get(key)!;
    if (outcome.interrupted) {
      this.scheduler.release(key);
      await this.write((db) => db.endAttempt(attemptId, { status: 'interrupted', failure: 'cancelled', reason: outcome.reason, durationMs },
        { to: 'interrupted', reason: outcome.reason, runId: this.runId }));
      this.emit(key, 'interrupted', outcome.reason, { failure: 'cancelled', durationMs, logFile });
      return;
    }
    const { attempts, backoffMs, transient } = this.config.retry;
    if (transient.includes(outcome.failure) && attempt < attempts && !this.stopping) {
      const delay = backoffMs * 2 ** (attempt - 1);
      const reason = `retry ${attempt + 1}/${attempts} in ${delay} ms after ${outcome.failure}: ${outcome.reason}`;
      this.scheduler.release(key);
      await this.write((db) => db.endAttempt(attemptId, { status: 'failed', failure: outcome.failure, reason: outcome.reason, durationMs },
        { to: 'waiting', reason, runId: this.runId }));
      this.emit(key, 'waiting', reason, { failure: outcome.failure, durationMs, logFile });
      this.retryTimers.set(key, setTimeout(() => {
        this.retryTimers.delete(key);
        this.scheduler.requeue(key);
        this.wake();
      }, delay));
      return;
    }
    // Scheduler first (synchronously): nothing blocked can start while the writes commit.
    const blocked = this.scheduler.fail(key);
    if (this.options.failFast || this.config.failFast) this.stopping = true;
    const reason = `blocked by ${t.node.id} (failed)`;
    await this.write((db) => db.endAttempt(attemptId, { status: 'failed', failure: outcome.failure, reason: outcome.reason, durationMs },
      { to: 'failed', reason: outcome.reason, runId: this.runId }));
    const blockedWrite = blocked.length
      ? this.write((db) => db.setStatuses(blocked.map((b) => ({ packageId: this.packageIds.get(b.id)!, to: 'blocked' as const, reason })), this.runId))
      : null;
    this.emit(key, 'failed', outcome.reason, { failure: outcome.failure, durationMs, logFile });
    if (blockedWrite) {
      await blockedWrite;
      for (const b of blocked) this.emit(b.id, 'blocked', reason);
    }
  }

  private readonly currentAttempt = new Map<string, number>();

  // ------------------------------------------------------------ one attempt: the task pipeline

  private async attempt(t: ExecTask, attempt: number, controller: AbortController): Promise<AttemptOk | AttemptFailed> {
    const { run } = this;
    const timeoutMs = this.config.timeouts.buildSeconds * 1000;
    const started = Date.now();
    const opened = openBuildTask(run, t.node, t.target, { runId: this.runId, attempt }, controller.signal, timeoutMs, this.logDirs);
    let task: BuildTask = opened.task;
    /** The log's path, without creating the file (only what is logged creates it). */
    const logFile = () => (task === opened.task ? opened.logFile : task.logFile);
    const packageId = this.packageIds.get(t.key)!;
    let attemptId: number;
    try {
      attemptId = await this.write((db) => db.startAttempt(packageId, this.runId, attempt, opened.logFile, t.node.recipeHash));
    } catch (err) {
      opened.close();
      throw err;
    }
    this.currentAttempt.set(t.key, attemptId);
    this.trackProcesses(opened.task, attemptId);
    opened.note(`=== ${t.node.id} (${t.target.subdir}, python ${t.target.python}) attempt ${attempt}, run ${this.runId}, ${new Date().toISOString()}`);
    let phase: FailureClass = 'internal';
    let timer: NodeJS.Timeout | undefined;
    const { guard, dispose: disposeGuard } = abortGuard(controller.signal, this.graceMs);
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      task = ((await guard(run.hooks.prepareTask.promise(task))) as BuildTask | undefined) ?? task;
      this.emit(t.key, 'building', `attempt ${attempt}`, { logFile: logFile() });
      run.hooks.taskStart.call(task);

      // The time limit covers the build itself; the runners stop on the aborted signal.
      timer = setTimeout(() => controller.abort(new BuildTimeoutError(timeoutMs)), timeoutMs);
      phase = 'build';
      const result = await guard(run.hooks.build.for(t.target.subdir).promise(task));
      clearTimeout(timer);
      if (!result) throw Object.assign(new Error(`no builder for ${t.target.subdir} (tap run.hooks.build.for('${t.target.subdir}'))`), { failure: 'internal' });
      if (!result.artifacts.length) throw Object.assign(new Error(`builder ${result.builder} returned no artifact`), { failure: 'build' });

      // Recorded only now: artifacts renamed into place by the builder, hashed here.
      phase = 'internal';
      let artifacts = await this.hashArtifacts(result.artifacts);
      const hashed = artifacts;
      const builtMs = Date.now() - started;
      await this.write((db) => db.recordBuilt(attemptId, this.runId, hashed, builtMs, 'built', `built by ${result.builder}`));
      this.emit(t.key, 'built', `built by ${result.builder}`, { artifacts, durationMs: Date.now() - started, logFile: logFile() });

      let status: TaskStatus = 'built';
      let reason: string | null = `built by ${result.builder}`;
      if (run.hooks.test.taps.length > 0) {
        phase = 'build';
        const report: TestReport = { id: t.node.id, checks: [] };
        await guard(run.hooks.test.promise({ ...task, stage: 'test', artifacts }, report));
        const failed = report.checks.filter((c) => !c.ok);
        if (failed.length) {
          for (const c of failed) task.log(`test failed: ${c.name}${c.message ? `: ${c.message}` : ''}`);
          throw Object.assign(new Error(`test failed: ${failed.map((c) => c.name + (c.message ? `: ${c.message}` : '')).join('; ')}`), { failure: 'test' });
        }
        if (report.checks.length) {
          status = 'tested';
          reason = `${report.checks.length} check(s) passed`;
          const why = reason;
          await this.write((db) => db.setStatus(packageId, this.runId, 'tested', why));
          this.emit(t.key, status, reason, { artifacts, durationMs: Date.now() - started, logFile: logFile() });
        }
      }

      phase = 'internal';
      const built = artifacts;
      const transmuted = await guard(run.hooks.transmute.promise(artifacts, { ...task, stage: 'transmute', artifacts }));
      if (transmuted && transmuted !== artifacts) {
        artifacts = await this.hashArtifacts(transmuted);
        const replaced = artifacts;
        await this.write((db) => db.replaceArtifacts(packageId, replaced));
      }
      // Resolves once an index write covering these files has ended: dependents start only after.
      const files = [...new Set([...built, ...artifacts].map((a) => a.path))];
      await guard(this.index(task.outputChannel, [...new Set(artifacts.map((a) => a.subdir))].sort(), files));

      const out = artifacts[0];
      const group: PublishGroup = {
        key: `${out.name}-${out.version}-py${t.target.python}`, name: out.name, version: out.version, python: t.target.python,
        members: [{ node: t.node, target: t.target, artifacts }], runId: this.runId, attempt, workDir: task.workDir,
        logFile: task.logFile, log: (line) => task.log(line), signal: task.signal,
      };
      if (run.hooks.publish.taps.length > 0 && run.hooks.shouldPublish.call(group) !== false) {
        await guard(run.hooks.publish.promise(group));
        status = 'published';
        reason = `${artifacts.length} artifact(s) published`;
      }
      const [final, why] = [status, reason];
      await this.write((db) => db.completeAttempt(attemptId, this.runId, final, why));
      if (status === 'published') this.emit(t.key, status, reason, { artifacts, durationMs: Date.now() - started, logFile: logFile() });
      // The scratch dir goes in the background (awaited before the run ends); `<id>/` with it
      // once no attempt dir is left (kept after failures).
      // (Only when a plugin read task.workDir: reading it on the executor's own task makes the dir.)
      if (task !== opened.task || opened.scratchMade()) {
        const workDir = task.workDir;
        const cleanup: Promise<void> = removeTaskDir(workDir)
          .catch((err) => this.notice(`scratch dir ${workDir} not removed: ${errorMessage(err)}`))
          .finally(() => this.cleanups.delete(cleanup));
        this.cleanups.add(cleanup);
      }
      opened.note(`=== ${status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { ok: true, status, reason, artifacts };
    } catch (err) {
      clearTimeout(timer);
      const aborted = controller.signal.aborted ? controller.signal.reason : null;
      const interrupted = aborted instanceof RunInterruptedError;
      const failure: FailureClass = aborted instanceof BuildTimeoutError ? 'timeout' : interrupted ? 'cancelled' : failureClassOf(err, phase);
      const reason = aborted instanceof BuildTimeoutError ? aborted.message : interrupted ? 'interrupted' : errorMessage(err);
      try {
        task.log(`=== ${interrupted ? 'interrupted' : `failed (${failure})`}: ${reason}`);
        if (!interrupted && err instanceof Error && err.stack && failure === 'internal') task.log(err.stack);
      } catch {
        // The log dir may be gone; the reason is in the database anyway.
      }
      return { ok: false, failure, reason, interrupted };
    } finally {
      clearTimeout(timer);
      disposeGuard();
      opened.close();
    }
  }

  /**
   * `task.track` and `task.labels` of an attempt: runners record the process groups and containers
   * they start (one synchronous commit each, so a kill right after finds them in the state) and
   * mark them ended; a later run stops what is still open (leftovers.ts).
   */
  private trackProcesses(task: BuildTask, attemptId: number): void {
    task.labels = { [WORKDIR_LABEL]: this.config.workDir, [RUN_LABEL]: String(this.runId), [ATTEMPT_LABEL]: String(attemptId) };
    task.track = (p) => {
      const id = this.db.trackProcess(attemptId, p.kind === 'process-group'
        ? { kind: 'process-group', pgid: p.pgid, pidStart: processStart(p.pgid) }
        : { kind: 'container', engine: p.engine, container: p.name });
      let ended = false;
      return () => {
        if (ended || !this.db.db.open) return;
        ended = true;
        this.db.endProcess(id, 'exited');
      };
    };
  }

  private async hashArtifacts(list: Artifact[]): Promise<Artifact[]> {
    const out: Artifact[] = [];
    for (const a of list) {
      let hashed: { sha256: string; size: number };
      try {
        // Not fsynced: a killed process loses nothing the kernel holds, and after a power loss
        // resume re-hashes every recorded artifact (a torn or lost file is rebuilt).
        hashed = await hashFile(a.path);
      } catch (err) {
        throw Object.assign(new Error(`artifact ${a.path} is not readable: ${errorMessage(err)}`), { failure: 'build' });
      }
      if (a.sha256 && a.sha256 !== hashed.sha256) {
        throw Object.assign(new Error(`artifact ${a.path} changed after its builder hashed it (${a.sha256} ≠ ${hashed.sha256})`), { failure: 'internal' });
      }
      out.push({ ...a, filename: a.filename || basename(a.path), sha256: hashed.sha256, size: hashed.size });
    }
    return out;
  }

  // ------------------------------------------------------------ state, events, summary

  private result(key: string, status: TaskStatus, reason: string | null, extra: Partial<TaskResult> = {}): TaskResult {
    const t = this.tasks.get(key)!;
    const previous = this.results.get(key);
    return {
      id: t.node.id,
      target: t.target,
      status,
      reason,
      attempt: this.attempts.get(key) ?? 0,
      durationMs: extra.durationMs ?? 0,
      artifacts: extra.artifacts ?? previous?.artifacts ?? [],
      ...(extra.failure ? { failure: extra.failure } : {}),
      ...((extra.logFile ?? previous?.logFile) ? { logFile: extra.logFile ?? previous?.logFile } : {}),
    };
  }

  private emit(key: string, status: TaskStatus, reason: string | null, extra: Partial<TaskResult> = {}): void {
    const result = this.result(key, status, reason, extra);
    this.results.set(key, result);
    this.run.hooks.taskEnd.call(result);
  }

  private async finish(startedAt: string): Promise<ExecuteOutcome> {
    // What never started stays not built: say why in the database and the results.
    const notStarted = this.interrupted ? 'not started: run interrupted' : 'not started: --fail-fast after a failure';
    const leftover = this.scheduler.pendingIds().filter((k) => this.results.get(k)?.status !== 'interrupted');
    if (leftover.length) {
      this.db.setStatuses(leftover.map((k) => ({ packageId: this.packageIds.get(k)!, to: 'planned' as const, reason: notStarted })), this.runId);
      for (const k of leftover) this.emit(k, 'planned', notStarted);
    }
    const results = [...this.results.values()];
    const counts: Record<string, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    // Plan errors fail the run as they fail `rebuild plan`: their packages and dependents were never built.
    const planErrors = planErrorCount(this.plans);
    const bad = results.some((r) => r.status === 'failed' || r.status === 'blocked') || leftover.length > 0 || planErrors > 0;
    const outcome = this.interrupted ? 'interrupted' : bad ? 'failed' : 'success';
    this.db.endRun(this.runId, outcome);
    const summary: RunSummary = {
      runId: this.runId, startedAt, endedAt: new Date().toISOString(), counts, results,
      notBuilt: notBuiltNodes(this.plans), planErrors, interrupted: this.interrupted,
    };
    try {
      await this.run.hooks.report.promise(summary);
    } catch (err) {
      this.notice(`a report failed: ${errorMessage(err)}`);
    }
    return { runId: this.runId, summary, exitCode: this.interrupted ? 130 : bad ? 1 : 0 };
  }

  /** Plan nodes that are not built (excluded, present, blocked, render errors) still get a row in status. */
  private recordUnplanned(): void {
    const nodes: { key: PackageKey; info: { feedstock: string; outputs: string[]; recipeHash: string | null }; status: TaskStatus; reason: string | null }[] = [];
    for (const plan of this.plans) {
      plan.graph.forEachNode((id, node) => {
        if (node.status === 'planned') return;
        nodes.push({
          key: { node: id, subdir: plan.target.subdir, python: plan.target.python },
          info: { feedstock: node.feedstock, outputs: node.outputs, recipeHash: node.recipeHash },
          status: planStatusToTask(node.status),
          reason: node.reason ?? node.exclusion?.reason ?? null,
        });
      });
    }
    if (!nodes.length) return;
    const rows = this.db.ensurePackages(nodes);
    this.db.setStatuses(nodes.map((n, i) => ({ packageId: rows[i].row.id, to: n.status, reason: n.reason, failure: null })), this.runId);
  }

  /** Critical-path weights: past durations per task; unknown ones get the mean of the known (else 1). */
  private estimates(): { byKey: Map<string, number>; fallback: number } {
    const past = this.db.durations();
    const byKey = new Map<string, number>();
    for (const key of this.tasks.keys()) {
      const d = past.get(key);
      if (d !== undefined) byKey.set(key, Math.max(1, d));
    }
    const known = [...byKey.values()];
    return { byKey, fallback: known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1 };
  }

  private resources(t: ExecTask): string[] {
    const out = [`arch:${t.target.subdir}`];
    // The builder of a subdir is the first tap of its build hook (known before the task runs).
    const builder = this.run.hooks.build.get(t.target.subdir)?.taps[0]?.name;
    if (builder) out.push(`builder:${builder}`);
    return out;
  }

  private limits(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [arch, n] of Object.entries(this.config.limits.arch)) out[`arch:${arch}`] = n;
    for (const [builder, n] of Object.entries(this.config.limits.builder)) out[`builder:${builder}`] = n;
    return out;
  }
}
