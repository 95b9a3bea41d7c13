// One `rebuild run` per work dir: `<workDir>/rebuild.lock` holds the owner's PID, host and start
// time. It is written to a private temp file first and hard-linked into place, so the lock file
// is created exclusively (link fails with EEXIST like O_EXCL) and is never seen half-written.
// A lock whose PID is dead on this host is stale and taken over (with a message).
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'rebuild.lock';

/** Exit code of `rebuild run` when another run holds the work dir (EX_TEMPFAIL: try again later). */
export const LOCK_HELD_EXIT_CODE = 75;

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

export class LockHeldError extends Error {
  override name = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly holder: LockInfo,
  ) {
    super(
      `another rebuild run holds ${path} (pid ${holder.pid} on ${holder.host}, since ${holder.started}); ` +
        `wait for it to end${holder.host !== hostname() ? ', or remove the lock if that host no longer runs it' : ''}`,
    );
  }
}

export class LockFileError extends Error {
  override name = 'LockFileError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export interface WorkDirLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Remove the lock (only if it is still ours). Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  /** Told when a stale lock (dead PID) is taken over. */
  onStale?: (stale: LockInfo, path: string) => void;
}

/** True when `pid` is a live process (EPERM: alive, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's content, or null when there is no lock file. */
export function readLock(workDir: string): LockInfo | null {
  const path = join(workDir, LOCK_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const info = JSON.parse(text);
    if (typeof info.pid !== 'number' || typeof info.host !== 'string') throw new Error('missing pid/host');
    return { pid: info.pid, host: info.host, started: String(info.started ?? '?') };
  } catch (err) {
    throw new LockFileError(path, `not a rebuild lock file (${(err as Error).message}); remove it if no run is active`);
  }
}

/** The live holder of the work dir's lock, or null (no lock, or a stale one). */
export function lockHolder(workDir: string): LockInfo | null {
  const info = readLock(workDir);
  if (!info) return null;
  if (info.host === hostname() && !isAlive(info.pid)) return null;
  return info;
}

export function acquireLock(workDir: string, options: AcquireOptions = {}): WorkDirLock {
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const temp = join(workDir, `${LOCK_FILE}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(temp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readLock(workDir);
      if (!holder) continue; // released between our link and read: try again
      if (holder.host !== info.host || isAlive(holder.pid) || tries >= 3) throw new LockHeldError(path, holder);
      options.onStale?.(holder, path);
      // Remove the stale lock only if it is still the one we read (another taker may have won).
      const again = readLock(workDir);
      if (again && again.pid === holder.pid && again.started === holder.started) rmSync(path, { force: true });
    }
  } finally {
    unlinkSync(temp);
  }
  // Two takers of one stale lock: only the one whose content is in the file owns it.
  const owner = readLock(workDir);
  if (!owner || owner.pid !== info.pid || owner.started !== info.started) throw new LockHeldError(path, owner ?? info);
  let released = false;
  return {
    path,
    info,
    release() {
      if (released) return;
      released = true;
      try {
        const current = readLock(workDir);
        if (current && current.pid === info.pid && current.started === info.started) unlinkSync(path);
      } catch {
        // Already gone or replaced: nothing of ours to remove.
      }
    },
  };
}
