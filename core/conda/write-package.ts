// Write a conda package (.tar.bz2 and/or .conda) from files in a prefix, with the info/ metadata
// conda-build writes. Artifacts appear under their final name only when complete (temp + rename).
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { compress, CompressStream } from 'zstd-napi';
import { redact } from '../config/redactor.ts';
import type { Artifact, Noarch, Subdir } from '../model/types.ts';
import { tempPathFor } from './atomic-write.ts';
import { bzip2Compress } from './bzip2.ts';
import { sha256File } from './file-hash.ts';
import { replacePrefixText } from './prefix-placeholder.ts';
import {
  PackageFormatError,
  subdirArchPlatform,
  type FileMode,
  type IndexJson,
  type PackageFormat,
  type PathEntry,
  type PathsJson,
} from './package-types.ts';
import { packTar, type TarInput } from './tar-io.ts';

export interface PackageInfo {
  name: string;
  version: string;
  build: string;
  buildNumber: number;
  depends: string[];
  constrains?: string[];
  subdir: Subdir | string;
  noarch?: Noarch;
  license?: string;
  /**
   * Build time in ms since the epoch (index.json `timestamp`, and every tar entry's mtime). Never the
   * wall clock (same inputs, same bytes): the caller derives it from its inputs (the script builder:
   * SOURCE_DATE_EPOCH or the recipe's commit time). Default: DEFAULT_TIMESTAMP_MS.
   */
  timestamp?: number;
  /** info/about.json content. */
  about?: Record<string, unknown>;
  /** Recipe dir copied to info/recipe/. */
  recipeDir?: string | null;
  /** noarch: python entry points (`name = module:func`) for info/link.json. */
  entryPoints?: string[];
  /** info/run_exports.json (`weak`, `strong`, `noarch`, `weak_constrains`, `strong_constrains`); written when it has a key. */
  runExports?: Record<string, string[]>;
}

export interface WritePackageOptions {
  /** Dir the files are relative to. */
  prefix: string;
  /** Files (and symlinks) to package, relative to `prefix`, `/`-separated. */
  files: string[];
  info: PackageInfo;
  /** Dir the packages are written to (usually `<channel>/<subdir>`); created when missing. */
  outDir: string;
  /** Default: ['tar.bz2']. */
  formats?: PackageFormat[];
  /** The build-time prefix to detect in files (recorded as their prefix_placeholder). Default: `prefix`. */
  placeholder?: string;
  /**
   * What the package records and carries instead of `placeholder` (same length, so binaries keep
   * their offsets): a build prefix holds the work dir's path, which differs between work dirs and
   * attempts; a fixed placeholder keeps the bytes the same. Default: `placeholder` itself.
   */
  packagedPlaceholder?: string;
  /** zstd level of .conda members (conda-build's default is 19). */
  zstdLevel?: number;
}

export class WritePackageError extends Error {
  override name = 'WritePackageError';
}

/** 1980-01-01T00:00:00Z: the default package time, the earliest a zip (.conda) can record, as Nix's SOURCE_DATE_EPOCH. */
export const DEFAULT_TIMESTAMP_MS = 315_532_800_000;

/** Sorted keys, 2-space indent: what conda-build writes (json.dump(sort_keys=True, indent=2)). */
export function stableJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sortKeys(value), null, 2);
}

/** sha256, size, NUL presence and placeholder presence of a file, read as a stream. */
async function scanFile(path: string, placeholder: Buffer): Promise<{ sha256: string; size: number; mode: FileMode | null }> {
  const hash = createHash('sha256');
  let size = 0;
  let hasNul = false;
  let hasPrefix = false;
  let tail = Buffer.alloc(0);
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
    if (!hasNul && buf.indexOf(0) >= 0) hasNul = true;
    if (!hasPrefix) {
      // Keep the last bytes of the previous chunk so a placeholder split across chunks is found.
      const window = Buffer.concat([tail, buf]);
      if (window.indexOf(placeholder) >= 0) hasPrefix = true;
      tail = window.subarray(Math.max(0, window.length - placeholder.length + 1));
    }
  }
  return { sha256: hash.digest('hex'), size, mode: hasPrefix ? (hasNul ? 'binary' : 'text') : null };
}

function checkRelative(file: string): void {
  if (!file || file.startsWith('/') || file.split('/').some((p) => p === '..' || p === '' || p === '.')) {
    throw new WritePackageError(`package file '${file}' must be a clean path relative to the prefix`);
  }
  if (file === 'info' || file.startsWith('info/')) {
    throw new WritePackageError(`package file '${file}' is under info/, which holds metadata only`);
  }
}

