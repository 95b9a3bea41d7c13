// One attempt of one stage task: the per-task pipeline of the executor, stage by stage.
// - build(X@t): prepareTask → taskStart → run.build.for(subdir) → artifacts hashed and recorded
//   (a build made from another target's — run.hooks.buildFrom — gets its artifacts as task.source)
//   ('built') → attempt complete → indexed in the output channel (the record's commit and the
//   index write in the background: the slot is free, dependents start only once an index write
//   covering the artifacts has ended).
// - test(X@t): prepareTask → taskStart → run.test(TestTask, report) → checks recorded; a check with
//   ok=false fails the stage (class 'test'), no check is "no tests" and passes ('tested').
// - transmute(X@t): run.transmute(artifacts, TransmuteTask) → new files hashed, recorded, indexed.
// - publish(group): run.shouldPublish → run.publish (first publisher that returns owns it).
// A task's status is decided from these results, never from which hooks have taps.
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Run } from './run.ts';
import type { Artifact, BuildTask, FailureClass, PublishGroup, PublishMember, StageName, TaskContext, TaskStatus, TestReport } from '../model/types.ts';
import type { ExecTask } from './task-graph.ts';
import { openStageTask } from './build-task.ts';
import { BuildFailureError, BuildTimeoutError, RunInterruptedError, errorMessage, failureClassOf } from '../model/failure.ts';
import { redact } from '../config/redactor.ts';
import type { StateDb, ArtifactRecord } from '../state/state-db.ts';
import type { StateWrites, WriteMethod } from '../state/state-writer.ts';
import { hashFile } from '../state/file-hash.ts';
import { removeStale, staleArtifacts } from './stale-artifacts.ts';
import { ATTEMPT_LABEL, RUN_LABEL, WORKDIR_LABEL, processStart } from './leftovers.ts';

export interface StageOk {
  ok: true;
  status: TaskStatus;
  reason: string | null;
  artifacts: Artifact[];
  /**
   * The task's tail (build, transmute): the state write recording the files this stage wrote
   * (a build's record and completion; it reports 'built' once committed), then the channel index
   * update of those files. The task's slot is free without it, but its dependents (which solve
   * against the channel) start only once it resolves; a rejection fails the task (the executor's
   * `indexed`).
   */
  indexed?: Promise<void>;
}
/** The state write of a task's tail failed (its files are in the channel, not in the state). */
export class RecordWriteError extends Error {
  override name = 'RecordWriteError';
}

export interface StageFailed {
  ok: false;
  failure: FailureClass;
  reason: string;
  interrupted: boolean;
}
export type StageOutcome = StageOk | StageFailed;

/** What the executor gives the stage runner. */
export interface StageHost {
  readonly run: Run;
  readonly db: StateDb;
  readonly runId: number;
  readonly graceMs: number;
  /** Log dirs made in this run. */
  readonly logDirs: Set<string>;
  packageId(pkg: string): number;
  groupId(key: string): number;
  /** A state write of the pipeline (the write methods `fn` calls: one unit); resolves once committed. */
  write(fn: (db: StateWrites) => void): Promise<void>;
  /**
   * A state write the task does not wait for: writes commit in the order they are queued (a later
   * write of this task, or of a task that starts after it, never commits before it); `committed`
   * runs once it has (report the change then). A failed one stops the run (the state is unusable).
   */
  writeLater(fn: (db: StateWrites) => void, committed?: () => void): void;
  /** Commit the queued writes and this call now, waiting for the commit (blocking); returns its result. */
  writeSync<K extends WriteMethod>(method: K, ...args: Parameters<StateDb[K]>): ReturnType<StateDb[K]>;
  /** Report a package's state change (after its write committed). */
  emit(pkg: string, status: TaskStatus, reason: string | null, extra: { stage?: StageName; artifacts?: Artifact[]; durationMs?: number; logFile?: string }): void;
  /** Index `dir` for these subdirs; `files` are the package files this task wrote. */
  index(dir: string, subdirs: string[], files: string[]): Promise<void>;
  /** An `index` call of `dir` naming `files` will follow soon (see ChannelIndexWriter.announce: they are read meanwhile); the function returned ends it. */
  announceIndex(dir: string, files: readonly string[]): () => void;
  /** Remove a scratch dir in the background. */
  cleanup(dir: string): void;
  /** The current attempt id of a task (for the executor's end-of-attempt writes). */
  setAttempt(key: string, attemptId: number | null): void;
  /** Runs before each command of a build (per-builder limits). */
  beforeExec(key: string): (() => Promise<void>) | undefined;
  /** The artifacts a package's last finished stage produced (memory, else recorded when the run started). */
  artifactsOf(pkg: string): Artifact[];
  setArtifacts(pkg: string, artifacts: Artifact[]): void;
  /** The build task of a package key. */
  task(pkg: string): ExecTask;
  /** A build task's critical-path rank (1 = most critical), for remote executors (core/queue). */
  rankOf?(key: string): number;
}

