// Tar streams for package archives (tar-stream): deterministic packing, streamed reading.
import { createReadStream } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ArchiveError, isSystemError, memberPath, SafeExtractor, UnsafeArchiveError } from './safe-extract.ts';

/**
 * One tar member, stored as `name`: a file or symlink on disk (`path`), in-memory data, content
 * streamed from elsewhere (`open`, exactly `size` bytes), or a member with no content (`type`: a
 * symlink or hard link to `linkname`, or a directory) — the last two are what the transmuter
 * copies from one archive into another.
 */
export type TarInput =
  | { name: string; data: Buffer; mode?: number }
  | { name: string; path: string }
  | { name: string; open: () => Readable; size: number; mode: number }
  | { name: string; type: 'symlink' | 'link' | 'directory'; linkname?: string; mode: number };

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
      if ('type' in input) {
        await new Promise<void>((resolve, reject) =>
          pack.entry({ ...base, name: input.name, mode: input.mode, type: input.type, linkname: input.linkname }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
        continue;
      }
      if ('open' in input) {
        await new Promise<void>((resolve, reject) => {
          const w = pack.entry({ ...base, name: input.name, mode: input.mode, size: input.size, type: 'file' }, (err) => (err ? reject(err) : resolve()));
          pipeline(input.open(), w).catch(reject);
        });
        continue;
      }
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
  /** The tar header's own type (e.g. 'fifo', 'character-device' for type 'other'). */
  rawType: string;
  /** Header fields a reproducibility check compares (seconds since the epoch for mtime). */
  header?: { mtime: number | null; uid: number; gid: number; uname: string; gname: string };
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
      const entry: TarEntry = {
        name, type, mode: h.mode ?? 0o644, size: h.size ?? 0, linkname: h.linkname ?? null, rawType: h.type ?? 'unknown',
        header: { mtime: h.mtime ? Math.floor(h.mtime.getTime() / 1000) : null, uid: h.uid ?? 0, gid: h.gid ?? 0, uname: h.uname ?? '', gname: h.gname ?? '' },
      };
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

/**
 * Write one tar member through `out` (see safe-extract.ts); returns its clean path when a file or
 * link was made, null for a directory or the archive root. Devices, fifos and other types are refused.
 */
export async function addTarEntry(out: SafeExtractor, entry: TarEntry, content: Readable): Promise<string | null> {
  const rel = memberPath(entry.name, out.archive);
  if (entry.type === 'directory' || !rel) {
    if (entry.type !== 'directory') throw new UnsafeArchiveError(`${out.archive}: a ${entry.type} member has no name`);
    await out.directory(rel);
    return null;
  }
  if (entry.type === 'file') await out.file(rel, content, entry.mode);
  else if (entry.type === 'symlink') await out.symlink(rel, entry.linkname ?? '');
  else if (entry.type === 'link') await out.hardlink(rel, entry.linkname ?? '');
  else throw new UnsafeArchiveError(`${out.archive}: member '${rel}' is a ${entry.rawType}: only files, directories and links are extracted`);
  return rel;
}

/** Extract a tar stream into `dest` through a SafeExtractor; a stream that cannot be read is an ArchiveError. */
export async function extractTar(input: Readable, dest: string, archive: string): Promise<void> {
  // The stream may fail while the destination is being opened: keep that error for below.
  let early: unknown = null;
  const keep = (err: unknown) => void (early ??= err);
  input.on('error', keep);
  try {
    await SafeExtractor.within(dest, archive, async (out) => {
      input.off('error', keep);
      if (early) throw early;
      await readTar(input, async (entry, content) => {
        await addTarEntry(out, entry, content);
      });
    });
  } catch (err) {
    input.destroy();
    if (err instanceof ArchiveError || isSystemError(err)) throw err;
    throw new ArchiveError(`${archive}: cannot unpack (truncated or corrupt archive: check the download): ${(err as Error).message}`, { cause: err });
  }
}