async function pathEntry(prefix: string, file: string, placeholder: Buffer): Promise<PathEntry> {
  const path = join(prefix, file);
  let st;
  try {
    st = await lstat(path);
  } catch {
    throw new WritePackageError(`package file '${file}' does not exist in ${prefix}`);
  }
  if (st.isSymbolicLink()) {
    // As conda-build: the digest of what the link points to; a dangling link gets its target text's.
    const target = await stat(path).catch(() => null);
    if (target?.isFile()) {
      return { _path: file, path_type: 'softlink', sha256: await sha256File(path), size_in_bytes: target.size };
    }
    const text = Buffer.from(await readlink(path));
    return { _path: file, path_type: 'softlink', sha256: createHash('sha256').update(text).digest('hex'), size_in_bytes: text.length };
  }
  if (!st.isFile()) throw new WritePackageError(`package file '${file}' in ${prefix} is not a file or symlink`);
  const scan = await scanFile(path, placeholder);
  const entry: PathEntry = { _path: file, path_type: 'hardlink', sha256: scan.sha256, size_in_bytes: scan.size };
  if (scan.mode) {
    entry.file_mode = scan.mode;
    entry.prefix_placeholder = placeholder.toString();
  }
  return entry;
}

async function listDir(root: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(join(root, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listDir(root, rel)));
    else out.push(rel);
  }
  return out;
}

export function indexJson(info: PackageInfo): IndexJson {
  const { arch, platform } = subdirArchPlatform(info.subdir);
  const index: IndexJson = {
    arch,
    build: info.build,
    build_number: info.buildNumber,
    depends: [...info.depends],
    name: info.name,
    platform,
    subdir: info.subdir,
    timestamp: info.timestamp ?? DEFAULT_TIMESTAMP_MS,
    version: info.version,
  };
  if (info.constrains?.length) index.constrains = [...info.constrains];
  if (info.license) index.license = info.license;
  if (info.noarch) index.noarch = info.noarch;
  return index;
}

