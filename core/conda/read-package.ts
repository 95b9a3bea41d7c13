// Read conda packages of both formats: stream their members, read info/ metadata, and extract
// (install) them into a prefix with conda's prefix-placeholder replacement.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { DecompressStream } from 'zstd-napi';
import { bzip2Decompress } from './bzip2.ts';
import { condaInfoMembers } from './conda-info-bytes.ts';
import { packageFormat, packageStem, PackageFormatError, type IndexJson, type PathEntry, type PathsJson } from './package-types.ts';
import { replacePrefixBinary, replacePrefixText } from './prefix-placeholder.ts';
import { ArchiveError, isSystemError, memberPath, SafeExtractor, UnsafeArchiveError } from './safe-extract.ts';
import { addTarEntry, readTar, type TarEntry } from './tar-io.ts';

export type EntryHandler = (entry: TarEntry, content: Readable) => Promise<void | false>;

async function condaMembers(path: string, data?: Buffer): Promise<{ zip: yauzl.ZipFile; info: yauzl.Entry; pkg: yauzl.Entry | null }> {
  let zip: yauzl.ZipFile;
  try {
    zip = data ? await yauzl.fromBufferPromise(data, { lazyEntries: true }) : await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
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
 * `data`: the file's bytes, already read (they are parsed instead of the file).
 */
export async function walkPackage(path: string, onEntry: EntryHandler, opts: { infoOnly?: boolean; data?: Buffer } = {}): Promise<void> {
  const format = packageFormat(path);
  try {
    if (format === 'tar.bz2') {
      await readTar(bzip2Decompress(opts.data ? Readable.from([opts.data]) : createReadStream(path), path), onEntry);
      return;
    }
    const { zip, info, pkg } = await condaMembers(path, opts.data);
    try {
      let stopped = false;
      for (const member of opts.infoOnly || !pkg ? [info] : [info, pkg]) {
        if (stopped) break;
        const raw = await zip.openReadStreamPromise(member);
        const tarStream = new DecompressStream();
        raw.on('error', (err) => tarStream.destroy(err)); // a truncated zip member fails the read, never stalls it
        await readTar(raw.pipe(tarStream), async (entry, content) => {
          const r = await onEntry(entry, content);
          if (r === false) stopped = true;
          return r;
        });
      }
    } finally {
      zip.close();
    }
  } catch (err) {
    // Refusals (ArchiveError) and the file system's own errors (a full disk while extracting) pass
    // through; anything else is the archive's bytes failing to decode: a PackageFormatError naming the file.
    if (err instanceof ArchiveError || isSystemError(err)) throw err;
    throw new PackageFormatError(`${path}: cannot read package (truncated or corrupt: fetch or build it again): ${(err as Error).message}`, { cause: err });
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

/**
 * The named info/ files a package has (missing ones are absent from the map), reading as little as
 * possible: a .conda's info member only; a .tar.bz2 until every name is found, or until the first
 * member outside info/ that follows info/index.json (conda-build and our writer put info/ first; an
 * archive with info/ elsewhere is read to its end).
 */
export async function readPackageMetadata(path: string, names: string[], opts: { data?: Buffer } = {}): Promise<Map<string, Buffer>> {
  const want = new Set(names);
  if (opts.data && packageFormat(path) === 'conda') {
    // A .conda in memory: read in place when its bytes are plain (conda-info-bytes.ts).
    const inPlace = condaInfoMembers(opts.data, want);
    if (inPlace) return inPlace;
  }
  const found = new Map<string, Buffer>();
  let sawIndex = false;
  await walkPackage(
    path,
    async (entry, content) => {
      if (!entry.name.startsWith('info/')) return sawIndex ? false : undefined;
      if (entry.name === 'info/index.json') sawIndex = true;
      if (entry.type === 'file' && want.has(entry.name)) found.set(entry.name, await readAll(content));
      return found.size === want.size ? false : undefined;
    },
    { infoOnly: true, data: opts.data },
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

/** Placeholders to replace: from paths.json, else from the legacy info/has_prefix. */
function placeholders(path: string, paths: PathsJson | null, hasPrefix: string | null): PathEntry[] {
  if (paths) {
    if (!Array.isArray(paths.paths) || paths.paths.some((p) => typeof p?._path !== 'string')) {
      throw new PackageFormatError(`${path}: info/paths.json has no list of paths with a _path each`);
    }
    return paths.paths.filter((p) => typeof p.prefix_placeholder === 'string' && p.prefix_placeholder);
  }
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
  return SafeExtractor.within(prefix, path, (out) => install(out, path, prefix, opts));
}

async function install(out: SafeExtractor, path: string, prefix: string, opts: ExtractOptions): Promise<ExtractedPackage> {
  const info = new Map<string, Buffer>();
  const installed: string[] = [];
  // The info member comes first in a .conda; a .tar.bz2 may put it anywhere, so relocation of
  // noarch python files is applied after the walk (files go to a name we can move).
  await walkPackage(path, async (entry, content) => {
    const name = memberPath(entry.name, path);
    if (name === 'info' || name.startsWith('info/')) {
      if (entry.type === 'file' && ['info/index.json', 'info/paths.json', 'info/has_prefix', 'info/link.json'].includes(name)) {
        info.set(name, await readAll(content));
      }
      return;
    }
    const rel = await addTarEntry(out, entry, content);
    if (rel !== null) installed.push(rel);
  });

  const index = parseJson<IndexJson>(path, 'info/index.json', info.get('info/index.json'));
  const paths = info.has('info/paths.json') ? parseJson<PathsJson>(path, 'info/paths.json', info.get('info/paths.json')) : null;
  const relocate = (member: string): string => {
    if (index.noarch !== 'python' || !opts.pythonVersion) return member;
    if (member.startsWith('site-packages/')) return `lib/python${opts.pythonVersion}/${member}`;
    if (member.startsWith('python-scripts/')) return `bin/${member.slice('python-scripts/'.length)}`;
    return member;
  };
  const files: string[] = [];
  for (const member of installed) {
    const to = relocate(member);
    if (to !== member) await out.move(member, to);
    files.push(to);
  }
  if (files.some((f, i) => f !== installed[i])) {
    for (const dir of ['site-packages', 'python-scripts']) await out.pruneEmptyDirs(dir);
  }
  // Replacement touches only regular files this package installed, opened without following links.
  for (const p of placeholders(path, paths, info.get('info/has_prefix')?.toString('utf8') ?? null)) {
    if (p._path.startsWith('/') || p._path.split('/').includes('..')) {
      throw new UnsafeArchiveError(`${path}: prefix replacement names '${p._path}', outside the prefix (info/paths.json or info/has_prefix)`);
    }
    const fh = await out.openOwnFile(relocate(memberPath(p._path, path)));
    if (!fh) continue;
    try {
      const data = await fh.readFile();
      const patched =
        p.file_mode === 'binary'
          ? replacePrefixBinary(data, p.prefix_placeholder!, prefix)
          : replacePrefixText(data, p.prefix_placeholder!, prefix);
      if (patched !== data) {
        await fh.write(patched, 0, patched.length, 0);
        await fh.truncate(patched.length);
      }
    } finally {
      await fh.close();
    }
  }
  const stem = packageStem(basename(path));
  await out.directory('conda-meta');
  await out.file(`conda-meta/${stem}.json`, Buffer.from(JSON.stringify({ ...index, fn: basename(path), files: files.sort() }, null, 2) + '\n'));
  return { index, files };
}
