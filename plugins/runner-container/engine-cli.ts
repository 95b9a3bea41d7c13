// Small podman/docker CLI calls the runner needs besides `run`: inspect, stop, kill, rm.
// Both engines accept the same syntax for these.
import { execFile } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the binary could not be spawned (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
}

export function cli(engine: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(engine, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && typeof e.code === 'string') resolve({ code: null, stdout, stderr, spawnError: e });
      else resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Whether the container never ran its command (`created`, or an error recorded by the engine); null if it does not exist. */
export async function neverStarted(engine: string, name: string): Promise<boolean | null> {
  const r = await cli(engine, ['container', 'inspect', '--format', '{{.State.Status}}|{{.State.Error}}', name]);
  if (r.code !== 0) return null;
  const [status, error] = r.stdout.trim().split('|');
  return status === 'created' || Boolean(error);
}

/** The image's own PATH from its config, or null when the image is not present locally. */
export async function imagePath(engine: string, image: string): Promise<string | null> {
  const r = await cli(engine, ['image', 'inspect', '--format', '{{json .Config.Env}}', image]);
  if (r.code !== 0) return null;
  try {
    const env = JSON.parse(r.stdout.trim()) as string[] | null;
    const path = env?.find((e) => e.startsWith('PATH='));
    return path ? path.slice('PATH='.length) : null;
  } catch {
    return null;
  }
}

/** SIGTERM, then SIGKILL after `seconds`; errors ignored (the container may be gone already). */
export async function stopContainer(engine: string, name: string, seconds: number): Promise<void> {
  await cli(engine, ['stop', '-t', String(seconds), name], (seconds + 30) * 1000);
}

/** Remove the container whatever its state; true when it is gone. */
export async function removeContainer(engine: string, name: string): Promise<boolean> {
  const r = await cli(engine, ['rm', '-f', name]);
  if (r.code === 0) return true;
  // "no such container" is the goal reached.
  return (await cli(engine, ['container', 'inspect', '--format', '{{.Id}}', name])).code !== 0;
}
