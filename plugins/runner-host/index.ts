// rebuild:runner-host — runs build commands directly on this machine (the fallback runner when no
// container runner claims the command). Each command gets its own process group so a timeout or a
// cancel kills everything it started, not just the shell.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactFileFrom } from '../../core/config/redactor.ts';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';
import type { ExecRequest, ExecResult } from '../../core/model/types.ts';

export const PLUGIN_NAME = 'rebuild:runner-host';

export interface HostRunnerOptions {
  /** Time between SIGTERM and SIGKILL when a command is stopped (timeout or cancel). Default 5000 ms. */
  killGraceMs?: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    killGraceMs: { description: 'Milliseconds between SIGTERM and SIGKILL when a command is stopped (timeout or cancel).', type: 'number', minimum: 0 },
  },
} as const;

/** PATH used when the request's env has none (the parent's env is never inherited). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Run `req.argv` with exactly `req.env` (plus a default PATH), in `req.cwd`, appending stdout and
 * stderr to `req.task.logFile` as they are written; when it ends, any secret value it printed is
 * redacted from what it appended (core/config/redactor.ts). Stops the whole process group on timeout
 * (`req.timeoutMs`, else `req.task.timeoutMs`) or when `req.task.signal` aborts: SIGTERM, then SIGKILL after the grace
 * period. Processes the command leaves behind in its group are killed when it exits.
 */
export function runOnHost(req: ExecRequest, opts: HostRunnerOptions = {}): Promise<ExecResult> {
  const grace = opts.killGraceMs ?? 5000;
  const { task } = req;
  const timeoutMs = req.timeoutMs ?? task.timeoutMs;
  const base: ExecResult = { exitCode: null, signal: null, timedOut: false, cancelled: false, runner: PLUGIN_NAME };
  if (!req.argv.length) return Promise.reject(new Error(`${PLUGIN_NAME}: empty argv`));
  if (task.signal.aborted) return Promise.resolve({ ...base, cancelled: true });

  mkdirSync(dirname(task.logFile), { recursive: true });
  const fd = openSync(task.logFile, 'a');
  const logStart = fstatSync(fd).size;
  return new Promise<ExecResult>((resolve) => {
    let settled = false;
    let stopping: 'timedOut' | 'cancelled' | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    const env = { PATH: DEFAULT_PATH, ...req.env };
    const child = spawn(req.argv[0], req.argv.slice(1), {
      cwd: req.cwd,
      env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    // Recorded at once: if rebuild is killed now, the next run stops this group (the state says it is open).
    const untrack = child.pid !== undefined ? task.track?.({ kind: 'process-group', pgid: child.pid }) : undefined;
    const stop = (why: 'timedOut' | 'cancelled') => {
      if (stopping || settled || child.pid === undefined) return;
      stopping = why;
      writeSync(fd, `\n[${PLUGIN_NAME}] ${why === 'timedOut' ? `timed out after ${timeoutMs} ms` : 'cancelled'}: stopping process group ${child.pid}\n`);
      killGroup(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), grace);
    };
    const timer = timeoutMs > 0 ? setTimeout(() => stop('timedOut'), timeoutMs) : undefined;
    const onAbort = () => stop('cancelled');
    task.signal.addEventListener('abort', onAbort, { once: true });
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      task.signal.removeEventListener('abort', onAbort);
      // Whatever the command left running in its group goes with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      untrack?.();
      closeSync(fd);
      // The command wrote into the log directly (stdout and stderr in order): scrub any secret it printed.
      redactFileFrom(task.logFile, logStart);
      resolve(result);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      writeSync(fd, `\n[${PLUGIN_NAME}] cannot run ${req.argv[0]}: ${err.message}\n`);
      // 127/126: what a shell reports for a missing / non-executable command.
      finish({ ...base, exitCode: err.code === 'ENOENT' ? 127 : 126 });
    });
    child.on('exit', (code, signal) => {
      finish({
        ...base,
        exitCode: code,
        signal,
        timedOut: stopping === 'timedOut',
        cancelled: stopping === 'cancelled',
      });
    });
  });
}

export function hostRunner(options: HostRunnerOptions = {}): Plugin {
  validatePluginOptions<HostRunnerOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        run.hooks.exec.tapPromise({ name: PLUGIN_NAME, stage: STAGE.FALLBACK }, (req) => runOnHost(req, options));
      });
    },
  };
}