const RUNNING: Record<string, TaskStatus> = { build: 'building', test: 'testing', transmute: 'transmuting', publish: 'publishing' };

/**
 * The abort controller of a stage task's attempt (the executor's): `abort()` also starts the grace
 * period of the attempt's guarded hook calls directly, so a guard needs no event listener on the
 * signal (Node's EventTarget listeners, added and removed per attempt, cost more than the rest of
 * a no-op task's guard). Its AbortSignal (`task.signal`) is made when something first reads it —
 * an attempt whose plugins never do makes none (an AbortSignal is an EventTarget: making one cost
 * more than the rest of a no-op task's objects) — already aborted if the attempt was, and aborted
 * with it later.
 */
export class TaskController {
  /** The attempt's guard, while it runs. */
  guard: AbortGuard | null = null;
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | null = null;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** As AbortController's: the first call sets the reason (by default an AbortError DOMException). */
  abort(reason?: unknown): void {
    if (!this.aborted) {
      this.aborted = true;
      this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      this.controller?.abort(this.reason);
    }
    this.guard?.aborted();
  }
}

/**
 * `guard(p)` settles like `p`; once the controller aborts, waits at most `graceMs` for `p`
 * (runners stop their process group / container on abort), then rejects with the abort reason.
 * One abort hook serves every guard of an attempt (`dispose()` removes it): a TaskController's
 * own, else a listener on the signal. One object per attempt, no closure per call but `p`'s.
 */
export class AbortGuard {
  private readonly pending = new Set<Guarded>();
  /** Whether (and why) the attempt was aborted: a TaskController itself (no signal made), else the signal. */
  private readonly signal: { readonly aborted: boolean; readonly reason: unknown };
  private readonly listener: (() => void) | null = null;

  constructor(
    private readonly controller: AbortController | TaskController,
    private readonly graceMs: number,
  ) {
    if (controller instanceof TaskController) {
      this.signal = controller;
      controller.guard = this;
    } else {
      this.signal = controller.signal;
      controller.signal.addEventListener('abort', (this.listener = () => this.aborted()), { once: true });
    }
  }

  /** The attempt was aborted: every call in flight gets `graceMs` to settle. */
  aborted(): void {
    for (const g of this.pending) g.startGrace();
  }

  guard<T>(p: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted && this.graceMs <= 0) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const g = new Guarded(signal, this.graceMs, reject as (err: unknown) => void, this.pending);
      if (signal.aborted) g.startGrace();
      p.then((v) => (g.end(), resolve(v)), (err) => (g.end(), reject(err)));
    });
  }

  dispose(): void {
    if (this.listener) (this.signal as AbortSignal).removeEventListener('abort', this.listener);
    else if ((this.controller as TaskController).guard === this) (this.controller as TaskController).guard = null;
  }
}

/** One guarded call in flight: its grace timer once the attempt is aborted. */
class Guarded {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly signal: { readonly reason: unknown },
    private readonly graceMs: number,
    private readonly reject: (err: unknown) => void,
    private readonly pending: Set<Guarded>,
  ) {
    pending.add(this);
  }

  startGrace(): void {
    this.timer ??= setTimeout(() => this.reject(this.signal.reason), this.graceMs);
  }

  end(): void {
    clearTimeout(this.timer);
    this.pending.delete(this);
  }
}

