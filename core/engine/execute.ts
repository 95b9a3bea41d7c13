// Execution of a run's plans: the stage task graph (task-graph.ts), resume decisions from the state
// database, the scheduler loop with N slots (and per-arch / per-builder caps), retries with
// backoff, timeouts, interruption. Each stage task's attempt runs in stage-runner.ts (build, test,
// transmute, publish). Every state change goes to the state database first, then to
// `run.hooks.taskEnd`.
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Run } from './run.ts';
import type { Plan } from '../graph/plan.ts';
import type { Artifact, ExecutionStart, FailureClass, RunSummary, StageName, TaskResult, TaskStatus } from '../model/types.ts';
import { notBuiltNodes, planErrorCount } from './not-built.ts';
import { buildTaskGraph, schedulerDeps, taskKey, testEnvironmentGates, type ExecTask, type StageOptions } from './task-graph.ts';
import { Scheduler, type SchedTask } from './scheduler.ts';
import { removeTaskDir, staleScratchDirs } from './build-task.ts';
import { artifactFromRecord, RecordWriteError, runPackageStage, runPublish, TaskController, type StageHost } from './stage-runner.ts';
import { RunInterruptedError, errorMessage } from '../model/failure.ts';
import { StateDb, DONE_STATUSES, type ArtifactRecord, type PackageKey } from '../state/state-db.ts';
import { acquireLock, type WorkDirLock } from '../state/lock.ts';
import { StateWriter, type StateWrites, type WriteMethod } from '../state/state-writer.ts';
import { decideResume, type ResumeDecision, type ResumeOptions } from '../state/resume.ts';
import { describeDropped, reconcileChannelIndexes, reconcileStandaloneChannel } from '../state/reconcile-channels.ts';
import { removeUnrecordedSiblings } from '../state/unrecorded-siblings.ts';
import { ChannelIndexWriter } from '../conda/repodata.ts';
import { stopLeftovers } from './leftovers.ts';

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
  /** 0: every stage in scope passed; 1: something failed or is blocked by a failure, or the plans had errors; 130: interrupted. */
  exitCode: 0 | 1 | 130;
}

/** A plan-time status as a task status (render errors are failures of the plan). */
const planStatusToTask = (s: string): TaskStatus => (s === 'error' ? 'failed' : (s as TaskStatus));

const noAnnouncement = (): void => {};

/** Serialises index writes per channel dir (builds finish concurrently). */
function serialIndexer(index: ChannelIndexer): ChannelIndexer {
  const chains = new Map<string, Promise<void>>();
  return (dir, subdirs) => {
    const next = (chains.get(dir) ?? Promise.resolve()).then(() => index(dir, subdirs));
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
  let execution: Execution | undefined;
  try {
    db = StateDb.open(config.workDir);
    execution = new Execution(run, plans, options, db, notice);
    return await execution.execute();
  } finally {
    // The writer thread's writes are all answered by now (settle); its connection closes first.
    await execution?.closeWriter();
    db?.close();
    if (!options.lock) lock.release();
  }
}

/** Which stages a run has: a stage whose hook has no plugin gets no task (no noise); a task's status comes from its results. */
export function stageOptionsOf(run: Run): StageOptions {
  const c = run.config;
  return {
    test: c.tests?.enabled !== false && run.hooks.test.taps.length > 0,
    transmute: run.hooks.transmute.taps.length > 0,
    publish: c.publish?.enabled !== false && run.hooks.publish.taps.length > 0
      ? { requireArches: c.publish?.requireArches ?? [], archExceptions: c.publish?.archExceptions ?? {} }
      : null,
    blocksDependents: !!c.tests?.blocksDependents,
    ...(run.hooks.buildFrom.taps.length ? { buildFrom: (node, plans) => run.hooks.buildFrom.call(node, plans) } : {}),
  };
}

/** Per run: for each build task key, the builder tap being asked for it now (tapable register interceptor). */
const consultedBuilders = new WeakMap<Run, Map<string, string>>();

export function watchBuilders(run: Run, subdirs: readonly string[]): Map<string, string> {
  let consulted = consultedBuilders.get(run);
  if (consulted) return consulted;
  consultedBuilders.set(run, (consulted = new Map()));
  const map = consulted;
  for (const subdir of new Set(subdirs)) {
    run.hooks.build.for(subdir).intercept({
      register(tap: any) {
        const fn = tap.fn as (...args: any[]) => any;
        const name = tap.name as string;
        tap.fn = (...args: any[]) => {
          const task = args[0];
          if (task?.target && typeof task.id === 'string') map.set(taskKey(task.target, task.id), name);
          return fn(...args);
        };
        return tap;
      },
    });
  }
  return map;
}

/** A counting semaphore (a per-builder limit). */
class Slots {
  private used = 0;
  private readonly queue: (() => void)[] = [];
  constructor(readonly size: number) {}
  acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.used--;
  }
}

