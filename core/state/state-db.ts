// Durable run state: `<workDir>/state.db` (SQLite through better-sqlite3, WAL). One row per
// package × target, with its attempts, status changes and artifacts. Every method is one
// transaction, so a process killed at any instant leaves the last committed state (WAL + the
// default rollback on open). A package is marked built only with its artifacts' hashes, in the
// same transaction (see core/state/README.md).
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { redact } from '../config/redactor.ts';
import type { FailureClass, StageName, TaskStatus, TestCheck } from '../model/types.ts';
import { MIGRATIONS } from './migrations.ts';

/** The reason recorded on the attempts of a run that was killed (SIGKILL, power loss): not an interruption. */
export const KILLED_ATTEMPT_REASON = 'run was killed';

export const STATE_DB_FILE = 'state.db';

/** Statuses that mean "finished, artifacts recorded". */
export const DONE_STATUSES: ReadonlySet<TaskStatus> = new Set(['built', 'tested', 'transmuted', 'published']);

/** The status a package shows while a stage of it runs. */
export const RUNNING_STATUS: Readonly<Record<string, TaskStatus>> = { build: 'building', test: 'testing', transmute: 'transmuting', publish: 'publishing' };

export class StateSchemaError extends Error {
  override name = 'StateSchemaError';
  constructor(
    readonly path: string,
    readonly found: number,
    readonly known: number,
  ) {
    super(`${path}: state schema version ${found} is newer than this rebuild knows (${known}); upgrade rebuild or use another work dir`);
  }
}

/** The file is not a state database (not SQLite, damaged, or empty): names it and the way out. */
export class StateCorruptError extends Error {
  override name = 'StateCorruptError';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `${path}: corrupt state database (${detail}); move it aside (mv ${path} ${path}.corrupt) and run again: ` +
        'the channels, logs and caches are kept, but the new state knows no earlier build, so every package is built again',
    );
  }
}

/** SQLite's answers for a file that is not (or no longer) a database. */
const CORRUPT_CODES: ReadonlySet<string> = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

export class StateNotFoundError extends Error {
  override name = 'StateNotFoundError';
  constructor(readonly path: string) {
    super(`no state database at ${path}: nothing has run in this work dir yet (rebuild run)`);
  }
}

export interface PackageKey {
  node: string;
  subdir: string;
  python: string;
}

export interface PackageRow extends PackageKey {
  id: number;
  feedstock: string;
  outputs: string[];
  recipeHash: string | null;
  status: TaskStatus;
  /** The stage `status` is about (build, test, transmute, publish); null for plan statuses. */
  stage: StageName | null;
  reason: string | null;
  failure: FailureClass | null;
  attempts: number;
  durationMs: number | null;
  logPath: string | null;
  runId: number | null;
  updated: string;
}

/** A package's progress in one stage (table `stages`). */
export interface StageRow {
  packageId: number;
  stage: StageName;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  reason: string | null;
  failure: FailureClass | null;
  attempts: number;
  durationMs: number | null;
  runId: number | null;
  updated: string;
}

/** A publish group (table `publish_groups`): one name-version-python across its required arches. */
export interface GroupRow {
  id: number;
  key: string;
  name: string;
  version: string;
  python: string;
  status: 'waiting' | 'publishing' | 'published' | 'failed' | 'held' | 'unclaimed' | 'interrupted';
  reason: string | null;
  failure: FailureClass | null;
  publisher: string | null;
  channel: string | null;
  label: string | null;
  attempts: number;
  runId: number | null;
  updated: string;
  /** Package ids of its members. */
  members: number[];
}

export interface TestCheckRow {
  attemptId: number;
  name: string;
  kind: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  message: string | null;
}

export interface RunRow {
  id: number;
  started: string;
  ended: string | null;
  pid: number;
  host: string;
  argv: string[];
  outcome: string | null;
}

export interface ArtifactRecord {
  path: string;
  filename: string;
  sha256: string;
  size: number;
}

export interface AttemptRow {
  id: number;
  packageId: number;
  runId: number;
  number: number;
  started: string;
  ended: string | null;
  durationMs: number | null;
  status: string;
  failure: string | null;
  reason: string | null;
  logPath: string;
  stage: StageName;
}

/** Something an attempt runs that may outlive the rebuild process (recorded while it runs). */
export type TrackedProcess =
  | { kind: 'process-group'; pgid: number; pidStart: string | null }
  | { kind: 'container'; engine: string; container: string };

export type ProcessRow = TrackedProcess & { id: number; attemptId: number; runId: number; node: string; subdir: string; started: string };

export interface StatusChangeRow {
  time: string;
  from: string | null;
  to: string;
  reason: string | null;
  runId: number | null;
}

export interface OpenOptions {
  /** Open an existing database without writing (status, logs); throws StateNotFoundError when absent. */
  readonly?: boolean;
}

const now = () => new Date().toISOString();

/** Statuses a package has before (or without) any stage of it running. */
const PLAN_STATUSES: ReadonlySet<string> = new Set(['planned', 'waiting', 'ready', 'excluded', 'present', 'skipped']);

function toPackage(r: any): PackageRow {
  return toPackageWith(r, JSON.parse(r.outputs));
}

