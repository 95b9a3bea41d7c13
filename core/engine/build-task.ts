// The BuildTask handed to builders: where to work, where to write, what to resolve from, how to log
// and how to run a command (through the runner plugins on `run.hooks.exec`).
import { appendFileSync, mkdirSync } from 'node:fs';
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

export function createBuildTask(
  run: Run,
  node: PackageNode,
  target: Target,
  attempt: number,
  signal: AbortSignal,
  timeoutMs: number,
): BuildTask {
  const paths = taskPaths(run.config.workDir, target, node.id, attempt);
  mkdirSync(paths.workDir, { recursive: true });
  mkdirSync(dirname(paths.logFile), { recursive: true });
  const task: BuildTask = {
    id: node.id,
    node,
    target,
    attempt,
    workDir: paths.workDir,
    outputChannel: paths.outputChannel,
    channels: [paths.outputChannel, ...run.config.channels.build],
    logFile: paths.logFile,
    // Synchronous appends: log lines survive a crash and interleave in order with runner output.
    log: (line: string) => appendFileSync(task.logFile, line.endsWith('\n') ? line : `${line}\n`),
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