/** A package's status once a stage is done. */
const DONE_STATUS: Readonly<Record<string, TaskStatus>> = { build: 'built', test: 'tested', transmute: 'transmuted' };

interface Initial {
  status: TaskStatus;
  reason: string | null;
  stage?: StageName;
  failure?: FailureClass | null;
}

class Execution implements StageHost {
  readonly config;
  readonly tasks: Map<string, ExecTask>;
  /** Stage task keys per package key, in pipeline order. */
  private readonly stagesOfPkg = new Map<string, string[]>();
  /** The publish task of each package key that is a member of a group in this run. */
  private readonly publishOf = new Map<string, string>();
  /** Per package × target: its latest result. */
  private readonly results = new Map<string, TaskResult>();
  private readonly packageIds = new Map<string, number>();
  private readonly groupIds = new Map<string, number>();
  /** Attempts per stage task key. */
  private readonly attempts = new Map<string, number>();
  private readonly artifacts = new Map<string, Artifact[]>();
  /**
   * The artifacts recorded per package id when the run started (read once by reconcileChannels): a
   * package's rows change only by its own stages, which keep theirs in `artifacts`, so no task
   * reads the database for them.
   */
  private recorded = new Map<number, ArtifactRecord[]>();
  private readonly running = new Map<string, { controller: TaskController; promise: Promise<void> }>();
  /** Tasks done but for their tail (record commit, channel index update): their slot is free, their dependents wait. */
  private readonly indexing = new Set<string>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Backoff of a retry decided by a task still running (started when it ends). */
  private readonly retryDelays = new Map<string, number>();
  private readonly currentAttempt = new Map<string, number | null>();
  /** The task pipeline's state writes, committed on the writer thread, in order, together per batch. */
  private readonly writer: StateWriter;
  private readonly customIndex: ChannelIndexer | null;
  private readonly indexWriters = new Map<string, ChannelIndexWriter>();
  /** Log dirs made in this run (not made again per task). */
  readonly logDirs = new Set<string>();
  /** Scratch dirs of succeeded tasks being removed (awaited before the run ends). */
  private readonly cleanups = new Set<Promise<void>>();
  readonly graceMs: number;
  private readonly stages: StageOptions;
  /** Per-builder limits: counted against the builder that runs the task's commands. */
  private readonly builderSlots = new Map<string, Slots>();
  private readonly consulted: Map<string, string>;
  /** Build task key → the builder whose slot it holds. */
  private readonly heldSlots = new Map<string, string>();
  private scheduler!: Scheduler;
  runId = 0;
  private stopping = false;
  private interrupted = false;
  private wakeSignalled = false;
  /** A state write no task waited for failed: the run stops starting work and fails. */
  private stateError: unknown = null;
  private waiter: (() => void) | null = null;

  constructor(
    readonly run: Run,
    private readonly plans: readonly Plan[],
    private readonly options: ExecuteOptions,
    readonly db: StateDb,
    private readonly notice: (m: string) => void,
  ) {
    this.config = run.config;
    this.stages = stageOptionsOf(run);
    this.tasks = buildTaskGraph(plans, this.stages, this.config.arches);
    for (const t of this.tasks.values()) {
      if (t.group) for (const m of t.group.members) this.publishOf.set(m, t.key);
      if (t.stage === 'publish') continue;
      let list = this.stagesOfPkg.get(t.pkg);
      if (!list) this.stagesOfPkg.set(t.pkg, (list = []));
      list.push(t.key);
    }
    // Started now: the thread loads while the run starts (leftovers, resume decisions).
    this.writer = new StateWriter(dirname(db.path));
    this.customIndex = options.indexChannel ? serialIndexer(options.indexChannel) : null;
    this.graceMs = options.abortGraceMs ?? 10_000;
    for (const [builder, n] of Object.entries(this.config.limits.builder)) this.builderSlots.set(builder, new Slots(Math.max(1, n)));
    this.consulted = watchBuilders(run, plans.map((p) => p.target.subdir));
  }

  // ------------------------------------------------------------ StageHost

  packageId(pkg: string): number {
    return this.packageIds.get(pkg)!;
  }

  groupId(key: string): number {
    return this.groupIds.get(key)!;
  }

  task(pkg: string): ExecTask {
    return this.tasks.get(pkg)!;
  }

