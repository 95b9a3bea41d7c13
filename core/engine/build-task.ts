// The BuildTask handed to builders: where to work, where to write, what to resolve from, how to log
// and how to run a command (through the runner plugins on `run.hooks.exec`).
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { redact } from '../config/redactor.ts';
import type { Run } from './run.ts';
import { KILLED_ATTEMPT_REASON, type StateDb } from '../state/state-db.ts';
import type { BuildTask, PackageNode, StageName, Target, TaskContext } from '../model/types.ts';

export class NoRunnerError extends Error {
  override name = 'NoRunnerError';
  readonly failure = 'internal';
  constructor(readonly argv: string[]) {
    super(`no runner plugin executed \`${argv.join(' ')}\` (tap run.hooks.exec, e.g. with the host runner)`);
  }
}

/**
 * Paths of one task under the work dir (ids may contain '@': fine in file names). The scratch dir
 * is named by the run and the attempt in it, so no two attempts ever share one (a build a killed
 * run left running cannot write into a resumed run's dir). `pythonDir` (a run of several pythons:
 * two targets share the subdir) puts the python under it: `logs/linux-64/py3.14/numpy.log`.
 */
export function taskPaths(workDir: string, target: Target, id: string, runId: number, attempt: number, stage: StageName = 'build', pythonDir = false) {
  const python = `py${target.python}`;
  const leaf = `run-${runId}-${stage === 'build' ? 'attempt' : stage}-${attempt}`;
  // Builds keep `attempt` (dirs of earlier releases); other stages are named: run-R-test-N.
  if (plainDir(workDir) && plainName(target.subdir) && plainName(id) && (!pythonDir || plainName(python))) {
    // What join gives for these (a normalized dir, names without a separator or dots): the names
    // joined by the separator, without join's normalizing pass (~3 KB of garbage per task).
    const where = pythonDir ? `${target.subdir}${sep}${python}` : target.subdir;
    return {
      workDir: `${workDir}${sep}tasks${sep}${where}${sep}${id}${sep}${leaf}`,
      logFile: `${workDir}${sep}logs${sep}${where}${sep}${id}.log`,
      outputChannel: `${workDir}${sep}channel`,
    };
  }
  const where = pythonDir ? join(target.subdir, python) : target.subdir;
  return {
    workDir: join(workDir, 'tasks', where, id, leaf),
    logFile: join(workDir, 'logs', where, `${id}.log`),
    outputChannel: join(workDir, 'channel'),
  };
}

/** The last dir `plainDir` said yes to (a run asks about one work dir, per task). */
let lastPlainDir = '';
/** A dir that join leaves as it is: normalized, not the root, no trailing separator. */
function plainDir(dir: string): boolean {
  if (dir === lastPlainDir) return true;
  const ok = dir.length > 1 && normalize(dir) === dir && !dir.endsWith(sep) && !dir.endsWith('/');
  if (ok) lastPlainDir = dir;
  return ok;
}

/** A name join keeps as it is between two separators: not empty, no separator, not `.` or `..`. */
function plainName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\');
}

// Every line passes the redactor (a line may quote a plugin's error holding a secret).
const withNewline = (line: string) => (line.endsWith('\n') ? line : `${line}\n`);

export interface OpenedBuildTask<T extends TaskContext = BuildTask> {
  task: T;
  /** The log file's path (reading it here, unlike `task.logFile`, does not create the file). */
  logFile: string;
  /**
   * A line of the executor's own (attempt header, outcome): appended when the log file exists,
   * else kept and written first if it is ever created. A build that logs nothing leaves no file.
   */
  note(line: string): void;
  /** Close the log file (later `task.log` lines are appended by path, as before it was opened). */
  close(): void;
  /** Whether anything read `task.workDir` (so the scratch dir exists). */
  scratchMade(): boolean;
}

/**
 * The BuildTask of one attempt, for the executor. Nothing is created up front (on a busy disk a
 * file creation costs more than the rest of a no-op build):
 * - the log file (and its dir; `knownDirs`: log dirs already made in this run) is opened, in append
 *   mode, on the first `task.log` line or when a plugin reads `task.logFile` (a runner that appends
 *   to it by path then writes after the executor's header). The executor's own lines (`note`) wait
 *   until then. The log stays open until `close()`: each line is one synchronous write, so lines
 *   survive a crash and interleave in order with runner output.
 * - the scratch dir is made when a plugin first reads `task.workDir`.
 * Copying the task (`{ ...task }`) reads both.
 */
