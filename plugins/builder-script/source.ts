// Fetch a recipe's sources into SRC_DIR as conda-build does: `path:` is copied, `url:` is
// downloaded (http(s) or file://, trying each mirror), checked against sha256/md5, and unpacked
// with a single top-level folder stripped.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import type { SourceSpec } from '../../core/model/types.ts';
import { bzip2Decompress, xzDecompress } from '../../core/conda/bzip2.ts';
import { extractTar } from '../../core/conda/tar-io.ts';
import { ArchiveError, isSystemError, memberPath, SafeExtractor, UnsafeArchiveError } from '../../core/conda/safe-extract.ts';
import { ScriptBuildError } from './errors.ts';

export interface FetchContext {
  recipeDir: string;
  /** SRC_DIR. */
  srcDir: string;
  /** Where downloads are kept. */
  cacheDir: string;
  log(line: string): void;
  signal?: AbortSignal;
}

function fileNameOf(url: string): string {
  const name = decodeURIComponent(basename(new URL(url).pathname)) || 'source';
  // The name becomes a file in the download cache and in SRC_DIR: it must stay a plain name.
  if (name.includes('/') || name.includes('\0') || name === '..' || name === '.') {
    throw new ScriptBuildError(`source URL ${url}: file name '${name}' is not a plain file name`, 'build');
  }
  return name;
}

