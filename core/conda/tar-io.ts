// Tar streams for package archives (tar-stream): deterministic packing, streamed reading.
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';

/** One tar member, stored as `name`: a file or symlink on disk (`path`), or in-memory data. */
export type TarInput = { name: string; data: Buffer; mode?: number } | { name: string; path: string };

export interface PackOptions {
  /** mtime of every entry: fixed so the same inputs give the same bytes. */
  mtime: Date;
}

/**
 * Pack inputs, in the order given, into an uncompressed tar stream. Owners are 0/0 with empty names;
 * file modes are kept (from disk or the input); directories are not stored (conda packages hold none).
 */
export function packTar(inputs: TarInput[], opts: PackOptions): Readable {
  const pack = tar.pack();
  const base = { mtime: opts.mtime, uid: 0, gid: 0, uname: '', gname: '' };
  (async () => {
    for (const input of inputs) {
      if ('data' in input) {
        await new Promise<void>((resolve, reject) =>
          pack.entry({ ...base, name: input.name, mode: input.mode ?? 0o644, type: 'file' }, input.data, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
        continue;
      }
      const path = input.path;
      const st = await lstat(path);
      if (st.isSymbolicLink()) {
        const linkname = await readlink(path);
        await new Promise<void>((resolve, reject) =>
          pack.entry({ ...base, name: input.name, mode: 0o777, type: 'symlink', linkname }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      } else if (st.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const w = pack.entry(
            { ...base, name: input.name, mode: st.mode & 0o7777, size: st.size, type: 'file' },
            (err) => (err ? reject(err) : resolve()),
          );
          pipeline(createReadStream(path), w).catch(reject);
        });
      } else {
        throw new Error(`${path}: not a regular file or symlink, cannot be packaged`);
      }
    }
    pack.finalize();
  })().catch((err) => pack.destroy(err));
  return pack as unknown as Readable;
}

export interface TarEntry {
  name: string;
  type: 'file' | 'symlink' | 'link' | 'directory' | 'other';
  mode: number;
  size: number;
  linkname: string | null;
}

/**
 * Read a tar stream entry by entry. `onEntry` gets each entry's header and content stream and must
 * consume the content (or resolve without reading it: it is then drained). Returning `false` stops
 * reading early.
 */
export async function readTar(
  input: Readable,
  onEntry: (entry: TarEntry, content: Readable) => Promise<void | false>,
): Promise<void> {
  const extract = tar.extract();
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const item of extract) {
      const h = item.header;
      const type =
        h.type === 'file' || h.type === 'contiguous-file'
          ? 'file'
          : h.type === 'symlink' || h.type === 'link' || h.type === 'directory'
            ? h.type
            : 'other';
      const name = h.name.replace(/^\.\//, '').replace(/\/$/, '');
      const entry: TarEntry = { name, type, mode: h.mode ?? 0o644, size: h.size ?? 0, linkname: h.linkname ?? null };
      const res = await onEntry(entry, item as unknown as Readable);
      if (res === false) {
        input.unpipe(extract as unknown as NodeJS.WritableStream);
        input.destroy();
        extract.destroy();
        return;
      }
      item.resume();
    }
  } catch (err) {
    input.destroy();
    throw err;
  }
}

export class UnsafeArchiveError extends Error {
  override name = 'UnsafeArchiveError';
}

/** Reject member names that would land outside the extraction dir. */
export function checkMemberName(name: string, archive: string): void {
  if (name.startsWith('/') || name.split('/').includes('..')) {
    throw new UnsafeArchiveError(`${archive}: member '${name}' would be written outside the destination`);
  }
}

/** Extract a tar stream into `dest` (files with their modes, dirs, symlinks, hard links). */
export async function extractTar(input: Readable, dest: string, archive: string): Promise<void> {
  const hardlinks: { path: string; target: string }[] = [];
  await mkdir(dest, { recursive: true });
  await readTar(input, async (entry, content) => {
    if (!entry.name) return;
    checkMemberName(entry.name, archive);
    const path = join(dest, entry.name);
    if (entry.type === 'directory') {
      await mkdir(path, { recursive: true });
      return;
    }
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true, recursive: true });
    if (entry.type === 'symlink') await symlink(entry.linkname ?? '', path);
    else if (entry.type === 'link') {
      checkMemberName(entry.linkname ?? '', archive);
      hardlinks.push({ path, target: join(dest, entry.linkname ?? '') });
    } else if (entry.type === 'file') {
      await pipeline(content, createWriteStream(path, { mode: entry.mode & 0o7777 }));
      await chmod(path, entry.mode & 0o7777);
    }
  });
  for (const h of hardlinks) await copyFile(h.target, h.path);
}