/** A `packages` row as a PackageRow with its outputs as given (the caller has them: no JSON parse). */
function toPackageWith(r: any, outputs: string[]): PackageRow {
  return {
    id: r.id, node: r.node, subdir: r.subdir, python: r.python, feedstock: r.feedstock,
    outputs, recipeHash: r.recipe_hash, status: r.status, stage: r.stage ?? null, reason: r.reason,
    failure: r.failure, attempts: r.attempts, durationMs: r.duration_ms, logPath: r.log_path,
    runId: r.run_id, updated: r.updated,
  };
}

function toStage(r: any): StageRow {
  return {
    packageId: r.package_id, stage: r.stage, status: r.status, reason: r.reason, failure: r.failure, attempts: r.attempts,
    durationMs: r.duration_ms, runId: r.run_id, updated: r.updated,
  };
}

const firstLine = (text: string) => text.split('\n').find((l) => l.trim()) ?? text;

function toRun(r: any): RunRow {
  return { id: r.id, started: r.started, ended: r.ended, pid: r.pid, host: r.host, argv: JSON.parse(r.argv), outcome: r.outcome };
}

export class StateDb {
  readonly db: Database.Database;
  /** One transaction wrapper for every method (`tx`), made once. */
  private readonly runTx: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Prepared once per connection, on first use (preparing is most of a small statement's cost). */
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * What this connection last wrote or read of a package's status columns (status, reason, failure,
   * recipe_hash, stage) and of an attempt (package id, stage), so a write does not read them back
   * first. Trusted only inside a write transaction whose start found no other connection's commit
   * since (`PRAGMA data_version`); forgotten whenever a transaction or savepoint rolls back.
   */
  private readonly knownStatus = new Map<number, [string, string | null, string | null, string | null, string | null]>();
  private readonly knownAttempt = new Map<number, [number, StageName]>();
  private knownVersion = -1;
  /** The id `allocateAttemptId` gives next (0: the table not read yet). */
  private nextAttemptId = 0;
  /** Inside `batch(fn, true)`: methods run their statements without a savepoint of their own. */
  private direct = false;