/** Hash the files a plugin returned (the engine's record of them; a sha256 given must match). */
export async function hashArtifacts(list: Artifact[]): Promise<Artifact[]> {
  const out: Artifact[] = [];
  for (const a of list) {
    let hashed: { sha256: string; size: number };
    try {
      // Not fsynced: a killed process loses nothing the kernel holds, and after a power loss
      // resume re-hashes every recorded artifact (a torn or lost file is rebuilt).
      hashed = await hashFile(a.path);
    } catch (err) {
      throw new BuildFailureError(`artifact ${a.path} is not readable: ${errorMessage(err)}`, 'build');
    }
    if (a.sha256 && a.sha256 !== hashed.sha256) {
      throw new BuildFailureError(`artifact ${a.path} changed after its builder hashed it (${a.sha256} ≠ ${hashed.sha256})`, 'internal');
    }
    out.push({ ...a, filename: a.filename || basename(a.path), sha256: hashed.sha256, size: hashed.size });
  }
  return out;
}

/** `p`, marked handled (its rejection is seen where it is awaited later, not as an unhandled one meanwhile). */
function background(p: Promise<void>): Promise<void> {
  p.catch(() => {});
  return p;
}

/** An artifact as the state database records it, with what its file name says (name-version-build.ext). */
export function artifactFromRecord(r: ArtifactRecord): Artifact {
  const stem = r.filename.replace(/\.(tar\.bz2|conda)$/, '');
  const parts = stem.split('-');
  const build = parts.length >= 3 ? parts.pop()! : '';
  const version = parts.length >= 2 ? parts.pop()! : '';
  return { path: r.path, filename: r.filename, subdir: basename(dirname(r.path)) as Artifact['subdir'], name: parts.join('-'), version, build, sha256: r.sha256, size: r.size };
}

const describeCheck = (c: { name: string; message?: string }) => `${c.name}${c.message ? `: ${firstLine(c.message)}` : ''}`;
const firstLine = (text: string) => text.split('\n').find((l) => l.trim()) ?? text;