async function infoInputs(opts: WritePackageOptions, paths: PathEntry[], timestamp: number): Promise<TarInput[]> {
  const { info } = opts;
  const text = (s: string) => Buffer.from(s.endsWith('\n') || !s ? s : `${s}\n`);
  // Metadata quotes the rendered recipe (about: may hold what a recipe read from the environment):
  // it passes the redactor like every string we write.
  const files: TarInput[] = [
    { name: 'info/index.json', data: text(redact(stableJson(indexJson({ ...info, timestamp })))) },
    { name: 'info/paths.json', data: text(stableJson({ paths, paths_version: 1 } satisfies PathsJson)) },
    { name: 'info/files', data: text(paths.map((p) => p._path).join('\n')) },
    { name: 'info/about.json', data: text(redact(stableJson(info.about ?? {}))) },
  ];
  const withPrefix = paths.filter((p) => p.prefix_placeholder);
  if (withPrefix.length) {
    // Legacy list conda still reads when paths.json is absent: `<placeholder> <mode> <path>`.
    files.push({
      name: 'info/has_prefix',
      data: text(withPrefix.map((p) => `${p.prefix_placeholder} ${p.file_mode} ${p._path}`).join('\n')),
    });
  }
  if (info.runExports && Object.keys(info.runExports).length) {
    files.push({ name: 'info/run_exports.json', data: text(stableJson(info.runExports)) });
  }
  if (info.noarch === 'python') {
    const noarch: Record<string, unknown> = { type: 'python' };
    if (info.entryPoints?.length) noarch.entry_points = info.entryPoints;
    files.push({ name: 'info/link.json', data: text(stableJson({ noarch, package_metadata_version: 1 })) });
  }
  if (info.recipeDir) {
    for (const rel of (await listDir(info.recipeDir)).sort()) {
      files.push({ name: `info/recipe/${rel}`, path: join(info.recipeDir, rel) });
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A .tar.bz2 of `inputs` (in the order given) at `target`, renamed into place when complete. */
export async function writeTarBz2(inputs: TarInput[], mtime: Date, target: string): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await pipeline(bzip2Compress(packTar(inputs, { mtime })), createWriteStream(tmp));
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

// yazl's addBuffer writes sizes in the local headers (no data descriptors), which streaming zip
// readers need for STORED entries; members beyond this size are streamed instead.
const BUFFER_LIMIT = 1 << 30;

// Below this size a member's tar is compressed in one call, with its size known: zstd then sizes
// its window and tables to the input (a streamed level-22 frame of unknown size reserves ~1 GB).
const ONE_SHOT_LIMIT = 512 << 20;

/** The tar of `inputs`, zstd-compressed (with a checksum) to `target`. */
async function zstdTar(inputs: TarInput[], mtime: Date, level: number, target: string): Promise<void> {
  const tar = tempPathFor(`${target}.tar`);
  try {
    await pipeline(packTar(inputs, { mtime }), createWriteStream(tar));
    const { size } = await stat(tar);
    const params = { compressionLevel: level, checksumFlag: true };
    if (size < ONE_SHOT_LIMIT) await writeFile(target, compress(await readFile(tar), params));
    else await pipeline(createReadStream(tar), new CompressStream(params), createWriteStream(target));
  } finally {
    await rm(tar, { force: true });
  }
}

/** A .conda of the info/ and package members (each in the order given) at `target`, renamed into place when complete. */
export async function writeConda(
  info: TarInput[],
  pkg: TarInput[],
  mtime: Date,
  target: string,
  stem: string,
  level: number,
): Promise<void> {
  const tmpPkg = tempPathFor(`${target}.pkg`);
  const tmpInfo = tempPathFor(`${target}.info`);
  const tmp = tempPathFor(target);
  try {
    await zstdTar(pkg, mtime, level, tmpPkg);
    await zstdTar(info, mtime, level, tmpInfo);
    const zip = new yazl.ZipFile();
    const opts = { mtime: new Date(Math.max(mtime.getTime(), DEFAULT_TIMESTAMP_MS)), compress: false, mode: 0o100644 };
    zip.addBuffer(Buffer.from(JSON.stringify({ conda_pkg_format_version: 2 })), 'metadata.json', opts);
    for (const [file, name] of [
      [tmpPkg, `pkg-${stem}.tar.zst`],
      [tmpInfo, `info-${stem}.tar.zst`],
    ]) {
      const { size } = await stat(file);
      if (size < BUFFER_LIMIT) zip.addBuffer(await readFile(file), name, opts);
      else zip.addReadStream(createReadStream(file), name, { ...opts, size });
    }
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(tmp));
    await rename(tmp, target);
  } finally {
    await Promise.all([tmpPkg, tmpInfo, tmp].map((f) => rm(f, { force: true })));
  }
}

/** Write the package in each format to `outDir`; returns one Artifact per format. */
export async function writeCondaPackage(opts: WritePackageOptions): Promise<Artifact[]> {
  const { info, prefix } = opts;
  const formats = opts.formats ?? ['tar.bz2'];
  if (!formats.length) throw new WritePackageError('no package format requested');
  for (const f of formats) if (f !== 'tar.bz2' && f !== 'conda') throw new PackageFormatError(`unknown package format '${f}'`);
  for (const field of ['name', 'version', 'build'] as const) {
    if (!info[field] || /[\s/]/.test(info[field])) throw new WritePackageError(`package ${field} '${info[field]}' is empty or has a space or slash`);
  }
  const files = [...new Set(opts.files.map((f) => f.split(sep).join('/')))].sort();
  files.forEach(checkRelative);
  const placeholder = Buffer.from(opts.placeholder ?? prefix);
  const packaged = Buffer.from(opts.packagedPlaceholder ?? placeholder.toString());
  if (packaged.length !== placeholder.length) {
    throw new WritePackageError(`packaged placeholder '${packaged}' is ${packaged.length} bytes, the build prefix ${placeholder.length}: they must be as long`);
  }
  const paths: PathEntry[] = [];
  // Files holding the build prefix are packed with the packaged placeholder in its place.
  const rewritten = new Map<string, Buffer>();
  for (const file of files) {
    const entry = await pathEntry(prefix, file, placeholder);
    if (entry.prefix_placeholder && !packaged.equals(placeholder)) {
      const data = replacePrefixText(await readFile(join(prefix, file)), placeholder.toString(), packaged.toString());
      rewritten.set(file, data);
      Object.assign(entry, { sha256: createHash('sha256').update(data).digest('hex'), size_in_bytes: data.length, prefix_placeholder: packaged.toString() });
    }
    paths.push(entry);
  }

  // Tar mtimes have one-second resolution: use the package timestamp so a rebuild of the same
  // inputs with the same timestamp gives the same bytes.
  const timestamp = info.timestamp ?? DEFAULT_TIMESTAMP_MS;
  const mtime = new Date(Math.floor(timestamp / 1000) * 1000);
  const infoFiles = await infoInputs(opts, paths, timestamp);
  const pkgFiles: TarInput[] = await Promise.all(
    files.map(async (f) => {
      const data = rewritten.get(f);
      return data ? { name: f, data, mode: (await stat(join(prefix, f))).mode & 0o7777 } : { name: f, path: join(prefix, f) };
    }),
  );

  await mkdir(opts.outDir, { recursive: true });
  const stem = `${info.name}-${info.version}-${info.build}`;
  const artifacts: Artifact[] = [];
  for (const format of formats) {
    const filename = `${stem}.${format}`;
    const target = join(opts.outDir, filename);
    if (format === 'tar.bz2') await writeTarBz2([...infoFiles, ...pkgFiles], mtime, target);
    else await writeConda(infoFiles, pkgFiles, mtime, target, stem, opts.zstdLevel ?? 19);
    artifacts.push({
      path: target,
      filename,
      subdir: info.subdir as Subdir,
      name: info.name,
      version: info.version,
      build: info.build,
      sha256: await sha256File(target),
      size: (await stat(target)).size,
    });
  }
  return artifacts;
}

/** Relative `/`-separated paths of every file and symlink under `root` (directories excluded). */
export async function listFiles(root: string): Promise<string[]> {
  return (await listDir(root)).sort();
}