  private ranks: Map<string, number> | null = null;
  /** A build's rank by the scheduler's critical-path priority (1 = longest remaining path; then by key). */
  rankOf(key: string): number {
    if (!this.ranks) {
      const keys = [...this.tasks.values()].filter((t) => t.stage === 'build' && this.scheduler.has(t.key)).map((t) => t.key);
      keys.sort((a, b) => this.scheduler.priorityOf(b) - this.scheduler.priorityOf(a) || (a < b ? -1 : 1));
      this.ranks = new Map(keys.map((k, i) => [k, i + 1]));
    }
    return this.ranks.get(key) ?? this.ranks.size + 1;
  }

  setAttempt(key: string, attemptId: number | null): void {
    this.currentAttempt.set(key, attemptId);
  }

  artifactsOf(pkg: string): Artifact[] {
    const known = this.artifacts.get(pkg);
    if (known) return known;
    const stored = (this.recorded.get(this.packageId(pkg)) ?? []).map(artifactFromRecord);
    this.artifacts.set(pkg, stored);
    return stored;
  }

  setArtifacts(pkg: string, artifacts: Artifact[]): void {
    this.artifacts.set(pkg, artifacts);
  }

  cleanup(dir: string): void {
    const cleanup: Promise<void> = removeTaskDir(dir)
      .catch((err) => this.notice(`scratch dir ${dir} not removed: ${errorMessage(err)}`))
      .finally(() => this.cleanups.delete(cleanup));
    this.cleanups.add(cleanup);
  }

  /**
   * Before each command of a build: the builder running it (the tap being asked when it calls
   * task.exec: a builder that declines runs nothing) takes one of its slots, held until the
   * attempt ends. Builders without a limit take none.
   */
  beforeExec(key: string): (() => Promise<void>) | undefined {
    if (!this.builderSlots.size || this.tasks.get(key)?.stage !== 'build') return undefined;
    return async () => {
      const builder = this.consulted.get(key);
      if (!builder || this.heldSlots.get(key) === builder) return;
      const slots = this.builderSlots.get(builder);
      if (!slots) return;
      await slots.acquire();
      this.heldSlots.set(key, builder);
    };
  }

  private releaseBuilder(key: string): void {
    const builder = this.heldSlots.get(key);
    this.consulted.delete(key);
    if (!builder) return;
    this.heldSlots.delete(key);
    this.builderSlots.get(builder)!.release();
  }

  /** A state write of the task pipeline; resolves once committed (report the change only then). */
  write(fn: (db: StateWrites) => void): Promise<void> {
    return this.writer.write(fn);
  }

  writeLater(fn: (db: StateWrites) => void, committed?: () => void): void {
    this.writer.write(fn).then(committed, (err) => this.stateWriteFailed(err));
  }

  writeSync<K extends WriteMethod>(method: K, ...args: Parameters<StateDb[K]>): ReturnType<StateDb[K]> {
    return this.writer.writeSync(method, ...args);
  }

  /** Drain and stop the writer thread (the end of executeRun, whatever happened). */
  async closeWriter(): Promise<void> {
    await this.writer.close();
  }

  /** The state database refused a write nobody awaited (disk full, I/O error): stop starting work, fail the run. */
  private stateWriteFailed(err: unknown): void {
    if (this.stateError === null) this.notice(`state database write failed, stopping the run: ${errorMessage(err)}`);
    this.stateError ??= err;
    this.stopping = true;
    this.wake();
  }

  emit(pkg: string, status: TaskStatus, reason: string | null, extra: Partial<TaskResult> = {}): void {
    const result = this.result(pkg, status, reason, extra);
    this.results.set(pkg, result);
    this.run.hooks.taskEnd.call(result);
  }

  // ------------------------------------------------------------ the run

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
    if (recovered) this.notice(`${recovered} package(s) left unfinished by a killed run will continue at their first unfinished stage`);
    this.recordUnplanned();
    const estimates = this.estimates();
    // Test environments: joins on the run requirements of each test's requirements (task-graph.ts);
    // made first, as they set the test tasks' envGates that schedulerDeps reads.
    const schedTasks: SchedTask[] = this.stages.test ? testEnvironmentGates(this.plans, this.tasks) : [];
    for (const t of this.tasks.values()) {
      const d = decisions.get(t.key)!;
      if (t.stage === 'build') this.packageIds.set(t.pkg, d.packageId);
      if (t.group) this.groupIds.set(t.group.key, d.groupId!);
      if (d.inScope && d.kind !== 'done') schedTasks.push({ id: t.key, deps: schedulerDeps(t, this.tasks), resources: this.resources(t) });
    }
    this.scheduler = new Scheduler(schedTasks, { durations: estimates.byKey, defaultDuration: estimates.fallback, limits: this.limits() });

