// Write a file so that readers see the old content or the new one, never a half-written file.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
