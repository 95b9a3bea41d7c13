// Runs one ExecRequest in a container: streams its output to the task log as it arrives, stops it
// on timeout or cancel, tells an engine failure (start) from the command's own exit code, and
// always removes the container afterwards.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactFileFrom } from '../../core/config/redactor.ts';
import type { EnvironmentPolicy } from '../../core/config/environment.ts';
import type { ExecRequest, ExecResult } from '../../core/model/types.ts';
import { containerName, containerRunArgs, redactedCommand } from './container-args.ts';
import { imagePath, neverStarted, removeContainer, stopContainer } from './engine-cli.ts';
import { ContainerStartError } from './errors.ts';
import { PLUGIN_NAME, type ResolvedContainerRunnerOptions } from './options.ts';

const STDERR_TAIL = 4000;
const CLIENT_GRACE_MS = 5000;
// Exit codes docker and podman use for their own failures (125) and for a command that cannot be
// run (126) or found (127); the command itself may exit so too, so the container state decides.
const ENGINE_CODES = new Set([125, 126, 127]);

export interface ContainerRun {
  req: ExecRequest;
  image: string;
  options: ResolvedContainerRunnerOptions;
  /** Cache of each image's own PATH, shared by the runs of one plugin instance. */
  imagePaths: Map<string, Promise<string | null>>;
  /** The config's `environment` rule, applied to the request env with the runner's own envAllowlist. */
  policy?: EnvironmentPolicy;
}

export async function runContainer({ req, image, options, imagePaths, policy }: ContainerRun): Promise<ExecResult> {
  const { task } = req;
  const timeoutMs = req.timeoutMs ?? task.timeoutMs;
  const engine = options.engine;
  const base = { exitCode: null, signal: null, timedOut: false, cancelled: false, runner: PLUGIN_NAME };
  if (task.signal.aborted) return { ...base, cancelled: true };

  // Fail before starting anything when the log cannot be written.
  await mkdir(dirname(task.logFile), { recursive: true });
  await appendFile(task.logFile, '');
  const logStart = (await stat(task.logFile)).size;
  if (!imagePaths.has(image)) imagePaths.set(image, imagePath(engine, image));
  const name = containerName(task.id, task.target.subdir, randomBytes(4).toString('hex'));
  const { args, dropped } = containerRunArgs({
    req,
    options,
    image,
    name,
    imagePath: await imagePaths.get(image)!,
    policy,
    labels: { 'io.rebuild.task': task.id, 'io.rebuild.subdir': task.target.subdir, ...task.labels },
  });
  task.log(`[${PLUGIN_NAME}] ${redactedCommand(engine, args)}`);
  if (dropped.length) task.log(`[${PLUGIN_NAME}] env not passed into the container: ${dropped.join(' ')}`);
  if (req.network && !options.network) task.log(`[${PLUGIN_NAME}] the command asked for network; the runner option network is false: --network none`);

  const log = createWriteStream(task.logFile, { flags: 'a' });
  log.on('error', (err) => task.log(`[${PLUGIN_NAME}] log write failed: ${err.message}`));
  let stderrTail = '';
  let stopping: 'timeout' | 'cancel' | null = null;
  let stopped: Promise<void> | null = null;

  // Recorded before the container exists: if rebuild is killed from here on, the next run removes it.
  const untrack = task.track?.({ kind: 'container', engine, name });
  const child = spawn(engine, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.stderr.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-STDERR_TAIL)));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  const stop = (why: 'timeout' | 'cancel') => {
    if (stopping) return;
    stopping = why;
    task.log(`[${PLUGIN_NAME}] ${why === 'timeout' ? `timed out after ${timeoutMs} ms` : 'cancelled'}: stopping container ${name}`);
    stopped = (async () => {
      await stopContainer(engine, name, options.stopTimeoutSeconds);
      // The client normally exits with its container. If it does not (the container did not exist
      // yet when `stop` ran), kill it so it cannot create one; `rm -f` below removes any remains.
      const grace = new AbortController();
      await Promise.race([exited, sleep(CLIENT_GRACE_MS, undefined, { signal: grace.signal }).catch(() => {})]);
      grace.abort();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    })();
  };
  const timer = timeoutMs > 0 && Number.isFinite(timeoutMs) ? setTimeout(() => stop('timeout'), timeoutMs) : null;
  const onAbort = () => stop('cancel');
  task.signal.addEventListener('abort', onAbort, { once: true });

  try {
    const { code, signal, error } = await exited;
    if (error) {
      throw new ContainerStartError(
        error.code === 'ENOENT' ? `container engine '${engine}' not found (install podman or docker, or set the engine option)` : `cannot run container engine '${engine}': ${error.message}`,
        engine, null, '',
      );
    }
    if (stopping) return { ...base, exitCode: code, signal, timedOut: stopping === 'timeout', cancelled: stopping === 'cancel' };
    if (code !== null && ENGINE_CODES.has(code) && (await neverStarted(engine, name)) !== false) {
      const detail = stderrTail.trim().split('\n').slice(-3).join(' | ');
      throw new ContainerStartError(`container for ${task.id} (${task.target.subdir}) did not start with ${engine} (exit ${code}): ${detail || 'no message'}`, engine, code, stderrTail);
    }
    return { ...base, exitCode: code, signal };
  } finally {
    if (timer) clearTimeout(timer);
    task.signal.removeEventListener('abort', onAbort);
    await stopped;
    if (!(await removeContainer(engine, name))) task.log(`[${PLUGIN_NAME}] could not remove container ${name} (the next run tries again)`);
    else untrack?.();
    child.stdout.unpipe(log);
    child.stderr.unpipe(log);
    log.end();
    await finished(log).catch(() => {});
    // The container's output went into the log as it came: scrub any secret value it printed.
    redactFileFrom(task.logFile, logStart);
  }
}