    // Starting statuses per package × target, written in one transaction.
    const changes: Parameters<StateDb['setStatuses']>[0] = [];
    const initial = new Map<string, Initial>();
    for (const [pkg, keys] of this.stagesOfPkg) {
      const build = this.tasks.get(pkg)!;
      const ds = keys.map((k) => decisions.get(k)!);
      const bd = ds[0];
      const failed = ds.find((d) => d.kind === 'failed');
      if (!bd.inScope) {
        initial.set(pkg, { status: 'skipped', reason: 'not selected (--only/--from)' });
        // Not built any more (artifact gone, recipe changed): say so in the database too.
        if (bd.kind !== 'done' && DONE_STATUSES.has(bd.status)) changes.push({ packageId: bd.packageId, to: 'planned', reason: bd.reason });
      } else if (ds.every((d) => d.kind === 'done')) {
        // Every stage of its own done: where its publication stands, else its last stage.
        const pd = this.publishOf.has(pkg) ? decisions.get(this.publishOf.get(pkg)!)! : null;
        const stage = this.tasks.get(keys.at(-1)!)!.stage;
        if (pd?.kind === 'failed') initial.set(pkg, { status: 'failed', reason: `publish failed: ${pd.reason}`, failure: pd.failure, stage: 'publish' });
        else if (pd?.kind === 'done') initial.set(pkg, { status: 'published', reason: pd.reason, stage: 'publish' });
        // No publication in this run: the stored status when it is a done one (a package published earlier).
        else if (!pd && DONE_STATUSES.has(bd.status)) initial.set(pkg, { status: bd.status, reason: ds.at(-1)!.reason, stage });
        else initial.set(pkg, { status: DONE_STATUS[stage] ?? bd.status, reason: ds.at(-1)!.reason, stage });
      } else if (failed) {
        const stage = this.tasks.get(failed.key)!.stage;
        initial.set(pkg, { status: 'failed', reason: failed.reason, failure: failed.failure, stage });
      } else {
        const waitingOn = build.deps.filter((k) => this.scheduler.has(k) && this.scheduler.stateOf(k) === 'pending');
        const next = ds.find((d) => d.kind !== 'done')!;
        const stage = this.tasks.get(next.key)!.stage;
        const reason = waitingOn.length
          ? `waiting on ${waitingOn.slice(0, 3).map((k) => this.tasks.get(k)!.node.id).join(', ')}${waitingOn.length > 3 ? ` (+${waitingOn.length - 3})` : ''}`
          : stage !== 'build' ? `${stage} to run${next.reason ? ` (${next.reason})` : ''}` : (next.reason ?? null);
        initial.set(pkg, { status: 'waiting', reason, stage });
        changes.push({ packageId: bd.packageId, to: 'waiting', reason, stage });
      }
    }
    const heldGroups: { id: number; reason: string }[] = [];
    for (const t of this.tasks.values()) {
      const d = decisions.get(t.key)!;
      if (d.kind !== 'failed' || !d.inScope) continue;
      if (t.group) {
        heldGroups.push({ id: d.groupId!, reason: d.reason ?? 'publication failed' });
        this.scheduler.fail(t.key);
        continue;
      }
      for (const b of this.buildsFirst(this.scheduler.fail(t.key))) this.blockedInitially(b.id, b.by, initial, changes, heldGroups);
    }
    // Queued on the writer thread, first in its queue (every task's writes commit after them); the
    // run goes on meanwhile. A kill before they commit leaves the rows as the resume found them.
    this.writeLater((d) => {
      d.setStatuses(changes, this.runId);
      for (const g of heldGroups) d.setGroupStatus(g.id, this.runId, g.reason.startsWith('held') ? 'held' : 'failed', g.reason);
    });
    // Posted now, not at the next turn of the event loop: the first tasks run in this one (every one
    // of them without I/O to wait for), and their writes commit after these.
    this.writer.flush();
    for (const [pkg, s] of initial) this.results.set(pkg, this.result(pkg, s.status, s.reason, { failure: s.failure ?? undefined, stage: s.stage }));

    const start: ExecutionStart = {
      runId: this.runId,
      workDir: this.config.workDir,
      concurrency: this.config.concurrency,
      tasks: [...this.stagesOfPkg.keys()].map((pkg) => {
        const t = this.tasks.get(pkg)!;
        return {
          id: t.node.id, target: t.target, status: initial.get(pkg)!.status, reason: initial.get(pkg)!.reason,
          bootstrap: t.node.bootstrap, estimateMs: estimates.byKey.get(pkg) ?? null,
          ...(initial.get(pkg)!.stage ? { stage: initial.get(pkg)!.stage } : {}),
        };
      }),
    };
    this.run.hooks.executionStart.call(start);