export function openBuildTask(
  run: Run,
  node: PackageNode,
  target: Target,
  ids: { runId: number; attempt: number },
  signal: AbortSignal | { readonly signal: AbortSignal },
  timeoutMs: number,
  knownDirs?: Set<string>,
): OpenedBuildTask {
  return openStageTask(run, node, target, { ...ids, stage: 'build' }, signal, timeoutMs, knownDirs) as OpenedBuildTask;
}

/**
 * The task of any stage (same log file for every stage of a package; a scratch dir per stage
 * attempt). `beforeExec` runs before each `task.exec` command (the executor's per-builder limits).
 */
export function openStageTask(
  run: Run,
  node: PackageNode,
  target: Target,
  { runId, attempt, stage }: { runId: number; attempt: number; stage: StageName },
  signal: AbortSignal | { readonly signal: AbortSignal },
  timeoutMs: number,
  knownDirs?: Set<string>,
  beforeExec?: () => Promise<void>,
): OpenedBuildTask<TaskContext> {
  const paths = taskPaths(run.config.workDir, target, node.id, runId, attempt, stage, run.targets.some((t) => t.python !== target.python));
  // The log's state, with methods rather than named closures (the CLI bundle and tsx compile with
  // esbuild's keepNames: each named closure made costs a defineProperty of its name, per task).
  const log = {
    fd: null as number | null,
    closed: false,
    /** Whether the log file was opened before close(). */
    logged: false,
    pending: [] as string[],
    write(text: string) {
      const bytes = Buffer.from(text);
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd!, bytes, off);
    },
    /** Create (or open) the log file and write the lines noted so far. */
    open() {
      if (this.fd !== null || this.closed) return;
      const logDir = dirname(paths.logFile);
      if (!knownDirs?.has(logDir)) {
        mkdirSync(logDir, { recursive: true });
        knownDirs?.add(logDir);
      }
      this.fd = openSync(paths.logFile, 'a');
      if (this.pending.length) this.write(this.pending.join(''));
      this.pending = [];
    },
  };
  /** Set when a plugin points `task.logFile` elsewhere: lines go there, by path. */
  let movedTo: string | null = null;
  let made = false;
  // Accessors, enumerable like plain fields (a copy `{ ...task }` reads them).
  const task: TaskContext = {
    id: node.id,
    node,
    target,
    stage,
    attempt,
    get workDir() {
      if (!made) {
        makeTaskDir(paths.workDir);
        made = true;
      }
      return paths.workDir;
    },
    set workDir(value: string) {
      Object.defineProperty(task, 'workDir', { value, enumerable: true, configurable: true, writable: true });
      made = true; // a plugin chose another dir: the executor cleans up what task.workDir names
    },
    outputChannel: paths.outputChannel,
    channels: [paths.outputChannel, ...run.config.channels.build],
    get logFile() {
      log.open();
      return paths.logFile;
    },
    set logFile(value: string) {
      movedTo = value;
      Object.defineProperty(task, 'logFile', {
        enumerable: true, configurable: true, get: () => movedTo, set: (v: string) => void (movedTo = v),
      });
    },
    log(line: string) {
      const text = redact(withNewline(line));
      if (movedTo !== null) return appendFileSync(movedTo, text);
      if (log.closed) {
        log.logged = true;
        return appendFileSync(paths.logFile, text);
      }
      log.open();
      log.write(text);
    },
    // The executor's TaskController makes its AbortSignal when first read (stage-runner.ts).
    get signal() {
      return signal instanceof AbortSignal ? signal : signal.signal;
    },
    timeoutMs,
    async exec(req) {
      if (beforeExec) await beforeExec();
      const result = await run.hooks.exec.promise({ ...req, task });
      if (!result) throw new NoRunnerError(req.argv);
      return result;
    },
  };
  return {
    task,
    logFile: paths.logFile,
    note(line) {
      const text = redact(withNewline(line));
      if (log.closed) {
        if (log.logged) appendFileSync(paths.logFile, text);
      } else if (log.fd === null) log.pending.push(text);
      else log.write(text);
    },
    close() {
      if (log.closed) return;
      log.closed = true;
      log.logged = log.fd !== null;
      if (log.fd !== null) closeSync(log.fd); // no I/O: cheaper than a thread-pool round trip
      log.fd = null;
    },
    scratchMade() {
      return made;
    },
  };
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * `<id>/run-R-attempt-N`, empty: two mkdir calls where a recursive mkdir makes three (it tries the
 * leaf first). A leaf that exists already (only if the state database was lost) is emptied: an
 * attempt starts from a fresh dir.
 */