  private constructor(
    readonly path: string,
    readonly readonly: boolean,
  ) {
    if (readonly) {
      try {
        this.db = new Database(path, { readonly: true, fileMustExist: true });
      } catch {
        throw new StateNotFoundError(path);
      }
    } else {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a committed transaction survives a killed process; only power loss may
      // drop the last ones, never corrupt the file.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    }
    this.db.pragma('busy_timeout = 5000');
    this.runTx = this.db.transaction((fn: () => unknown) => fn());
  }

  /** Open (and migrate) `<workDir>/state.db`. */
  static open(workDir: string, options: OpenOptions = {}): StateDb {
    if (!options.readonly) mkdirSync(workDir, { recursive: true });
    const path = join(workDir, STATE_DB_FILE);
    let state: StateDb | undefined;
    try {
      state = new StateDb(path, !!options.readonly);
      state.migrate();
    } catch (err) {
      state?.close();
      if (CORRUPT_CODES.has((err as { code?: string }).code ?? '')) throw new StateCorruptError(path, (err as Error).message);
      throw err;
    }
    return state;
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const found = this.schemaVersion;
    if (found > MIGRATIONS.length) throw new StateSchemaError(this.path, found, MIGRATIONS.length);
    if (this.readonly) {
      // A database this code made has every table from migration 1 on: version 0 is an empty file
      // (SQLite reads 0 bytes as an empty database) or one that is not ours.
      if (found === 0) throw new StateCorruptError(this.path, statSync(this.path).size === 0 ? 'the file is empty' : 'no rebuild schema in it');
      // An older schema is read as it is (read-only commands read nothing a later migration added;
      // the next `rebuild run` migrates it): `status` on a work dir of the previous release works.
      return;
    }
    for (let v = found; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  /** The prepared statement for `source`, cached for this connection. */
  private sql(source: string): Database.Statement {
    let statement = this.statements.get(source);
    if (!statement) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement;
  }

  /** As `sql`, returning rows as arrays (no object per row). */
  private sqlRaw(source: string): Database.Statement {
    const key = `raw:${source}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(source).raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }

  /** Run `fn` in one immediate transaction (a savepoint inside the caller's transaction; none inside `batch(fn, true)`). */
  private tx<T>(fn: () => T): T {
    if (this.direct) return fn();
    const outer = !this.db.inTransaction;
    try {
      return this.runTx.immediate(outer ? () => (this.checkKnown(), fn()) : fn) as T;
    } catch (err) {
      this.forget();
      throw err;
    }
  }

  /**
   * Run `fn` as one immediate transaction (the group commit's batch of writes, group-commit.ts).
   * `direct`: the methods `fn` calls take no savepoint each (a batch's writes cost their statements
   * only); a method that throws then leaves its earlier statements behind, so an error must end the
   * whole transaction (it is rolled back and rethrown here) — the caller may run the batch again
   * without `direct`, where each method is its own savepoint.
   */
  batch<T>(fn: () => T, direct: boolean): T {
    if (this.db.inTransaction) throw new TypeError('StateDb.batch inside a transaction');
    try {
      return this.runTx.immediate(() => {
        this.checkKnown();
        this.direct = direct;
        try {
          return fn();
        } finally {
          this.direct = false;
        }
      }) as T;
    } catch (err) {
      this.forget();
      throw err;
    }
  }

  /** `fn` as a savepoint of the current transaction (or a transaction): rolled back alone when it throws. */
  savepoint<T>(fn: () => T): T {
    return this.tx(fn);
  }

  /** At the start of a write transaction: what another connection committed since makes the known rows stale. */
  private checkKnown(): void {
    const version = this.sqlRaw('PRAGMA data_version').get() as [number];
    if (version[0] !== this.knownVersion) {
      this.forget();
      this.knownVersion = version[0];
      if (this.nextAttemptId !== 0) this.readLastAttemptId();
    }
  }

  /** A rollback (or another connection's commit): nothing known any more. */
  private forget(): void {
    this.knownStatus.clear();
    this.knownAttempt.clear();
    this.knownVersion = -1;
  }

  // ------------------------------------------------------------ runs

  startRun(argv: string[]): number {
    const r = this.sql('INSERT INTO runs (started, pid, host, argv) VALUES (?, ?, ?, ?)')
      .run(now(), process.pid, hostname(), redact(JSON.stringify(argv)));
    return Number(r.lastInsertRowid);
  }

  endRun(runId: number, outcome: string): void {
    this.sql('UPDATE runs SET ended = ?, outcome = ? WHERE id = ?').run(now(), redact(outcome), runId);
  }

  lastRun(): RunRow | undefined {
    const r = this.sql('SELECT * FROM runs ORDER BY id DESC LIMIT 1').get();
    return r ? toRun(r) : undefined;
  }

  runs(): RunRow[] {
    return this.sql('SELECT * FROM runs ORDER BY id').all().map(toRun);
  }

  /**
   * A run killed before it ended left rows behind: its outcome becomes 'killed', its open attempts
   * and 'building'/'waiting'/'ready' packages become 'interrupted' (not built). Returns how many
   * packages were recovered.
   */
  recoverStale(currentRunId: number): number {
    return this.tx(() => {
      const t = now();
      this.sql("UPDATE runs SET outcome = 'killed' WHERE outcome IS NULL AND id <> ?").run(currentRunId);
      this.sql(`UPDATE attempts SET status = 'interrupted', ended = ?, reason = '${KILLED_ATTEMPT_REASON}' WHERE ended IS NULL AND run_id <> ?`)
        .run(t, currentRunId);
      if (this.schemaVersion >= 3) {
        this.sql(`UPDATE stages SET status = 'interrupted', reason = '${KILLED_ATTEMPT_REASON}', updated = ? WHERE status = 'running' AND (run_id IS NULL OR run_id <> ?)`)
          .run(t, currentRunId);
        this.sql(`UPDATE publish_groups SET status = 'interrupted', reason = '${KILLED_ATTEMPT_REASON}', updated = ? WHERE status = 'publishing' AND (run_id IS NULL OR run_id <> ?)`)
          .run(t, currentRunId);
      }
      const stale = this.sql("SELECT * FROM packages WHERE status IN ('building', 'testing', 'transmuting', 'publishing', 'waiting', 'ready') AND (run_id IS NULL OR run_id <> ?)")
        .all(currentRunId)
        .map(toPackage);
      for (const p of stale) this.setStatusTx(p.id, currentRunId, 'interrupted', `previous run was killed while ${p.status}`);
      return stale.length;
    });
  }

  // ------------------------------------------------------------ packages

  getPackage(key: PackageKey): PackageRow | undefined {
    const r = this.sql('SELECT * FROM packages WHERE node = ? AND subdir = ? AND python = ?').get(key.node, key.subdir, key.python);
    return r ? toPackage(r) : undefined;
  }

  getPackageById(id: number): PackageRow {
    return toPackage(this.sql('SELECT * FROM packages WHERE id = ?').get(id));
  }

  packages(filter: { subdir?: string } = {}): PackageRow[] {
    const rows = filter.subdir
      ? this.sql('SELECT * FROM packages WHERE subdir = ? ORDER BY subdir, node').all(filter.subdir)
      : this.sql('SELECT * FROM packages ORDER BY subdir, node').all();
    return rows.map(toPackage);
  }

  /** Insert a package row (status 'planned') or refresh its feedstock/outputs; returns the row. */
  ensurePackage(key: PackageKey, info: { feedstock: string; outputs: string[]; recipeHash: string | null }): PackageRow {
    const existing = this.getPackage(key);
    if (existing) {
      this.sql('UPDATE packages SET feedstock = ?, outputs = ? WHERE id = ?')
        .run(info.feedstock, JSON.stringify(info.outputs), existing.id);
      return { ...existing, feedstock: info.feedstock, outputs: info.outputs };
    }
    return toPackage(this.insertPackage(key, info));
  }

  /** Insert a 'planned' row; returns it as stored (every other column takes its default). */
  private insertPackage(key: PackageKey, info: { feedstock: string; outputs: string[]; recipeHash: string | null }): any {
    const outputs = JSON.stringify(info.outputs);
    const updated = now();
    const r = this
      .sql(
        `INSERT INTO packages (node, subdir, python, feedstock, outputs, recipe_hash, status, updated)
         VALUES (?, ?, ?, ?, ?, ?, 'planned', ?)`,
      )
      .run(key.node, key.subdir, key.python, info.feedstock, outputs, info.recipeHash, updated);
    return {
      id: Number(r.lastInsertRowid), node: key.node, subdir: key.subdir, python: key.python, feedstock: info.feedstock,
      outputs, recipe_hash: info.recipeHash, status: 'planned', reason: null, failure: null, attempts: 0,
      duration_ms: null, log_path: null, run_id: null, updated,
    };
  }

  /**
   * `ensurePackage` for many keys, in one transaction, reading the existing rows with one query (a
   * row whose feedstock and outputs are unchanged is not written). Returns, per item in order, the
   * row as `ensurePackage` returns it and whether it existed before.
   */
  ensurePackages(items: readonly { key: PackageKey; info: { feedstock: string; outputs: string[]; recipeHash: string | null } }[]): { row: PackageRow; existed: boolean }[] {
    return this.tx(() => {
      const byKey = new Map<string, any>();
      const keyOf = (k: PackageKey) => `${k.subdir}\0${k.python}\0${k.node}`;
      for (const r of this.sql('SELECT * FROM packages').all() as any[]) byKey.set(keyOf(r), r);
      return items.map(({ key, info }) => {
        const outputs = JSON.stringify(info.outputs);
        const existing = byKey.get(keyOf(key));
        if (existing) {
          if (existing.feedstock !== info.feedstock || existing.outputs !== outputs) {
            this.sql('UPDATE packages SET feedstock = ?, outputs = ? WHERE id = ?').run(info.feedstock, outputs, existing.id);
            existing.feedstock = info.feedstock;
            existing.outputs = outputs;
          }
          this.knowStatus(existing);
          // The stored outputs are the given ones now (same JSON): not parsed back.
          return { row: toPackageWith(existing, [...info.outputs]), existed: true };
        }
        const inserted = this.insertPackage(key, info);
        byKey.set(keyOf(key), inserted);
        this.knowStatus(inserted);
        return { row: toPackageWith(inserted, [...info.outputs]), existed: false };
      });
    });
  }

  /** Change a package's status, recording the change (from, to, reason). No-op when nothing changes. */
  setStatus(
    packageId: number,
    runId: number | null,
    to: TaskStatus,
    reason: string | null,
    extra: { failure?: FailureClass | null; recipeHash?: string | null; stage?: StageName | null } = {},
  ): void {
    // One commit for the row and its history (each statement would commit on its own otherwise).
    this.tx(() => this.setStatusTx(packageId, runId, to, reason, extra));
  }

  /**
   * `also`: columns the same UPDATE writes — `startedLog`: an attempt started with this log (attempts
   * + 1, log_path); `durationMs`: the last successful build's duration. Written even when the
   * status does not change.
   */
  private setStatusTx(
    packageId: number,
    runId: number | null,
    to: TaskStatus,
    reason: string | null,
    extra: { failure?: FailureClass | null; recipeHash?: string | null; stage?: StageName | null } = {},
    also?: { startedLog?: string; durationMs?: number },
  ): void {
    // Reasons quote errors (a plugin's may hold a secret): stored redacted, like every string we write.
    if (reason !== null) reason = redact(reason);
    const current = this.statusOf(packageId);
    const failure = extra.failure === undefined ? (to === 'failed' ? current[2] : null) : extra.failure;
    const recipeHash = extra.recipeHash === undefined ? current[3] : extra.recipeHash;
    // Plan statuses have no stage; execution statuses keep theirs unless a new one is given.
    const stage = extra.stage !== undefined ? extra.stage : PLAN_STATUSES.has(to) ? null : current[4];
    const logPath = also?.startedLog;
    const durationMs = also?.durationMs === undefined ? undefined : Math.round(also.durationMs);
    if (current[0] === to && current[1] === reason && current[2] === failure && current[3] === recipeHash && current[4] === stage) {
      if (logPath !== undefined) this.sql('UPDATE packages SET attempts = attempts + 1, log_path = ? WHERE id = ?').run(logPath, packageId);
      if (durationMs !== undefined) this.sql('UPDATE packages SET duration_ms = ? WHERE id = ?').run(durationMs, packageId);
      return;
    }
    const t = now();
    const set = 'UPDATE packages SET status = ?, reason = ?, failure = ?, recipe_hash = ?, stage = ?, run_id = COALESCE(?, run_id), updated = ?';
    if (logPath !== undefined) this.sql(`${set}, attempts = attempts + 1, log_path = ? WHERE id = ?`).run(to, reason, failure, recipeHash, stage, runId, t, logPath, packageId);
    else if (durationMs !== undefined) this.sql(`${set}, duration_ms = ? WHERE id = ?`).run(to, reason, failure, recipeHash, stage, runId, t, durationMs, packageId);
    else this.sql(`${set} WHERE id = ?`).run(to, reason, failure, recipeHash, stage, runId, t, packageId);
    if (current[0] !== to || current[1] !== reason) {
      this.sql('INSERT INTO status_changes (package_id, run_id, time, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, ?)')
        .run(packageId, runId, t, current[0], to, reason);
    }
    current[0] = to;
    current[1] = reason;
    current[2] = failure;
    current[3] = recipeHash;
    current[4] = stage;
  }

  /** Remember the status columns of a row read or written inside this write transaction. */
  private knowStatus(r: { id: number; status: string; reason: string | null; failure: string | null; recipe_hash: string | null; stage?: string | null }): void {
    this.knownStatus.set(r.id, [r.status, r.reason, r.failure, r.recipe_hash, r.stage ?? null]);
  }

  /** A package's status columns (status, reason, failure, recipe_hash, stage): known, else read (inside a write transaction). */
  private statusOf(packageId: number): [string, string | null, string | null, string | null, string | null] {
    let known = this.knownStatus.get(packageId);
    if (!known) {
      known = this.sqlRaw('SELECT status, reason, failure, recipe_hash, stage FROM packages WHERE id = ?').get(packageId) as typeof known;
      if (!known) throw new TypeError(`no package ${packageId} in the state database`);
      this.knownStatus.set(packageId, known);
    }
    return known;
  }

  /** Many status changes in one transaction (the start of a run). */
  setStatuses(changes: { packageId: number; to: TaskStatus; reason: string | null; failure?: FailureClass | null; recipeHash?: string | null; stage?: StageName | null }[], runId: number | null): void {
    if (!changes.length) return;
    this.tx(() => {
      for (const c of changes) this.setStatusTx(c.packageId, runId, c.to, c.reason, c);
    });
  }

  statusChanges(packageId: number): StatusChangeRow[] {
    return this.sql('SELECT time, from_status, to_status, reason, run_id FROM status_changes WHERE package_id = ? ORDER BY id')
      .all(packageId)
      .map((r: any) => ({ time: r.time, from: r.from_status, to: r.to_status, reason: r.reason, runId: r.run_id }));
  }

  // ------------------------------------------------------------ attempts

  /**
   * An attempt of a stage starts: the package becomes 'building' / 'testing' / 'transmuting', its
   * stage row 'running'. Returns the attempt id.
   */
  startAttempt(
    packageId: number,
    runId: number,
    number: number,
    logPath: string,
    recipeHash: string | null,
    stage: StageName = 'build',
    id: number = this.allocateAttemptId(),
  ): number {
    return this.tx(() => {
      this.sql("INSERT INTO attempts (id, package_id, run_id, number, started, status, log_path, stage) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(id, packageId, runId, number, now(), stage === 'build' ? 'building' : 'running', logPath, stage);
      // A new build invalidates what later stages said about the previous one.
      if (stage === 'build') this.sql("DELETE FROM stages WHERE package_id = ? AND stage <> 'build'").run(packageId);
      this.setStageTx(packageId, stage, runId, { status: 'running', reason: `attempt ${number}`, failure: null, attempt: true });
      // The package row once: its status, attempts + 1 and log.
      if (stage === 'build') this.setStatusTx(packageId, runId, 'building', `attempt ${number}`, { failure: null, recipeHash, stage }, { startedLog: logPath });
      else this.setStatusTx(packageId, runId, RUNNING_STATUS[stage] ?? 'building', `attempt ${number}`, { failure: null, stage }, { startedLog: logPath });
      this.knownAttempt.set(id, [packageId, stage]);
      return id;
    });
  }

  /**
   * The id of an attempt about to start (`startAttempt(..., id)`), known before its row is written:
   * the executor queues the row and goes on. Ids count up from the largest stored one (read again
   * when a write transaction finds another connection's commit), so one is never given twice, even
   * when the write that used it was rolled back. Only the connection of the run holding the lock
   * starts attempts.
   */
  allocateAttemptId(): number {
    if (this.nextAttemptId === 0) this.readLastAttemptId();
    return this.nextAttemptId++;
  }

  private readLastAttemptId(): void {
    const max = (this.sqlRaw('SELECT MAX(id) FROM attempts').get() as [number | null])[0] ?? 0;
    this.nextAttemptId = Math.max(this.nextAttemptId, max + 1);
  }

  /** An attempt ended without artifacts (failed, interrupted, or to be retried). */
  endAttempt(
    attemptId: number,
    outcome: { status: 'failed' | 'interrupted'; failure: FailureClass | null; reason: string; durationMs: number },
    packageStatus?: { to: TaskStatus; reason: string; runId: number },
  ): void {
    this.tx(() => {
      this.sql('UPDATE attempts SET ended = ?, duration_ms = ?, status = ?, failure = ?, reason = ? WHERE id = ?')
        .run(now(), Math.round(outcome.durationMs), outcome.status, outcome.failure, redact(outcome.reason), attemptId);
      const { packageId, stage } = this.attemptInfo(attemptId);
      // A retry ('waiting') leaves the stage failed until its next attempt starts.
      this.setStageTx(packageId, stage, packageStatus?.runId ?? null, {
        status: outcome.status, reason: outcome.reason, failure: outcome.failure, durationMs: outcome.durationMs,
      });
      if (packageStatus) this.setStatusTx(packageId, packageStatus.runId, packageStatus.to, packageStatus.reason, { failure: outcome.failure, stage });
    });
  }

  /** An attempt's package and stage: known (this connection started it), else read. */
  private attemptInfo(attemptId: number): { packageId: number; stage: StageName } {
    let known = this.knownAttempt.get(attemptId);
    if (!known) {
      known = this.sqlRaw('SELECT package_id, stage FROM attempts WHERE id = ?').get(attemptId) as [number, StageName] | undefined;
      if (!known) throw new TypeError(`no attempt ${attemptId} in the state database`);
      this.knownAttempt.set(attemptId, known);
    }
    return { packageId: known[0], stage: known[1] };
  }

  private setStageTx(
    packageId: number,
    stage: StageName,
    runId: number | null,
    change: { status: StageRow['status']; reason: string | null; failure?: FailureClass | null; durationMs?: number; attempt?: boolean },
  ): void {
    const reason = change.reason === null ? null : redact(change.reason);
    this.sql(
      `INSERT INTO stages (package_id, stage, status, reason, failure, attempts, duration_ms, run_id, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (package_id, stage) DO UPDATE SET status = excluded.status, reason = excluded.reason, failure = excluded.failure,
         attempts = stages.attempts + ?, duration_ms = COALESCE(excluded.duration_ms, stages.duration_ms), run_id = COALESCE(excluded.run_id, stages.run_id), updated = excluded.updated`,
    ).run(packageId, stage, change.status, reason, change.failure ?? null, change.attempt ? 1 : 0,
      change.durationMs === undefined ? null : Math.round(change.durationMs), runId, now(), change.attempt ? 1 : 0);
  }

  /** Forget a package's stages from `stages` on (they run again: a rebuild invalidates its tests). */
  resetStages(packageId: number, stages: readonly StageName[]): void {
    if (!stages.length) return;
    this.tx(() => {
      const del = this.sql('DELETE FROM stages WHERE package_id = ? AND stage = ?');
      for (const st of stages) del.run(packageId, st);
    });
  }

  /** Every package's stage rows: package id → stage → row, in one query. */
  stageRows(): Map<number, Map<StageName, StageRow>> {
    const out = new Map<number, Map<StageName, StageRow>>();
    if (this.schemaVersion < 3) return out;
    for (const r of this.sql('SELECT * FROM stages').all() as any[]) {
      let m = out.get(r.package_id);
      if (!m) out.set(r.package_id, (m = new Map()));
      m.set(r.stage, toStage(r));
    }
    return out;
  }

  /** One package's stage rows, in pipeline order of their last update. */
  stages(packageId: number): StageRow[] {
    if (this.schemaVersion < 3) return [];
    return (this.sql('SELECT * FROM stages WHERE package_id = ? ORDER BY updated, rowid').all(packageId) as any[]).map(toStage);
  }

  /** The checks of a test attempt (once per attempt: an attempt id is never reused). */
  recordChecks(attemptId: number, checks: readonly TestCheck[]): void {
    if (!checks.length) return;
    this.tx(() => {
      const { packageId } = this.attemptInfo(attemptId);
      const insert = this.sql('INSERT INTO test_checks (attempt_id, package_id, name, kind, status, duration_ms, message) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const c of checks) {
        insert.run(attemptId, packageId, redact(c.name), c.kind, c.skipped ? 'skipped' : c.ok ? 'passed' : 'failed', Math.round(c.durationMs),
          c.message === undefined ? null : redact(firstLine(c.message)));
      }
    });
  }

  /** The checks of a package's last test attempt that recorded any. */
  testChecks(packageId: number): TestCheckRow[] {
    if (this.schemaVersion < 3) return [];
    const last = this.sqlRaw('SELECT MAX(attempt_id) FROM test_checks WHERE package_id = ?').get(packageId) as [number | null];
    if (last[0] === null) return [];
    return (this.sql('SELECT * FROM test_checks WHERE attempt_id = ? ORDER BY id').all(last[0]) as any[]).map((r) => ({
      attemptId: r.attempt_id, name: r.name, kind: r.kind, status: r.status, durationMs: r.duration_ms, message: r.message,
    }));
  }

  // ------------------------------------------------------------ publish groups

  /**
   * `ensureGroup` for many groups in one transaction (the start of a run); ids in order. The stored
   * groups and members are read with one query each; a group whose members are unchanged is not
   * written.
   */
  ensureGroups(items: readonly { spec: { key: string; name: string; version: string; python: string }; members: readonly number[] }[]): number[] {
    if (!items.length) return [];
    return this.tx(() => {
      const ids = new Map<string, number>();
      for (const [key, id] of this.sqlRaw('SELECT key, id FROM publish_groups').all() as [string, number][]) ids.set(key, id);
      const stored = new Map<number, number[]>();
      for (const [group, pkg] of this.sqlRaw('SELECT group_id, package_id FROM publish_members ORDER BY group_id, package_id').all() as [number, number][]) {
        const list = stored.get(group);
        if (list) list.push(pkg);
        else stored.set(group, [pkg]);
      }
      const insertGroup = this.sql("INSERT INTO publish_groups (key, name, version, python, status, updated) VALUES (?, ?, ?, ?, 'waiting', ?)");
      const insertMember = this.sql('INSERT OR IGNORE INTO publish_members (group_id, package_id) VALUES (?, ?)');
      const t = now();
      return items.map(({ spec, members }) => {
        let id = ids.get(spec.key);
        if (id === undefined) {
          id = Number(insertGroup.run(spec.key, spec.name, spec.version, spec.python, t).lastInsertRowid);
          ids.set(spec.key, id);
        } else {
          const wanted = [...new Set(members)].sort((a, b) => a - b);
          const had = stored.get(id) ?? [];
          if (had.length === wanted.length && had.every((m, i) => m === wanted[i])) return id;
          this.sql('DELETE FROM publish_members WHERE group_id = ?').run(id);
        }
        for (const m of members) insertMember.run(id, m);
        stored.set(id, [...new Set(members)].sort((a, b) => a - b));
        return id;
      });
    });
  }

  /** Insert or refresh a group (its members replaced); returns its id. A new group is 'waiting'. */
  ensureGroup(spec: { key: string; name: string; version: string; python: string }, members: readonly number[]): number {
    return this.tx(() => {
      const existing = this.sqlRaw('SELECT id FROM publish_groups WHERE key = ?').get(spec.key) as [number] | undefined;
      const id = existing
        ? existing[0]
        : Number(this.sql("INSERT INTO publish_groups (key, name, version, python, status, updated) VALUES (?, ?, ?, ?, 'waiting', ?)")
          .run(spec.key, spec.name, spec.version, spec.python, now()).lastInsertRowid);
      this.sql('DELETE FROM publish_members WHERE group_id = ?').run(id);
      const insert = this.sql('INSERT OR IGNORE INTO publish_members (group_id, package_id) VALUES (?, ?)');
      for (const m of members) insert.run(id, m);
      return id;
    });
  }

  /** Change a group's status (attempt: one more attempt started). */
  setGroupStatus(
    id: number,
    runId: number | null,
    status: GroupRow['status'],
    reason: string | null,
    extra: { failure?: FailureClass | null; publisher?: string | null; channel?: string | null; label?: string | null; attempt?: boolean } = {},
  ): void {
    this.sql(
      `UPDATE publish_groups SET status = ?, reason = ?, failure = ?, publisher = COALESCE(?, publisher), channel = COALESCE(?, channel),
       label = COALESCE(?, label), attempts = attempts + ?, run_id = COALESCE(?, run_id), updated = ? WHERE id = ?`,
    ).run(status, reason === null ? null : redact(reason), extra.failure ?? null, extra.publisher ?? null, extra.channel ?? null,
      extra.label ?? null, extra.attempt ? 1 : 0, runId, now(), id);
  }

  groups(): GroupRow[] {
    if (this.schemaVersion < 3) return [];
    const members = new Map<number, number[]>();
    for (const r of this.sql('SELECT group_id, package_id FROM publish_members ORDER BY package_id').all() as any[]) {
      let list = members.get(r.group_id);
      if (!list) members.set(r.group_id, (list = []));
      list.push(r.package_id);
    }
    return (this.sql('SELECT * FROM publish_groups ORDER BY key').all() as any[]).map((r) => ({
      id: r.id, key: r.key, name: r.name, version: r.version, python: r.python, status: r.status, reason: r.reason,
      failure: r.failure, publisher: r.publisher, channel: r.channel, label: r.label, attempts: r.attempts, runId: r.run_id,
      updated: r.updated, members: members.get(r.id) ?? [],
    }));
  }

  /**
   * The attempt built the package: its artifacts (already written, renamed into place and hashed by
   * the caller) replace the package's previous ones, and the package becomes `status`, atomically.
   * `complete`: the attempt is complete too (as `completeAttempt`: its stage done), in the same
   * transaction — the executor's build ends with this one write.
   */
  recordBuilt(
    attemptId: number,
    runId: number,
    artifacts: ArtifactRecord[],
    durationMs: number,
    status: TaskStatus = 'built',
    reason: string | null = null,
    options: { complete?: boolean } = {},
  ): void {
    this.tx(() => {
      const { packageId, stage } = this.attemptInfo(attemptId);
      this.sql('UPDATE attempts SET ended = ?, duration_ms = ?, status = ?, failure = NULL, reason = NULL WHERE id = ?')
        .run(now(), Math.round(durationMs), options.complete ? 'complete' : 'built', attemptId);
      this.replaceArtifactsTx(packageId, attemptId, artifacts);
      if (options.complete) this.setStageTx(packageId, stage, runId, { status: 'done', reason, failure: null, durationMs });
      this.setStatusTx(packageId, runId, status, reason, options.complete ? { failure: null, stage } : { failure: null }, { durationMs });
    });
  }

  /**
   * Every step after the build (test, transmute, index, publish) ended: the attempt is 'complete'
   * and the package takes its final status. Only a complete attempt counts as done on resume.
   */
  completeAttempt(attemptId: number, runId: number, status: TaskStatus, reason: string | null, durationMs?: number): void {
    this.tx(() => {
      const { packageId, stage } = this.attemptInfo(attemptId);
      if (durationMs === undefined) this.sql("UPDATE attempts SET status = 'complete' WHERE id = ?").run(attemptId);
      else this.sql("UPDATE attempts SET status = 'complete', ended = ?, duration_ms = ? WHERE id = ?").run(now(), Math.round(durationMs), attemptId);
      this.setStageTx(packageId, stage, runId, { status: 'done', reason, failure: null, durationMs });
      this.setStatusTx(packageId, runId, status, reason, { failure: null, stage });
    });
  }

  lastAttempt(packageId: number): AttemptRow | undefined {
    return this.attempts(packageId).at(-1);
  }

  /** Replace a package's artifacts (after transmute) and optionally move its status on. */
  replaceArtifacts(packageId: number, artifacts: ArtifactRecord[]): void {
    this.tx(() => this.replaceArtifactsTx(packageId, null, artifacts));
  }

  private replaceArtifactsTx(packageId: number, attemptId: number | null, artifacts: ArtifactRecord[]): void {
    if (attemptId === null) {
      const last = this.sql('SELECT attempt_id FROM artifacts WHERE package_id = ? LIMIT 1').get(packageId) as any;
      attemptId = last?.attempt_id ?? null;
    }
    this.sql('DELETE FROM artifacts WHERE package_id = ?').run(packageId);
    const insert = this.sql('INSERT INTO artifacts (package_id, attempt_id, path, filename, sha256, size) VALUES (?, ?, ?, ?, ?, ?)');
    for (const a of artifacts) insert.run(packageId, attemptId, a.path, a.filename, a.sha256, a.size);
  }

  /** Record a process group or container an attempt has started (its own transaction); returns its id. */
  trackProcess(attemptId: number, p: TrackedProcess): number {
    const r = this.sql('INSERT INTO attempt_processes (attempt_id, kind, pgid, pid_start, engine, container, started) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        attemptId, p.kind, p.kind === 'process-group' ? p.pgid : null, p.kind === 'process-group' ? p.pidStart : null,
        p.kind === 'container' ? p.engine : null, p.kind === 'container' ? p.container : null, now(),
      );
    return Number(r.lastInsertRowid);
  }

  /** A tracked process group or container has ended (`outcome`: exited, killed by run N, gone...). */
  endProcess(id: number, outcome: string): void {
    this.sql('UPDATE attempt_processes SET ended = ?, outcome = ? WHERE id = ? AND ended IS NULL').run(now(), outcome, id);
  }

  /**
   * Status and reason of attempt `number` of run `runId` for the package `node` on `subdir` (for
   * `python`, or any python), or undefined when no such attempt was recorded.
   */
  attemptOf(subdir: string, node: string, runId: number, number: number, stage: StageName = 'build', python?: string): { status: string; reason: string | null } | undefined {
    return this.sql(
      `SELECT a.status, a.reason FROM attempts a JOIN packages p ON p.id = a.package_id
       WHERE p.subdir = ? AND p.node = ? AND a.run_id = ? AND a.number = ? AND a.stage = ? AND (? IS NULL OR p.python = ?) ORDER BY a.id DESC LIMIT 1`,
    ).get(subdir, node, runId, number, stage, python ?? null, python ?? null) as { status: string; reason: string | null } | undefined;
  }


  /** Tracked process groups and containers not known to have ended, oldest first. */
  openProcesses(): ProcessRow[] {
    const rows = this.sql(
      `SELECT ap.*, a.run_id, p.node, p.subdir FROM attempt_processes ap
       JOIN attempts a ON a.id = ap.attempt_id JOIN packages p ON p.id = a.package_id
       WHERE ap.ended IS NULL ORDER BY ap.id`,
    ).all() as any[];
    return rows.map((r) => ({
      id: r.id, attemptId: r.attempt_id, runId: r.run_id, node: r.node, subdir: r.subdir, started: r.started,
      ...(r.kind === 'container'
        ? { kind: 'container' as const, engine: r.engine, container: r.container }
        : { kind: 'process-group' as const, pgid: r.pgid, pidStart: r.pid_start }),
    }));
  }

  attempts(packageId: number): AttemptRow[] {
    return this.sql('SELECT * FROM attempts WHERE package_id = ? ORDER BY id')
      .all(packageId)
      .map((r: any) => ({
        id: r.id, packageId: r.package_id, runId: r.run_id, number: r.number, started: r.started, ended: r.ended,
        durationMs: r.duration_ms, status: r.status, failure: r.failure, reason: r.reason, logPath: r.log_path, stage: r.stage ?? 'build',
      }));
  }

  artifacts(packageId: number): ArtifactRecord[] {
    return this.sql('SELECT path, filename, sha256, size FROM artifacts WHERE package_id = ? ORDER BY id').all(packageId) as ArtifactRecord[];
  }

  /** Every package's artifacts (by package id, each list in `artifacts()` order), in one query. */
  artifactsByPackage(): Map<number, ArtifactRecord[]> {
    const out = new Map<number, ArtifactRecord[]>();
    for (const r of this.sql('SELECT package_id, path, filename, sha256, size FROM artifacts ORDER BY id').all() as any[]) {
      let list = out.get(r.package_id);
      if (!list) out.set(r.package_id, (list = []));
      list.push({ path: r.path, filename: r.filename, sha256: r.sha256, size: r.size });
    }
    return out;
  }

  /** The status of every package's last build attempt, in one query. */
  lastAttemptStatuses(): Map<number, string> {
    const rows = this.sql(
      "SELECT a.package_id, a.status FROM attempts a JOIN (SELECT MAX(id) AS id FROM attempts WHERE stage = 'build' GROUP BY package_id) last ON a.id = last.id",
    ).all() as any[];
    return new Map(rows.map((r) => [r.package_id, r.status]));
  }

  /** Last successful build duration per `subdir/python/node`. */
  durations(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.sql('SELECT node, subdir, python, duration_ms FROM packages WHERE duration_ms IS NOT NULL').all() as any[]) {
      out.set(`${r.subdir}/py${r.python}/${r.node}`, r.duration_ms);
    }
    return out;
  }

  /** Count of packages per subdir and status. */
  tally(filter: { subdir?: string } = {}): { subdir: string; status: TaskStatus; count: number }[] {
    const sql = `SELECT subdir, status, COUNT(*) AS count FROM packages ${filter.subdir ? 'WHERE subdir = ?' : ''} GROUP BY subdir, status ORDER BY subdir, status`;
    return (filter.subdir ? this.sql(sql).all(filter.subdir) : this.sql(sql).all()) as any[];
  }
}
