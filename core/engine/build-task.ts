// The BuildTask handed to builders: where to work, where to write, what to resolve from, how to log
// and how to run a command (through the runner plugins on `run.hooks.exec`).
import { appendFileSync, closeSync, mkdirSync, open as openFd, writeSync } from 'node:fs';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Run } from './run.ts';
import type { BuildTask, PackageNode, Target } from './types.ts';

export class NoRunnerError extends Error {
  override name = 'NoRunnerError';
  readonly failure = 'internal';
  constructor(readonly argv: string[]) {
    super(`no runner plugin executed \`${argv.join(' ')}\` (tap run.hooks.exec, e.g. with the host runner)`);
  }
}

/** Paths of one task under the work dir (ids may contain '@': fine in file names). */
export function taskPaths(workDir: string, target: Target, id: string, attempt: number) {
  return {
    workDir: join(workDir, 'tasks', target.subdir, id, `attempt-${attempt}`),
    logFile: join(workDir, 'logs', target.subdir, `${id}.log`),
    outputChannel: join(workDir, 'channel'),
  };
}

function makeTask(
  run: Run,
  node: PackageNode,
  target: Target,
  attempt: number,
  signal: AbortSignal,
  timeoutMs: number,
  paths: ReturnType<typeof taskPaths>,
  log: (task: BuildTask, text: string) => void,
): BuildTask {
  const task: BuildTask = {
    id: node.id,
    node,
    target,
    attempt,
    workDir: paths.workDir,
    outputChannel: paths.outputChannel,
    channels: [paths.outputChannel, ...run.config.channels.build],
    logFile: paths.logFile,
    log: (line: string) => log(task, line.endsWith('\n') ? line : `${line}\n`),
    signal,
    timeoutMs,
    async exec(req) {
      const result = await run.hooks.exec.promise({ ...req, task });
      if (!result) throw new NoRunnerError(req.argv);
      return result;
    },
  };
  return task;
}

export interface OpenedBuildTask {
  task: BuildTask;
  /** Close the log file (later `task.log` lines are appended by path, as before it was opened). */
  close(): void;
  /** Whether anything read `task.workDir` (so the scratch dir exists). */
  scratchMade(): boolean;
}

/**
 * The BuildTask of one attempt, for the executor: the log dir is made and the log file opened (append mode)
 * off the main thread (`knownDirs`: log dirs already made in this run, skipped). The log stays
 * open until `close()`: each line is still one synchronous write, so lines survive a crash and
 * interleave in order with runner output. The scratch dir is made when a plugin first reads
 * `task.workDir` (a builder that needs none costs no directory; copying the task, `{ ...task }`,
 * reads it too).
 */
export async function openBuildTask(
  run: Run,
  node: PackageNode,
  target: Target,
  attempt: number,
  signal: AbortSignal,
  timeoutMs: number,
  knownDirs?: Set<string>,
): Promise<OpenedBuildTask> {
  const paths = taskPaths(run.config.workDir, target, node.id, attempt);
  const logDir = dirname(paths.logFile);
  if (!knownDirs?.has(logDir)) {
    await mkdir(logDir, { recursive: true });
    knownDirs?.add(logDir);
  }
  const fd = await new Promise<number>((resolve, reject) => openFd(paths.logFile, 'a', (err, fd) => (err ? reject(err) : resolve(fd))));
  let open = true;
  const task = makeTask(run, node, target, attempt, signal, timeoutMs, paths, (t, text) => {
    if (!open || t.logFile !== paths.logFile) return appendFileSync(t.logFile, text);
    const bytes = Buffer.from(text);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
  });
  let made = false;
  Object.defineProperty(task, 'workDir', {
    enumerable: true,
    configurable: true,
    get() {
      if (!made) {
        makeTaskDir(paths.workDir);
        made = true;
      }
      return paths.workDir;
    },
    set(value: string) {
      Object.defineProperty(task, 'workDir', { value, enumerable: true, configurable: true, writable: true });
      made = true; // a plugin chose another dir: the executor cleans up what task.workDir names
    },
  });
  return {
    task,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd); // no I/O: cheaper than a thread-pool round trip
    },
    scratchMade: () => made,
  };
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** `<id>/attempt-N`: two mkdir calls where a recursive mkdir makes three (it tries the leaf first). */
function makeTaskDir(workDir: string): void {
  const make = (dir: string) => {
    try {
      mkdirSync(dir);
    } catch (err) {
      if (code(err) !== 'EEXIST') throw err;
    }
  };
  try {
    make(dirname(workDir));
    make(workDir);
  } catch {
    mkdirSync(workDir, { recursive: true }); // `tasks/<subdir>` missing, or the error again
  }
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
