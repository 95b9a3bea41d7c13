// Read conda packages of both formats: stream their members, read info/ metadata, and extract
// (install) them into a prefix with conda's prefix-placeholder replacement.
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, link, lstat, mkdir, readdir, readFile, rename, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { DecompressStream } from 'zstd-napi';
import { bzip2Decompress } from './bzip2.ts';
import { packageFormat, packageStem, PackageFormatError, type IndexJson, type PathEntry, type PathsJson } from './package-types.ts';
import { replacePrefixBinary, replacePrefixText } from './prefix-placeholder.ts';
import { checkMemberName, readTar, type TarEntry } from './tar-io.ts';

export type EntryHandler = (entry: TarEntry, content: Readable) => Promise<void | false>;

async function condaMembers(path: string): Promise<{ zip: yauzl.ZipFile; info: yauzl.Entry; pkg: yauzl.Entry | null }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (err) {
    throw new PackageFormatError(`${path}: not a readable .conda (zip) file: ${(err as Error).message}`);
  }
  const entries: yauzl.Entry[] = await new Promise((resolve, reject) => {
    const out: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => (out.push(e), zip.readEntry()));
    zip.on('end', () => resolve(out));
    zip.on('error', reject);
    zip.readEntry();
  });
  const info = entries.find((e) => /^info-.*\.tar\.zst$/.test(e.fileName));
  const pkg = entries.find((e) => /^pkg-.*\.tar\.zst$/.test(e.fileName)) ?? null;
  if (!info) {
    zip.close();
    throw new PackageFormatError(`${path}: .conda file without an info-*.tar.zst member`);
  }
  return { zip, info, pkg };
}

/**
 * Stream every member of a package to `onEntry` (info/ members included, with their `info/` names).
 * With `infoOnly`, a .conda's pkg member is not read (a .tar.bz2 is read until `onEntry` returns false).
 */
export async function walkPackage(path: string, handler: EntryHandler, opts: { infoOnly?: boolean } = {}): Promise<void> {
  const format = packageFormat(path);
  // Errors of the handler (e.g. a full disk while extracting) pass through; read errors name the file.
  const own = new WeakSet<object>();
  const onEntry: EntryHandler = async (entry, content) => {
    try {
      return await handler(entry, content);
    } catch (err) {
      if (err && typeof err === 'object') own.add(err);
      throw err;
    }
  };
  try {
    if (format === 'tar.bz2') {
      await readTar(bzip2Decompress(createReadStream(path), path), onEntry);
      return;
    }
    const { zip, info, pkg } = await condaMembers(path);
    try {
      let stopped = false;
      for (const member of opts.infoOnly || !pkg ? [info] : [info, pkg]) {
        if (stopped) break;
        const raw = await zip.openReadStreamPromise(member);
        await readTar(raw.pipe(new DecompressStream()), async (entry, content) => {
          const r = await onEntry(entry, content);
          if (r === false) stopped = true;
          return r;
        });
      }
    } finally {
      zip.close();
    }
  } catch (err) {
    if (err instanceof PackageFormatError || own.has(err as object)) throw err;
    throw new PackageFormatError(`${path}: cannot read package: ${(err as Error).message}`);
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The named info/ files of a package (e.g. ['info/index.json', 'info/paths.json']), read in memory. */
export async function readPackageInfoFiles(path: string, names: string[]): Promise<Map<string, Buffer>> {
  const want = new Set(names);
  const found = new Map<string, Buffer>();
  await walkPackage(
    path,
    async (entry, content) => {
      if (entry.type === 'file' && want.has(entry.name)) found.set(entry.name, await readAll(content));
      return found.size === want.size ? false : undefined;
    },
    { infoOnly: true },
  );
  return found;
}

function parseJson<T>(path: string, member: string, data: Buffer | undefined): T {
  if (!data) throw new PackageFormatError(`${path}: no ${member} in package`);
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (err) {
    throw new PackageFormatError(`${path}: ${member} is not valid JSON: ${(err as Error).message}`);
  }
}

/** info/index.json of a .tar.bz2 or .conda package. */
export async function readPackageIndex(path: string): Promise<IndexJson> {
  const files = await readPackageInfoFiles(path, ['info/index.json']);
  return parseJson<IndexJson>(path, 'info/index.json', files.get('info/index.json'));
}

export interface ExtractOptions {
  /** For noarch: python packages: the python (major.minor) of the prefix, to place site-packages/ and python-scripts/. */
  pythonVersion?: string;
}

export interface ExtractedPackage {
  index: IndexJson;
  /** Installed paths, relative to the prefix. */
  files: string[];
}

/** Remove `dir` and its sub-folders when they hold no files (left behind by relocation). */
async function pruneEmptyDirs(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
  if (!entries) return;
  for (const e of entries) if (e.isDirectory()) await pruneEmptyDirs(join(dir, e.name));
  await rmdir(dir).catch(() => {}); // not empty: keep it
}

/** Placeholders to replace: from paths.json, else from the legacy info/has_prefix. */
function placeholders(paths: PathsJson | null, hasPrefix: string | null): PathEntry[] {
  if (paths) return paths.paths.filter((p) => p.prefix_placeholder);
  if (!hasPrefix) return [];
  return hasPrefix
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      // `<placeholder> <mode> <path>`, or just `<path>` for the old default placeholder in text mode.
      const parts = line.trim().split(/\s+/);
      if (parts.length === 1) return { _path: parts[0], path_type: 'hardlink', prefix_placeholder: '/opt/anaconda1anaconda2anaconda3', file_mode: 'text' };
      return { _path: parts.slice(2).join(' '), path_type: 'hardlink', prefix_placeholder: parts[0], file_mode: parts[1] as 'text' | 'binary' };
    });
}

