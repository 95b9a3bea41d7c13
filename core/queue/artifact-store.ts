// The shared-folder artifact store: a worker puts the files its build wrote into
// `<store>/<jobId>/<subdir>/<filename>` and reports their sha256; the coordinator puts each into its
// output channel through a temp file, hashing its bytes, and refuses a file whose hash is not the one
// the worker reported (nothing of it reaches the channel). Both sides hard-link when the two places are
// on one filesystem (no bytes copied: the coordinator reads the file once, to hash it) and copy when
// they are not (EXDEV: NFS store, another disk). The folder is NFS or similar in production; on one
// machine any folder.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, link, mkdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Artifact } from '../model/types.ts';
import { BuildFailureError } from '../model/failure.ts';

/** An artifact as a job's result carries it: what it is, its hash, where the store holds it (relative to the store). */
export interface StoredArtifact extends Omit<Artifact, 'path'> {
  stored: string;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** A pass-through stream that hashes what it passes: `result()` once the stream has ended. */
export function hashingTap(): { tap: Transform; result(): { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { tap, result: () => ({ sha256: hash.digest('hex'), size }) };
}

/** Where the store keeps a job's file, relative to its root (the folder store and the upload endpoint alike). */
export const storedPath = (jobId: string, subdir: string, filename: string) => join(safe(jobId), subdir, basename(filename));

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * Hard-link `src` as `dest` (a temp name: one left by a killed process is replaced); false when the
 * filesystem cannot (another device, no hard links): the caller copies.
 */
export async function linkInstead(src: string, dest: string): Promise<boolean> {
  for (let tries = 0; ; tries++) {
    try {
      await link(src, dest);
      return true;
    } catch (err) {
      if (code(err) === 'EEXIST' && tries === 0) {
        await unlink(dest);
        continue;
      }
      if (code(err) === 'ENOENT') throw err;
      return false; // EXDEV, EPERM, EMLINK, ENOTSUP, …
    }
  }
}

/** The worker's side of a store: hand a build's hashed artifacts over, get back where the store holds them. */
export interface ArtifactSink {
  put(jobId: string, artifacts: Artifact[]): Promise<StoredArtifact[]>;
}

export class SharedFolderStore implements ArtifactSink {
  constructor(readonly root: string) {}

  /** Worker side: link (or copy) hashed artifacts into the store under the job's folder. */
  async put(jobId: string, artifacts: Artifact[]): Promise<StoredArtifact[]> {
    const out: StoredArtifact[] = [];
    for (const a of artifacts) {
      const stored = storedPath(jobId, a.subdir, a.filename || a.path);
      const dest = join(this.root, stored);
      await mkdir(dirname(dest), { recursive: true });
      const tmp = `${dest}.part`;
      if (!(await linkInstead(a.path, tmp))) await copyFile(a.path, tmp);
      await rename(tmp, dest);
      const { path: _path, ...rest } = a;
      out.push({ ...rest, stored });
    }
    return out;
  }

  /**
   * Coordinator side: link (or copy) a stored artifact to a temp file next to `dest`, verify the
   * sha256 of the temp file's bytes (read once, as they are copied), then rename it to `dest`.
   * A mismatch (or a missing file) throws a BuildFailureError and leaves nothing at `dest`.
   */
  async take(a: StoredArtifact, dest: string, from: string): Promise<void> {
    const src = join(this.root, a.stored);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(dirname(dest), `.${basename(dest)}.queue-${process.pid}`);
    const { tap, result } = hashingTap();
    try {
      if (await linkInstead(src, tmp)) await pipeline(createReadStream(tmp), tap);
      else await pipeline(createReadStream(src), tap, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw new BuildFailureError(`artifact ${a.filename} from ${from} is not in the artifact store (${src}): ${(err as Error).message}`, 'build');
    }
    const { sha256, size } = result();
    if (sha256 !== a.sha256 || size !== a.size) {
      await unlink(tmp);
      throw new BuildFailureError(
        `artifact ${a.filename} from ${from} refused: the store holds sha256 ${sha256} (${size} bytes), the worker reported ${a.sha256} (${a.size} bytes); nothing recorded`,
        'build',
      );
    }
    await rename(tmp, dest);
  }

  /** Whether every file of a result is (still) in the store. */
  async has(artifacts: StoredArtifact[]): Promise<boolean> {
    for (const a of artifacts) {
      try {
        await access(join(this.root, a.stored));
      } catch {
        return false;
      }
    }
    return true;
  }

  /**
   * Remove a job's folder once its files are in the channel: given them, its files and folders one by
   * one (no listing of each folder); anything else in it, or no list: the whole tree.
   */
  async drop(jobId: string, stored: readonly StoredArtifact[] = []): Promise<void> {
    const top = safe(jobId);
    if (stored.length) {
      try {
        for (const a of stored) await unlink(join(this.root, a.stored));
        for (const dir of new Set(stored.map((a) => dirname(a.stored)))) if (dir !== top) await rmdir(join(this.root, dir));
        await rmdir(join(this.root, top));
        return;
      } catch {
        // Not the layout storedPath() makes, or more in the folder: remove the tree.
      }
    }
    await rm(join(this.root, top), { recursive: true, force: true });
  }
}