function makeTaskDir(workDir: string): void {
  const make = (dir: string, fresh: boolean) => {
    try {
      mkdirSync(dir);
    } catch (err) {
      // ENOENT: `<id>/` went meanwhile (a killed attempt's dir being removed in the background).
      if (code(err) === 'ENOENT') return void mkdirSync(dir, { recursive: true });
      if (code(err) !== 'EEXIST') throw err;
      if (!fresh) return;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
  };
  try {
    make(dirname(workDir), false);
  } catch {
    mkdirSync(dirname(workDir), { recursive: true }); // `tasks/<subdir>` missing, or the error again
  }
  make(workDir, true);
}

/** Remove a task's scratch dir after success, then `<id>/` once no attempt dir is left in it. */
export async function removeTaskDir(workDir: string): Promise<void> {
  try {
    await rmdir(workDir); // the builder left it empty (one call, where rm would lstat first)
  } catch (err) {
    if (code(err) !== 'ENOENT') await rm(workDir, { recursive: true, force: true });
  }
  try {
    await rmdir(dirname(workDir));
  } catch {
    // Not empty: earlier failed attempts stay for inspection.
  }
}

const ATTEMPT_DIR = /^run-(\d+)-([a-z][a-z0-9_-]*?)-(\d+)$/;
/** `tasks/<subdir>/py<X.Y>/`: the python level of a run of several pythons (taskPaths' pythonDir). */
const PYTHON_DIR = /^py(\d+\.\d+)$/;

/**
 * The scratch dirs under `<workDir>/tasks` that no run needs, for a run that holds the lock and has
 * started no build yet: every attempt dir except those of attempts that failed or were interrupted
 * (kept for inspection; a run killed with SIGKILL is not an interruption). That covers the dirs of
 * attempts a killed run left building, and those of attempts that succeeded when the run was killed
 * before it removed them — the rule is on the files, whatever instant the kill came at. Empty `<id>/`
 * dirs are removed on the way.
 */
export function staleScratchDirs(workDir: string, db: StateDb): string[] {
  const stale: string[] = [];
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const tasks = join(workDir, 'tasks');
  const nodeDirs: { subdir: string; python: string | undefined; node: string; nodeDir: string }[] = [];
  for (const subdir of list(tasks)) {
    for (const node of list(join(tasks, subdir))) {
      const py = PYTHON_DIR.exec(node);
      if (!py) nodeDirs.push({ subdir, python: undefined, node, nodeDir: join(tasks, subdir, node) });
      else for (const n of list(join(tasks, subdir, node))) nodeDirs.push({ subdir, python: py[1], node: n, nodeDir: join(tasks, subdir, node, n) });
    }
  }
  for (const { subdir, python, node, nodeDir } of nodeDirs) {
    const attempts = list(nodeDir);
    if (!attempts.length) {
      try {
        rmdirSync(nodeDir);
      } catch {
        // not a dir, or filled meanwhile: left as it is
      }
      continue;
    }
    for (const name of attempts) {
      const m = ATTEMPT_DIR.exec(name);
      if (!m) continue; // not ours: left alone
      const a = db.attemptOf(subdir, node, Number(m[1]), Number(m[3]), m[2] === 'attempt' ? 'build' : m[2], python);
      const kept = a && (a.status === 'failed' || (a.status === 'interrupted' && a.reason !== KILLED_ATTEMPT_REASON));
      if (!kept) stale.push(join(nodeDir, name));
    }
  }
  return stale;
}