/**
 * Install a package's files into `prefix` (info/ is not installed; a record goes to
 * conda-meta/<stem>.json), then replace prefix placeholders as conda does: text files get the
 * prefix, binary files the NUL-padded replacement. noarch: python packages are relocated into
 * lib/python<ver>/site-packages and bin when `pythonVersion` is given.
 */
export async function extractPackage(path: string, prefix: string, opts: ExtractOptions = {}): Promise<ExtractedPackage> {
  await mkdir(prefix, { recursive: true });
  const info = new Map<string, Buffer>();
  const installed: { member: string; dest: string }[] = [];
  const hardlinks: { dest: string; target: string }[] = [];
  // The info member comes first in a .conda; a .tar.bz2 may put it anywhere, so relocation of
  // noarch python files is applied after the walk (files go to a name we can move).
  await walkPackage(path, async (entry, content) => {
    checkMemberName(entry.name, path);
    if (entry.name === 'info' || entry.name.startsWith('info/')) {
      if (entry.type === 'file' && ['info/index.json', 'info/paths.json', 'info/has_prefix', 'info/link.json'].includes(entry.name)) {
        info.set(entry.name, await readAll(content));
      }
      return;
    }
    const dest = join(prefix, entry.name);
    if (entry.type === 'directory') {
      await mkdir(dest, { recursive: true });
      return;
    }
    await mkdir(dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    if (entry.type === 'symlink') await symlink(entry.linkname ?? '', dest);
    else if (entry.type === 'link') hardlinks.push({ dest, target: join(prefix, entry.linkname ?? '') });
    else if (entry.type === 'file') {
      await pipeline(content, createWriteStream(dest, { mode: entry.mode & 0o7777 }));
      await chmod(dest, entry.mode & 0o7777);
    } else return;
    installed.push({ member: entry.name, dest });
  });
  for (const h of hardlinks) await link(h.target, h.dest).catch(async () => writeFile(h.dest, await readFile(h.target)));

  const index = parseJson<IndexJson>(path, 'info/index.json', info.get('info/index.json'));
  const paths = info.has('info/paths.json') ? parseJson<PathsJson>(path, 'info/paths.json', info.get('info/paths.json')) : null;
  const relocate = (member: string): string => {
    if (index.noarch !== 'python' || !opts.pythonVersion) return member;
    if (member.startsWith('site-packages/')) return `lib/python${opts.pythonVersion}/${member}`;
    if (member.startsWith('python-scripts/')) return `bin/${member.slice('python-scripts/'.length)}`;
    return member;
  };
  const files: string[] = [];
  for (const f of installed) {
    const to = relocate(f.member);
    if (to !== f.member) {
      const dest = join(prefix, to);
      await mkdir(dirname(dest), { recursive: true });
      await rm(dest, { force: true });
      await rename(f.dest, dest);
    }
    files.push(to);
  }
  if (files.some((f, i) => f !== installed[i].member)) {
    for (const dir of ['site-packages', 'python-scripts']) await pruneEmptyDirs(join(prefix, dir));
  }
  for (const p of placeholders(paths, info.get('info/has_prefix')?.toString('utf8') ?? null)) {
    const file = join(prefix, relocate(p._path));
    const st = await lstat(file).catch(() => null);
    if (!st?.isFile()) continue;
    const data = await readFile(file);
    const patched =
      p.file_mode === 'binary'
        ? replacePrefixBinary(data, p.prefix_placeholder!, prefix)
        : replacePrefixText(data, p.prefix_placeholder!, prefix);
    if (patched !== data) await writeFile(file, patched, { mode: st.mode & 0o7777 });
  }
  const stem = packageStem(basename(path));
  await mkdir(join(prefix, 'conda-meta'), { recursive: true });
  await writeFile(
    join(prefix, 'conda-meta', `${stem}.json`),
    JSON.stringify({ ...index, fn: basename(path), files: files.sort() }, null, 2) + '\n',
  );
  return { index, files };
}
