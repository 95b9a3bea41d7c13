// Write a file so that readers see the old content or the new one, never a half-written file.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isAlive } from '../state/lock.ts';

/** A temp name next to `path` (same filesystem, so rename is atomic); dot-prefixed so indexers skip it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The pid of the process that named a file by `tempPathFor` (its base name), or null for any other name. */
export function tempWriterPid(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** A writer of temp files (a pid from tempWriterPid) that no longer runs: its temp files are leftovers. */
export function writerGone(pid: number): boolean {
  return pid !== process.pid && !isAlive(pid);
}

/**
 * Remove the temp files (tempPathFor names) in `dir` whose writer is gone — a run killed mid-write
 * leaves them — and return their names (none for a missing dir). Temp files of live writers stay.
 * `listed`: the dir's names when the caller has just listed it (no second listing).
 */
export async function removeDeadTemps(dir: string, listed?: Iterable<string>): Promise<string[]> {
  let names: Iterable<string>;
  try {
    names = listed ?? (await readdir(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempWriterPid(name);
    if (pid === null || !writerGone(pid)) continue;
    await unlink(join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    removed.push(name);
  }
  return removed;
}

/** `data` as a string, a buffer, or buffers written one after the other (no concatenated copy). */
export async function writeFileAtomic(path: string, data: string | Buffer | readonly Buffer[]): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    if (Array.isArray(data)) {
      const fh = await open(tmp, 'w');
      try {
        // libuv writes every buffer (in IOV_MAX slices, retrying short writes).
        await fh.writev(data as Buffer[]);
      } finally {
        await fh.close();
      }
    } else {
      await writeFile(tmp, data as string | Buffer);
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The same, synchronously (for the caches, written at the end of a plan). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