async function download(url: string, to: string, signal?: AbortSignal): Promise<void> {
  if (url.startsWith('file://')) {
    await pipeline(createReadStream(fileURLToPath(url)), createWriteStream(to));
    return;
  }
  if (!/^https?:\/\//.test(url)) throw new Error(`unsupported source URL scheme`);
  const res = await fetch(url, { signal, redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  await pipeline(Readable.fromWeb(res.body as any), createWriteStream(to));
}

async function digest(path: string, algo: 'sha256' | 'md5'): Promise<string> {
  const h = createHash(algo);
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

async function readSmall(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > limit) throw new UnsafeArchiveError(`${what} is longer than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Unix file type bits of a zip member (Info-ZIP keeps st_mode in the high half of the external attributes). */
const S_IFMT = 0o170000;

async function extractZip(file: string, dest: string, archive: string): Promise<void> {
  await SafeExtractor.within(dest, archive, async (out) => extractZipInto(file, out, archive));
}

async function extractZipInto(file: string, out: SafeExtractor, archive: string): Promise<void> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  try {
    await new Promise<void>((ok, fail) => {
      zip.on('error', fail);
      zip.on('end', () => ok());
      zip.on('entry', (entry: yauzl.Entry) => {
        (async () => {
          const rel = memberPath(entry.fileName, archive);
          const mode = (entry.externalFileAttributes >>> 16) & 0o177777;
          const type = mode & S_IFMT;
          if (entry.fileName.endsWith('/') || type === 0o040000) await out.directory(rel);
          else if (type === 0o120000) {
            const target = await readSmall(await zip.openReadStreamPromise(entry), 4096, `${archive}: symlink '${rel}'`);
            await out.symlink(rel, target.toString('utf8'));
          } else if (type === 0 || type === 0o100000) await out.file(rel, await zip.openReadStreamPromise(entry), mode & 0o777 || 0o644);
          else throw new UnsafeArchiveError(`${archive}: member '${rel}' is not a file, directory or symlink`);
        })().then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

const ARCHIVES: [RegExp, (file: string, dest: string, name: string) => Promise<void>][] = [
  [/\.(tar\.gz|tgz)$/, (file, dest, name) => {
    const gunzip = createGunzip();
    return extractTar(createReadStream(file).on('error', (err) => gunzip.destroy(err)).pipe(gunzip), dest, name);
  }],
  [/\.(tar\.bz2|tbz2?)$/, (file, dest, name) => extractTar(bzip2Decompress(createReadStream(file), name), dest, name)],
  [/\.(tar\.xz|txz)$/, (file, dest, name) => extractTar(xzDecompress(createReadStream(file), name), dest, name)],
  [/\.tar$/, (file, dest, name) => extractTar(createReadStream(file), dest, name)],
  [/\.zip$/, extractZip],
];

/**
 * Unpack an archive (by its file name) into `dest`; when the archive holds a single top-level
 * folder, its contents go to `dest` (as conda-build does). Anything else is copied as is. Every
 * member goes through one SafeExtractor (core/conda/safe-extract.ts): nothing is written, linked
 * or replaced outside `dest`; a refused or unreadable archive is an ArchiveError.
 */
export async function unpack(file: string, dest: string, name = basename(file)): Promise<void> {
  await SafeExtractor.within(dest, name, (out) => unpackInto(file, out, name));
}

async function unpackInto(file: string, out: SafeExtractor, name: string): Promise<void> {
  const lower = name.toLowerCase();
  const extract = ARCHIVES.find(([re]) => re.test(lower))?.[1];
  if (!extract) {
    await out.file(memberPath(name, name), createReadStream(file), (await stat(file)).mode);
    return;
  }
  const tmp = await mkdtemp(join(out.root, '.unpack-'));
  try {
    try {
      await extract(file, tmp, name);
    } catch (err) {
      if (err instanceof ArchiveError || (isSystemError(err) && (err as NodeJS.ErrnoException).path !== file)) throw err;
      throw new ArchiveError(`${name}: cannot unpack (truncated or corrupt archive: check the download): ${(err as Error).message}`, { cause: err });
    }
    const entries = await readdir(tmp, { withFileTypes: true });
    // A single real folder is stripped (a single symlink is a member like any other).
    const single = entries.length === 1 && entries[0].isDirectory();
    await out.mergeTree(single ? join(tmp, entries[0].name) : tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Fetch every source of a variant into `ctx.srcDir` (each into its `folder:` when given). */
export async function fetchSources(sources: SourceSpec[], ctx: FetchContext): Promise<void> {
  await mkdir(ctx.srcDir, { recursive: true });
  for (const [i, src] of sources.entries()) {
    const dest = src.folder ? join(ctx.srcDir, src.folder) : ctx.srcDir;
    if (src.folder && src.folder.split('/').includes('..')) {
      throw new ScriptBuildError(`source ${i}: folder '${src.folder}' leaves SRC_DIR`, 'build');
    }
    // The folder must be a real directory inside SRC_DIR (an earlier source may have put a symlink there).
    if (src.folder) await SafeExtractor.within(ctx.srcDir, `source ${i}`, (out) => out.directory(memberPath(src.folder!, `source ${i}`)));
    if (src.path !== undefined) {
      const from = resolve(ctx.recipeDir, src.path);
      ctx.log(`source: copy ${from} -> ${dest}`);
      const st = await stat(from).catch(() => null);
      if (!st) throw new ScriptBuildError(`source ${i}: path ${from} does not exist`, 'build');
      if (st.isDirectory()) await cp(from, dest, { recursive: true, verbatimSymlinks: true });
      else await unpack(from, dest);
      continue;
    }
    if (!src.url?.length) throw new ScriptBuildError(`source ${i}: neither url nor path is given`, 'build');
    await mkdir(ctx.cacheDir, { recursive: true });
    const errors: string[] = [];
    let fetched: { file: string; name: string } | null = null;
    for (const url of src.url) {
      const name = fileNameOf(url);
      const file = join(ctx.cacheDir, `${i}-${name}`);
      ctx.log(`source: download ${url}`);
      try {
        await download(url, file, ctx.signal);
      } catch (err) {
        errors.push(`${url}: ${(err as Error).message}`);
        await rm(file, { force: true });
        continue;
      }
      // A checksum mismatch is a recipe (or upstream) problem, not a mirror problem: fail at once.
      if (src.sha256) {
        const got = await digest(file, 'sha256');
        if (got !== src.sha256.toLowerCase()) {
          throw new ScriptBuildError(`source ${url}: sha256 mismatch: expected ${src.sha256}, got ${got}`, 'build');
        }
      } else if (src.md5) {
        const got = await digest(file, 'md5');
        if (got !== src.md5.toLowerCase()) throw new ScriptBuildError(`source ${url}: md5 mismatch: expected ${src.md5}, got ${got}`, 'build');
      }
      fetched = { file, name };
      break;
    }
    if (!fetched) throw new ScriptBuildError(`source ${i}: every URL failed: ${errors.join('; ')}`, 'network');
    ctx.log(`source: unpack ${fetched.name} -> ${dest}`);
    await unpack(fetched.file, dest, fetched.name);
  }
}