    const signal = this.options.signal;
    const onAbort = () => this.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.interrupt();
    try {
      // The writer thread has opened its connection (it loaded meanwhile): a task's `writeSync`
      // never waits on its start-up.
      await this.writer.ready;
      await this.loop();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await this.settle();
    }
    return this.finish(startedAt);
  }

  /** What a task blocked by `by` means: its package blocked (at that stage), or its group held. */
  private blockedReason(key: string, by: string): { pkg: string | null; group: string | null; reason: string } {
    const t = this.tasks.get(key)!;
    const cause = this.tasks.get(by)!;
    const what = cause.stage === 'build' ? 'failed' : cause.stage === 'publish' ? 'publication failed' : `${cause.stage} failed`;
    if (t.group) return { pkg: null, group: t.group.key, reason: `held: ${cause.node.id} (${cause.target.subdir}) ${what}` };
    // A build made from another target's build (run.hooks.buildFrom) names that target.
    const where = cause.target.subdir !== t.target.subdir ? ` on ${cause.target.subdir}` : '';
    return { pkg: t.pkg, group: null, reason: `${t.stage === 'build' ? 'blocked' : `${t.stage} blocked`} by ${cause.node.id}${where} (${what})` };
  }

  private blockedInitially(key: string, by: string, initial: Map<string, Initial>, changes: Parameters<StateDb['setStatuses']>[0], held: { id: number; reason: string }[]): void {
    const t = this.tasks.get(key)!;
    const { pkg, reason } = this.blockedReason(key, by);
    if (t.group) return void held.push({ id: this.groupIds.get(t.group.key)!, reason });
    // A package already failed (at an earlier stage) or blocked keeps that status.
    if (initial.get(pkg!)?.status !== 'waiting') return;
    initial.set(pkg!, { status: 'blocked', reason, stage: t.stage });
    changes.push({ packageId: this.packageIds.get(pkg!)!, to: 'blocked', reason, stage: t.stage });
  }

  /** Blocked tasks with builds first: a package whose build is blocked is blocked at its build. */
  private buildsFirst<T extends { id: string }>(blocked: T[]): T[] {
    return [...blocked].sort((x, y) => Number(this.tasks.get(x.id)!.stage !== 'build') - Number(this.tasks.get(y.id)!.stage !== 'build'));
  }

  /** Tasks blocked by a failure in this run: packages blocked (once), groups held. */
  private async blockedNow(blocked: { id: string; by: string }[]): Promise<void> {
    const pkgs: { pkg: string; reason: string; stage: StageName }[] = [];
    const groups: { id: number; reason: string }[] = [];
    for (const b of this.buildsFirst(blocked)) {
      const t = this.tasks.get(b.id)!;
      const { pkg, reason } = this.blockedReason(b.id, b.by);
      if (t.group) {
        groups.push({ id: this.groupIds.get(t.group.key)!, reason });
        continue;
      }
      const current = this.results.get(pkg!)?.status;
      if (current === 'failed' || current === 'blocked' || pkgs.some((p) => p.pkg === pkg)) continue;
      pkgs.push({ pkg: pkg!, reason, stage: t.stage });
    }
    if (!pkgs.length && !groups.length) return;
    await this.write((db) => {
      db.setStatuses(pkgs.map((p) => ({ packageId: this.packageIds.get(p.pkg)!, to: 'blocked' as const, reason: p.reason, stage: p.stage })), this.runId);
      for (const g of groups) db.setGroupStatus(g.id, this.runId, 'held', g.reason);
    });
    for (const p of pkgs) this.emit(p.pkg, 'blocked', p.reason, { stage: p.stage });
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
    const recorded: string[] = [];
    this.recorded = this.db.artifactsByPackage();
    for (const list of this.recorded.values()) for (const a of list) {
      channels.add(dirname(dirname(a.path)));
      recorded.push(a.path);
    }
    // An earlier build's file in the other format beside a recorded one (its stale .conda) goes first.
    const siblings = await removeUnrecordedSiblings(recorded);
    if (siblings.length) this.notice(`removed ${siblings.length} package file(s) of earlier builds no package records (${siblings.slice(0, 5).map((p) => basename(p)).join(', ')}${siblings.length > 5 ? `, +${siblings.length - 5} more` : ''})`);
    const unindexed: string[] = [];
    const behind: string[] = [];
    for (const line of describeDropped(await reconcileChannelIndexes([...channels], lost, unindexed, behind))) this.notice(line);
    // Files a killed run recorded but had not indexed yet (the index write follows the attempt):
    // indexed before anything builds, so no dependent solves without them.
    const bySubdir = new Map<string, string[]>();
    for (const path of unindexed) {
      const key = dirname(path);
      const files = bySubdir.get(key);
      if (files) files.push(path);
      else bySubdir.set(key, [path]);
    }
    for (const [subdirPath, files] of bySubdir) await this.index(dirname(subdirPath), [basename(subdirPath)], files);
    // Derived index files (repodata.json.zst, run_exports.json, channeldata.json) a killed run left
    // behind: written again by a first index write (a channel nothing is built into again, the
    // bootstrap channel, would keep them stale).
    for (const subdirPath of behind) if (!bySubdir.has(subdirPath)) await this.index(dirname(subdirPath), [basename(subdirPath)], []);
    // The tested channel (written by the tester's own index writers, not this executor's): a run
    // killed while it was written, resumed with nothing left to test, would keep it so.
    const tested = this.config.channels.tested;
    if (tested && isAbsolute(tested) && !channels.has(tested)) for (const line of await reconcileStandaloneChannel(tested)) this.notice(line);
  }

  /**
   * Scratch dirs no later run needs (staleScratchDirs): those of attempts a killed run left open
   * (their builds are stopped by now) and those a run was killed before removing after a success.
   * Removed in the background (awaited before the run ends); dirs of failed attempts stay for inspection.
   */
  private removeStaleScratch(): void {
    for (const workDir of staleScratchDirs(this.config.workDir, this.db)) this.cleanup(workDir);
  }

  /** Background work of the run: scratch dir removals, the index writers' record caches. */
  private async settle(): Promise<void> {
    // Every queued write answered before the run's last writes (on this connection) and its end.
    await this.writer.drain();
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
  index(dir: string, subdirs: string[], files: string[]): Promise<void> {
    if (this.customIndex) return this.customIndex(dir, subdirs);
    return this.indexWriter(dir).update(subdirs, files);
  }

  /** An `index` of `dir` naming `files` is on its way (a record being committed): the writer's next write waits for it, and reads the files meanwhile. */
  announceIndex(dir: string, files: readonly string[]): () => void {
    if (this.customIndex) return noAnnouncement;
    return this.indexWriter(dir).announce(files);
  }

  private indexWriter(dir: string): ChannelIndexWriter {
    let writer = this.indexWriters.get(dir);
    // New package files read on the index thread (all of them: the updates are announced, so a
    // write reads tens of files in one request); the dir listed every 10 s, not every second
    // (a listing of 25,000 names costs ~20 ms of this thread; only this run writes this channel,
    // and every update names the files it wrote or removed; close() lists it anyway).
    if (!writer) this.indexWriters.set(dir, (writer = new ChannelIndexWriter(dir, { thread: true, threadMinBytes: 0, listIntervalMs: 10_000 })));
    return writer;
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
      if (!this.running.size && !this.indexing.size && (this.stopping || !this.retryTimers.size)) break;
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
    const controller = new TaskController();
    const promise = this.runTask(key, controller)
      .catch(async (err) => {
        // Not a stage failure (the state database or the work dir failed us): fail the task loudly.
        const reason = `internal error: ${errorMessage(err)}`;
        this.notice(`task ${key}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (this.scheduler.stateOf(key) !== 'running') return;
        const t = this.tasks.get(key)!;
        const blocked = this.scheduler.fail(key);
        if (!t.group) this.emit(t.pkg, 'failed', reason, { failure: 'internal', stage: t.stage });
        await this.blockedNow(blocked).catch(() => undefined);
      })
      .finally(() => {
        this.releaseBuilder(key);
        this.running.delete(key);
        this.scheduleRetry(key);
        this.wake();
      });
    this.running.set(key, { controller, promise });
  }

  private async runTask(key: string, controller: TaskController): Promise<void> {
    const t = this.tasks.get(key)!;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const started = Date.now();
    if (t.group) return this.runPublishTask(t, attempt, controller, started);
    const outcome = await runPackageStage(this, t, attempt, controller);
    this.releaseBuilder(key);
    const durationMs = Date.now() - started;
    if (outcome.ok) {
      if (outcome.indexed) this.afterTail(key, outcome.indexed);
      else this.scheduler.succeed(key);
      return;
    }
    const logFile = this.results.get(t.pkg)?.logFile;
    const attemptId = this.currentAttempt.get(key)!;
    const stage = t.stage;
    if (outcome.interrupted) {
      this.scheduler.release(key);
      await this.write((db) => db.endAttempt(attemptId, { status: 'interrupted', failure: 'cancelled', reason: outcome.reason, durationMs },
        { to: 'interrupted', reason: outcome.reason, runId: this.runId }));
      this.emit(t.pkg, 'interrupted', outcome.reason, { failure: 'cancelled', durationMs, logFile, stage });
      return;
    }
    if (this.retrying(key, attempt, outcome)) {
      const reason = this.retryReason(attempt, outcome);
      await this.write((db) => db.endAttempt(attemptId, { status: 'failed', failure: outcome.failure, reason: outcome.reason, durationMs },
        { to: 'waiting', reason, runId: this.runId }));
      this.emit(t.pkg, 'waiting', reason, { failure: outcome.failure, durationMs, logFile, stage });
      return;
    }
    // Scheduler first (synchronously): nothing blocked can start while the writes commit.
    const blocked = this.scheduler.fail(key);
    if (this.options.failFast || this.config.failFast) this.stopping = true;
    await this.write((db) => db.endAttempt(attemptId, { status: 'failed', failure: outcome.failure, reason: outcome.reason, durationMs },
      { to: 'failed', reason: outcome.reason, runId: this.runId }));
    this.emit(t.pkg, 'failed', outcome.reason, { failure: outcome.failure, durationMs, logFile, stage });
    await this.blockedNow(blocked);
  }

  /**
   * A finished task's tail, after its slot is free: its record's commit, and the index write of its
   * files (build, transmute), or its publication's commit. Its dependents start once it resolves
   * (they solve against the channel). A tail that fails fails the task (files in the channel stay:
   * the next run's first index write reads them).
   */
  private afterTail(key: string, tail: Promise<void>): void {
    this.indexing.add(key);
    tail
      .then(
        () => this.scheduler.succeed(key),
        async (err) => {
          const t = this.tasks.get(key)!;
          const reason = err instanceof RecordWriteError ? err.message : `channel index of ${t.node.id}'s files not written: ${errorMessage(err)}`;
          const blocked = this.scheduler.fail(key);
          if (t.group) {
            const groupId = this.groupIds.get(t.group.key)!;
            await this.write((db) => db.setGroupStatus(groupId, this.runId, 'failed', reason, { failure: 'internal' }));
          } else {
            await this.write((db) => db.setStatuses([{ packageId: this.packageIds.get(t.pkg)!, to: 'failed', reason, failure: 'internal', stage: t.stage }], this.runId));
            this.emit(t.pkg, 'failed', reason, { failure: 'internal', stage: t.stage });
          }
          await this.blockedNow(blocked);
        },
      )
      .catch((err) => this.notice(`task ${key}: ${errorMessage(err)}`))
      .finally(() => {
        this.indexing.delete(key);
        this.wake();
      });
  }

  private retryReason(attempt: number, outcome: { failure: FailureClass; reason: string }): string {
    const { attempts, backoffMs } = this.config.retry;
    return `retry ${attempt + 1}/${attempts} in ${backoffMs * 2 ** (attempt - 1)} ms after ${outcome.failure}: ${outcome.reason}`;
  }

  /** A transient failure with attempts left: released now, requeued after the backoff. */
  private retrying(key: string, attempt: number, outcome: { failure: FailureClass }): boolean {
    const { attempts, backoffMs, transient } = this.config.retry;
    if (!transient.includes(outcome.failure) || attempt >= attempts || this.stopping) return false;
    this.scheduler.release(key);
    // The backoff starts once this attempt's task has ended (its writes committed, start()'s
    // finally): a timer started now could start the next attempt while this one is still running.
    this.retryDelays.set(key, backoffMs * 2 ** (attempt - 1));
    return true;
  }

  /** After a task ended: its retry (if it asked for one) is requeued after the backoff. */
  private scheduleRetry(key: string): void {
    const ms = this.retryDelays.get(key);
    if (ms === undefined) return;
    this.retryDelays.delete(key);
    if (this.stopping) return;
    this.retryTimers.set(key, setTimeout(() => {
      this.retryTimers.delete(key);
      this.scheduler.requeue(key);
      this.wake();
    }, ms));
  }

  private async runPublishTask(t: ExecTask, attempt: number, controller: TaskController, started: number): Promise<void> {
    const outcome = await runPublish(this, t, attempt, controller);
    const spec = t.group!;
    const groupId = this.groupIds.get(spec.key)!;
    const inRun = spec.members.filter((m) => this.packageIds.has(m));
    if (outcome.ok) {
      if (outcome.status !== 'published' || !outcome.committed) {
        this.scheduler.succeed(t.key);
        return void this.notice(`${spec.key}: not published: ${outcome.reason}`);
      }
      const reason = outcome.reason;
      const durationMs = Date.now() - started;
      // runPublish's write of the group and its members of this run as published: reported once
      // committed (the task's slot is free meanwhile).
      this.afterTail(t.key, outcome.committed.then(() => {
        for (const m of inRun) this.emit(m, 'published', reason, { stage: 'publish', artifacts: this.artifactsOf(m), durationMs });
      }));
      return;
    }
    if (outcome.interrupted) {
      this.scheduler.release(t.key);
      await this.write((db) => db.setGroupStatus(groupId, this.runId, 'interrupted', outcome.reason));
      return;
    }
    if (this.retrying(t.key, attempt, outcome)) {
      const reason = this.retryReason(attempt, outcome);
      await this.write((db) => db.setGroupStatus(groupId, this.runId, 'waiting', reason, { failure: outcome.failure }));
      return;
    }
    const blocked = this.scheduler.fail(t.key);
    if (this.options.failFast || this.config.failFast) this.stopping = true;
    const reason = `publish failed: ${outcome.reason}`;
    await this.write((db) => {
      db.setGroupStatus(groupId, this.runId, 'failed', outcome.reason, { failure: outcome.failure });
      db.setStatuses(inRun.map((m) => ({ packageId: this.packageIds.get(m)!, to: 'failed' as const, reason, failure: outcome.failure, stage: 'publish' })), this.runId);
    });
    for (const m of inRun) this.emit(m, 'failed', reason, { failure: outcome.failure, stage: 'publish' });
    await this.blockedNow(blocked);
  }

  // ------------------------------------------------------------ state, events, summary

  private result(pkg: string, status: TaskStatus, reason: string | null, extra: Partial<TaskResult> = {}): TaskResult {
    const t = this.tasks.get(pkg)!;
    const previous = this.results.get(pkg);
    // Built field by field, in this order (what JSON output shows), without spreading temporary objects.
    const r: TaskResult = { id: t.node.id, target: t.target } as TaskResult;
    const stage = extra.stage ?? previous?.stage;
    if (stage) r.stage = stage;
    r.status = status;
    r.reason = reason;
    r.attempt = this.attempts.get(stageKeyOf(pkg, extra.stage)) ?? this.attempts.get(pkg) ?? 0;
    r.durationMs = extra.durationMs ?? 0;
    r.artifacts = extra.artifacts ?? previous?.artifacts ?? [];
    if (extra.failure) r.failure = extra.failure;
    const logFile = extra.logFile ?? previous?.logFile;
    if (logFile) r.logFile = logFile;
    return r;
  }

  private async finish(startedAt: string): Promise<ExecuteOutcome> {
    // What never started stays as it was: builds not started are planned again (say why); a later
    // stage not started leaves its package at its last finished stage.
    const notStarted = this.interrupted ? 'not started: run interrupted' : 'not started: --fail-fast after a failure';
    const leftover = this.scheduler.pendingIds();
    const builds = leftover.filter((k) => this.tasks.get(k)!.stage === 'build' && this.results.get(k)?.status !== 'interrupted');
    if (builds.length) {
      this.db.setStatuses(builds.map((k) => ({ packageId: this.packageIds.get(k)!, to: 'planned' as const, reason: notStarted })), this.runId);
      for (const k of builds) this.emit(k, 'planned', notStarted);
    }
    const results = [...this.results.values()];
    const counts: Record<string, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    // Plan errors fail the run as they fail `rebuild plan`: their packages and dependents were never built.
    const planErrors = planErrorCount(this.plans);
    const bad = results.some((r) => r.status === 'failed' || r.status === 'blocked') || leftover.length > 0 || planErrors > 0 || this.stateError !== null;
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

  /** Critical-path weights: past durations per task (builds: the package's; stages: theirs); unknown builds get the mean of the known (else 1). */
  private estimates(): { byKey: Map<string, number>; fallback: number } {
    const past = this.db.durations();
    const byKey = new Map<string, number>();
    for (const t of this.tasks.values()) {
      if (t.stage !== 'build') continue;
      const d = past.get(t.key);
      if (d !== undefined) byKey.set(t.key, Math.max(1, d));
    }
    const known = [...byKey.values()];
    const fallback = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
    // Later stages are weighed as short (they never decide a build's order much).
    for (const t of this.tasks.values()) if (t.stage !== 'build') byKey.set(t.key, 1);
    return { byKey, fallback };
  }

  private resources(t: ExecTask): string[] {
    // Builds and tests run on their arch's machines; transmute and publish do not.
    // Builder limits are not known here (the builder that takes a task is decided when it runs): see beforeExec.
    return t.stage === 'build' || t.stage === 'test' ? [`arch:${t.target.subdir}`] : [];
  }

  private limits(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [arch, n] of Object.entries(this.config.limits.arch)) out[`arch:${arch}`] = n;
    return out;
  }
}

const stageKeyOf = (pkg: string, stage: StageName | undefined) => (!stage || stage === 'build' ? pkg : stage === 'publish' ? pkg : `${pkg}#${stage}`);
