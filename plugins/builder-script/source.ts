// Fetch a recipe's sources into SRC_DIR as conda-build does: `path:` is copied, `url:` is
// downloaded (http(s) or file://, trying each mirror), checked against sha256/md5, and unpacked
// with a single top-level folder stripped.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import type { SourceSpec } from '../../core/engine/types.ts';
import { bzip2Decompress, xzDecompress } from '../../core/conda/bzip2.ts';
import { checkMemberName, extractTar } from '../../core/conda/tar-io.ts';
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
  const name = basename(new URL(url).pathname);
  return decodeURIComponent(name) || 'source';
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

async function extractZip(file: string, dest: string): Promise<void> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  try {
    await new Promise<void>((ok, fail) => {
      zip.on('error', fail);
      zip.on('end', () => ok());
      zip.on('entry', (entry: yauzl.Entry) => {
        (async () => {
          checkMemberName(entry.fileName, file);
          const path = join(dest, entry.fileName);
          if (entry.fileName.endsWith('/')) await mkdir(path, { recursive: true });
          else {
            await mkdir(join(path, '..'), { recursive: true });
            const mode = (entry.externalFileAttributes >>> 16) & 0o777;
            await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(path, { mode: mode || 0o644 }));
          }
        })().then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

async function moveInto(from: string, dest: string): Promise<void> {
  for (const e of await readdir(from)) {
    try {
      await rename(join(from, e), join(dest, e));
    } catch {
      // Merging into an existing folder (several sources, one SRC_DIR): copy over it.
      await cp(join(from, e), join(dest, e), { recursive: true, force: true, verbatimSymlinks: true });
    }
  }
}

/**
 * Unpack an archive (by its file name) into `dest`; when the archive holds a single top-level
 * folder, its contents go to `dest` (as conda-build does). Anything else is copied as is.
 */
export async function unpack(file: string, dest: string, name = basename(file)): Promise<void> {
  await mkdir(dest, { recursive: true });
  const lower = name.toLowerCase();
  const tmp = await mkdtemp(join(dest, '.unpack-'));
  try {
    if (/\.(tar\.gz|tgz)$/.test(lower)) await extractTar(createReadStream(file).pipe(createGunzip()), tmp, name);
    else if (/\.(tar\.bz2|tbz2?)$/.test(lower)) await extractTar(bzip2Decompress(createReadStream(file), name), tmp, name);
    else if (/\.(tar\.xz|txz)$/.test(lower)) await extractTar(xzDecompress(createReadStream(file), name), tmp, name);
    else if (lower.endsWith('.tar')) await extractTar(createReadStream(file), tmp, name);
    else if (lower.endsWith('.zip')) await extractZip(file, tmp);
    else {
      await cp(file, join(dest, name));
      return;
    }
    const entries = await readdir(tmp);
    const single = entries.length === 1 && (await stat(join(tmp, entries[0]))).isDirectory();
    await moveInto(single ? join(tmp, entries[0]) : tmp, dest);
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