/** One attempt of a build, test or transmute task. */
export async function runPackageStage(host: StageHost, t: ExecTask, attempt: number, controller: TaskController): Promise<StageOutcome> {
  const { run } = host;
  const config = run.config;
  const timeoutMs = (t.stage === 'test' ? config.tests.timeoutSeconds : config.timeouts.buildSeconds) * 1000;
  const started = Date.now();
  const opened = openStageTask(run, t.node, t.target, { runId: host.runId, attempt, stage: t.stage }, controller, timeoutMs, host.logDirs, host.beforeExec(t.key));
  let task: TaskContext = opened.task;
  if (t.stage === 'build' && host.rankOf) task.priority = host.rankOf(t.key);
  const packageId = host.packageId(t.pkg);
  let attemptId: number;
  try {
    attemptId = host.db.allocateAttemptId();
  } catch (err) {
    opened.close();
    throw err;
  }
  // The attempt's row is queued, not awaited: the stage runs meanwhile (what it records later
  // commits after it). Its running status is reported once the row has committed and prepareTask
  // has returned, whichever comes last.
  let startCommitted = false;
  let reportRunning: (() => void) | null = null;
  const id = attemptId;
  host.writeLater((db) => db.startAttempt(packageId, host.runId, attempt, opened.logFile, t.node.recipeHash, t.stage, id), () => {
    startCommitted = true;
    reportRunning?.();
  });
  host.setAttempt(t.key, attemptId);
  trackProcesses(host, opened.task, attemptId);
  // One log per package × target: each stage's attempts after the build's, each with its header.
  opened.note(`=== ${t.stage === 'build' ? '' : `${t.stage} `}${t.node.id} (${t.target.subdir}, python ${t.target.python}) attempt ${attempt}, run ${host.runId}, ${new Date().toISOString()}`);
  let phase: FailureClass = 'internal';
  let timer: NodeJS.Timeout | undefined;
  const guarded = new AbortGuard(controller, host.graceMs);
  try {
    if (controller.aborted) throw controller.reason;
    // Later stages get the artifacts before prepareTask, so its taps see them.
    const input = t.stage === 'build' ? [] : host.artifactsOf(t.pkg);
    if (t.stage !== 'build') (opened.task as TaskContext & { artifacts: Artifact[] }).artifacts = input;
    // A build made from another target's build (run.hooks.buildFrom) gets that build's artifacts.
    if (t.source) (opened.task as BuildTask).source = { target: t.source.target, artifacts: host.artifactsOf(t.source.pkg), reason: t.source.reason };
    task = (await guarded.guard(run.hooks.prepareTask.promise(task))) ?? task;
    // Bound, not a closure: under tsx (esbuild keepNames) every named closure made costs a
    // defineProperty of its name, per task.
    reportRunning = host.emit.bind(host, t.pkg, RUNNING[t.stage] ?? 'building', `${t.stage} attempt ${attempt}`, { stage: t.stage, logFile: logFileOf(task, opened) });
    if (startCommitted) reportRunning();
    run.hooks.taskStart.call(task);
    // The time limit covers the stage's work; the runners stop on the aborted signal.
    timer = setTimeout(() => controller.abort(new BuildTimeoutError(timeoutMs)), timeoutMs);

    let status: TaskStatus;
    let reason: string;
    let artifacts: Artifact[];
    // A build's record, a transmute's new artifacts: committed, then indexed, after the slot is free.
    let recorded: Promise<void> | undefined;
    let toIndex: { subdirs: string[]; files: string[] } | undefined;
    let checks: TestReport['checks'] | null = null;
    if (t.stage === 'build') {
      phase = 'build';
      const result = await guarded.guard(run.hooks.build.for(t.target.subdir).promise(task as BuildTask));
      clearTimeout(timer);
      if (!result) throw new BuildFailureError(`no builder for ${t.target.subdir} (tap run.hooks.build.for('${t.target.subdir}'))`, 'internal');
      if (!result.artifacts.length) throw new BuildFailureError(`builder ${result.builder} returned no artifact`, 'build');
      // Recorded only now: artifacts renamed into place by the builder, hashed here.
      phase = 'internal';
      artifacts = await hashArtifacts(result.artifacts);
      const hashed = artifacts;
      const declined = (task as BuildTask).source?.declined ?? t.notDerived;
      reason = `built by ${result.builder}${result.note ? `: ${result.note}` : declined ? ` (${declined})` : ''}`;
      const why = reason;
      // The earlier builds' artifacts this build does not reproduce (their .conda among them) leave
      // the output channel first: removed before the new record replaces theirs (a kill in between
      // finds a recorded file missing and rebuilds), dropped from the index by the write below.
      // (What the package's last build recorded: the state's rows when the run started, no read per build.)
      const stale = await removeStale(staleArtifacts(host.artifactsOf(t.pkg), hashed, task.outputChannel));
      if (stale.length) task.log(`removed from the output channel (an earlier build's, not made again): ${stale.map((p) => basename(p)).join(', ')}`);
      // Recorded and complete in one write, committed before the index write starts, the task's
      // tail (below): its slot is free meanwhile, and its dependents start once the index has the files.
      recorded = background(host.write((db) => db.recordBuilt(attemptId, host.runId, hashed, Date.now() - started, 'built', why, { complete: true })));
      const subdirs = [...new Set([...artifacts.map((a) => a.subdir), ...stale.map((p) => basename(dirname(p)))])].sort();
      toIndex = { subdirs, files: [...artifacts.map((a) => a.path), ...stale] };
      status = 'built';
    } else if (t.stage === 'test') {
      phase = 'test';
      const report: TestReport = { id: t.node.id, checks: [] };
      await guarded.guard(run.hooks.test.promise(Object.assign(task, { stage: 'test' as const, artifacts: input }), report));
      clearTimeout(timer);
      // Passed: the checks are written with the attempt's completion (below).
      checks = report.checks;
      const failed = report.checks.filter((c) => !c.ok && !c.skipped);
      if (failed.length) {
        checks = null;
        await host.write((db) => db.recordChecks(attemptId, report.checks));
        for (const c of failed) task.log(`test failed: ${describeCheck(c)}`);
        throw new BuildFailureError(`test failed: ${failed.map(describeCheck).join('; ')}`, 'test');
      }
      const passed = report.checks.filter((c) => c.ok && !c.skipped).length;
      const skipped = report.checks.filter((c) => c.skipped).length;
      status = 'tested';
      reason = report.checks.length ? `${passed} check(s) passed${skipped ? `, ${skipped} skipped` : ''}` : 'no tests';
      artifacts = input;
    } else if (t.stage === 'transmute') {
      phase = 'internal';
      const out = await guarded.guard(run.hooks.transmute.promise(input, Object.assign(task, { stage: 'transmute' as const, artifacts: input })));
      clearTimeout(timer);
      artifacts = out && out !== input ? await hashArtifacts(out) : input;
      // New files, and files rewritten in place (a .conda of an earlier build replaced by the new one's).
      const files = artifacts.filter((a) => !input.some((i) => i.path === a.path && i.sha256 === a.sha256));
      if (files.length || artifacts.length !== input.length) {
        const replaced = artifacts;
        recorded = background(host.write((db) => db.replaceArtifacts(packageId, replaced)));
        toIndex = { subdirs: [...new Set(artifacts.map((a) => a.subdir))].sort(), files: files.map((a) => a.path) };
      }
      status = 'transmuted';
      reason = files.length ? `${files.length} file(s) added: ${files.map((a) => a.filename).join(', ')}` : 'nothing to convert';
    } else {
      throw new BuildFailureError(`no runner for stage ${t.stage}`, 'internal');
    }
    const final = status;
    const why = reason;
    const ms = Date.now() - started;
    const passed = checks;
    host.setArtifacts(t.pkg, artifacts);
    const report = host.emit.bind(host, t.pkg, final, why, { stage: t.stage, artifacts, durationMs: ms, logFile: logFileOf(task, opened) });
    // A build is completed with its record (above), reported once committed. Later stages: queued,
    // not awaited — what depends on this stage writes after it — and reported once committed.
    let indexed: Promise<void> | undefined;
    if (recorded) {
      // The task's tail: the record committed (the build reported then), then an index write
      // covering the files. The executor starts the dependents only once it resolves, without
      // holding this task's slot meanwhile (the commit waits for the writer thread's batch in
      // flight; index writes of a large channel are shared by every task that finished while the
      // previous one ran). A rejection fails the task.
      // The index update is announced now: a write that falls due while the record commits waits
      // for it (builds finishing together share one write of the channel's index).
      const { subdirs, files } = toIndex!;
      const channel = task.outputChannel;
      const built = t.stage === 'build';
      const announced = host.announceIndex(channel, files);
      indexed = background(recorded.then(() => {
        try {
          if (built) report();
          return host.index(channel, subdirs, files);
        } finally {
          announced();
        }
      }, (err) => {
        announced();
        throw new RecordWriteError(`${built ? 'build' : 'new artifacts'} of ${t.node.id} not recorded: ${errorMessage(err)}`);
      }));
    }
    if (t.stage !== 'build') {
      host.writeLater((db) => {
        if (passed) db.recordChecks(attemptId, passed);
        db.completeAttempt(attemptId, host.runId, final, why, ms);
      }, report);
    }
    // The scratch dir goes in the background (only when a plugin read task.workDir: reading it on
    // the executor's own task makes the dir).
    if (task !== opened.task || opened.scratchMade()) host.cleanup(task.workDir);
    opened.note(`=== ${status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { ok: true, status, reason, artifacts, ...(indexed ? { indexed } : {}) };
  } catch (err) {
    clearTimeout(timer);
    const aborted = controller.aborted ? controller.reason : null;
    const interrupted = aborted instanceof RunInterruptedError;
    const failure: FailureClass = aborted instanceof BuildTimeoutError ? 'timeout' : interrupted ? 'cancelled' : failureClassOf(err, phase);
    const reason = aborted instanceof BuildTimeoutError ? aborted.message : interrupted ? 'interrupted' : errorMessage(err);
    try {
      task.log(`=== ${interrupted ? "interrupted" : `failed (${failure})`}: ${reason}`);
      if (!interrupted && err instanceof Error && err.stack && failure === 'internal') task.log(err.stack);
    } catch {
      // The log dir may be gone; the reason is in the database anyway.
    }
    return { ok: false, failure, reason, interrupted };
  } finally {
    clearTimeout(timer);
    guarded.dispose();
    opened.close();
  }
}

/** The log's path, without creating the file (only what is logged creates it). */
function logFileOf(task: TaskContext, opened: { task: TaskContext; logFile: string }): string {
  return task === opened.task ? opened.logFile : task.logFile;
}

/**
 * `task.track` and `task.labels` of an attempt: runners record the process groups and containers
 * they start (one synchronous commit each, so a kill right after finds them in the state) and
 * mark them ended; a later run stops what is still open (leftovers.ts).
 */
function trackProcesses(host: StageHost, task: TaskContext, attemptId: number): void {
  const { db } = host;
  task.labels = { [WORKDIR_LABEL]: host.run.config.workDir, [RUN_LABEL]: String(host.runId), [ATTEMPT_LABEL]: String(attemptId) };
  task.track = (p) => {
    // Committed before the runner goes on, after the queued writes (the attempt's row, which the
    // process row refers to, may be one of them).
    const id = host.writeSync('trackProcess', attemptId, p.kind === 'process-group'
      ? { kind: 'process-group', pgid: p.pgid, pidStart: processStart(p.pgid) }
      : { kind: 'container', engine: p.engine, container: p.name });
    let ended = false;
    return () => {
      if (ended || !db.db.open) return;
      ended = true;
      // Queued: a kill before it commits leaves the row open, and the next run finds the group gone.
      host.writeLater((d) => d.endProcess(id, 'exited'));
    };
  };
}

/**
 * A publication's log, made only when something is logged (a plugin's line, a failure): a
 * publication that says nothing costs no file. The executor's own lines (`note`) wait until then.
 * Methods, not closures per publication (see reportRunning in runPackageStage).
 */
class PublishLog {
  private opened = false;
  private readonly notes: string[] = [];
  constructor(private readonly path: string) {}

  log(line: string): void {
    if (!this.opened) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.opened = true;
      if (this.notes.length) appendFileSync(this.path, this.notes.join(''));
    }
    appendFileSync(this.path, logLine(line));
  }

  note(line: string): void {
    if (this.opened) appendFileSync(this.path, logLine(line));
    else this.notes.push(logLine(line));
  }
}

function logLine(line: string): string {
  return redact(line.endsWith('\n') ? line : `${line}\n`);
}

export type PublishOutcome =
  | {
      ok: true; status: 'published' | 'held' | 'unclaimed'; reason: string; members: PublishMember[];
      /** A publication's state write (the group and its members published), committed after the slot is free. */
      committed?: Promise<void>;
    }
  | { ok: false; failure: FailureClass; reason: string; interrupted: boolean };

/**
 * One attempt of publish(group): the members of this run (their last stage's artifacts) plus those
 * of the required arches this run does not build, from the state database — each must have
 * finished its last stage, else the group is held (not a failure: a later run publishes it).
 */
export async function runPublish(host: StageHost, t: ExecTask, attempt: number, controller: TaskController): Promise<PublishOutcome> {
  const { run, db } = host;
  const spec = t.group!;
  const groupId = host.groupId(spec.key);
  const logFile = join(run.config.workDir, 'logs', 'publish', `${spec.key}.log`);
  const plog = new PublishLog(logFile);
  let workDir: string | null = null;
  const members: PublishMember[] = spec.members.map((pkg) => {
    const m = host.task(pkg);
    return { node: m.node, target: m.target, artifacts: host.artifactsOf(pkg) };
  });
  const missing: string[] = [];
  for (const e of spec.elsewhere) {
    const row = db.getPackage({ node: t.node.id, subdir: e.subdir, python: spec.python });
    // Every stage recorded there done, its build among them (one package's rows: no table scan per group).
    const rows = row ? db.stages(row.id) : [];
    const last = rows.length > 0 && rows.every((r) => r.status === 'done') && rows.some((r) => r.stage === 'build');
    if (!row || !last) {
      missing.push(`${e.subdir} (${e.status ? `${e.status}${e.reason ? `: ${e.reason}` : ''}` : row ? `${row.status}${row.stage ? ` at ${row.stage}` : ''}` : 'not in this run'})`);
      continue;
    }
    members.push({ node: { ...t.node, target: { subdir: e.subdir, python: spec.python } }, target: { subdir: e.subdir, python: spec.python }, artifacts: db.artifacts(row.id).map(artifactFromRecord) });
  }
  if (missing.length) {
    const reason = `waiting for ${missing.join(', ')}`;
    await host.write((d) => d.setGroupStatus(groupId, host.runId, 'held', reason));
    return { ok: true, status: 'held', reason, members };
  }
  const group: PublishGroup = {
    key: spec.key, name: spec.name, version: spec.version, python: spec.python, members, runId: host.runId, attempt,
    get workDir() {
      if (workDir === null) mkdirSync((workDir = join(run.config.workDir, 'tasks', 'publish', spec.key, `run-${host.runId}-attempt-${attempt}`)), { recursive: true });
      return workDir;
    },
    logFile, log: plog.log.bind(plog),
    get signal() {
      return controller.signal;
    },
  };
  if (run.hooks.shouldPublish.call(group) === false) {
    const reason = 'held by a plugin (run.hooks.shouldPublish)';
    await host.write((d) => d.setGroupStatus(groupId, host.runId, 'held', reason));
    return { ok: true, status: 'held', reason, members };
  }
  await host.write((d) => d.setGroupStatus(groupId, host.runId, 'publishing', `attempt ${attempt}`, { attempt: true }));
  plog.note(`=== publish ${spec.key} attempt ${attempt}, run ${host.runId}, ${new Date().toISOString()}: ${members.map((m) => m.target.subdir).join(', ')}`);
  const guarded = new AbortGuard(controller, host.graceMs);
  try {
    const result = await guarded.guard(run.hooks.publish.promise(group));
    if (!result) {
      const reason = 'no publisher took it';
      await host.write((d) => d.setGroupStatus(groupId, host.runId, 'unclaimed', reason));
      return { ok: true, status: 'unclaimed', reason, members };
    }
    const reason = `${result.published.length} artifact(s) published to ${result.channel}${result.label ? ` (${result.label})` : ''} by ${result.publisher}`;
    // The group and its members of this run are published in one write, the task's tail: the
    // executor reports them once it has committed, without holding the slot meanwhile.
    const inRun = spec.members.map((m) => host.packageId(m)).filter((id) => id !== undefined);
    const written = host.write((d) => {
      d.setGroupStatus(groupId, host.runId, 'published', reason, { publisher: result.publisher, channel: result.channel, label: result.label ?? null });
      d.setStatuses(inRun.map((packageId) => ({ packageId, to: 'published' as const, reason, stage: 'publish' as const })), host.runId);
    });
    plog.note(`=== published: ${reason}`);
    const scratch = workDir;
    const committed = background(written.then(() => {
      if (scratch !== null) host.cleanup(scratch);
    }, (err) => {
      throw new RecordWriteError(`publication of ${spec.key} not recorded: ${errorMessage(err)}`);
    }));
    return { ok: true, status: 'published', reason, members, committed };
  } catch (err) {
    const aborted = controller.aborted ? controller.reason : null;
    const interrupted = aborted instanceof RunInterruptedError;
    const failure: FailureClass = interrupted ? 'cancelled' : failureClassOf(err, 'publish');
    const reason = interrupted ? 'interrupted' : errorMessage(err);
    try {
      plog.log(`=== publish ${interrupted ? 'interrupted' : `failed (${failure})`}: ${reason}`);
    } catch {
      // the reason is in the database anyway
    }
    return { ok: false, failure, reason, interrupted };
  } finally {
    guarded.dispose();
  }
}

