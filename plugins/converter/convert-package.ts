// One package converted to another platform's subdir, as `conda convert` does for pure-Python
// packages: info/index.json gets the target's subdir, platform and arch; the layout moves between
// Unix (`lib/pythonX.Y/site-packages`, `bin/`) and Windows (`Lib/site-packages`, `Scripts/`);
// info/paths.json, info/files and info/has_prefix follow (paths, sha256, size). A Python entry point
// `bin/<name>` becomes `Scripts/<name>-script.py` (its `#!` line dropped) and `Scripts/<name>.bat`,
// a launcher that runs it with the environment's python.exe: conda-build puts a compiled
// `<name>.exe` there, which a conversion cannot make honestly (see README.md). A package the
// eligibility checks refuse is a NotConvertibleError listing why. Archives are read and written with
// the transmuter's readers and core/conda's writers: members sorted, info/ first, every mtime the
// package's timestamp: the same source gives the same bytes.
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempPathFor } from '../../core/conda/atomic-write.ts';
import { packageFormat, packageStem, PackageFormatError, subdirArchPlatform, type IndexJson, type PathEntry, type PathsJson } from '../../core/conda/package-types.ts';
import type { TarInput } from '../../core/conda/tar-io.ts';
import { stableJson, writeConda, writeTarBz2 } from '../../core/conda/write-package.ts';
import { packageMtime, readMembers, sortByName, tarInput, type Member } from '../transmuter/convert.ts';
import { contentProblems, isPythonScript, isWindows, pythonHeaderLines, renameBuild, type ContentFile } from './eligibility.ts';

export class NotConvertibleError extends Error {
  override name = 'NotConvertibleError';
  constructor(
    readonly source: string,
    readonly to: string,
    readonly reasons: string[],
  ) {
    super(`${basename(source)} cannot be converted to ${to}: ${reasons.join('; ')}`);
  }
}

export interface ConvertToOptions {
  /** Target subdir, e.g. `win-64`. */
  to: string;
  /** Dir the converted package is written to (`<channel>/<to>`). */
  outDir: string;
  /** python major.minor of the package (`lib/python<ver>/` on Unix). */
  python: string;
  windowsEntryPoints?: 'bat' | 'refuse';
  /** zstd level of a .conda's members (default 22, as `cph transmute`). */
  zstdLevel?: number;
  /**
   * Build strings on the target, when its rendering hashes the platform into them: `<name>-<version>-<source
   * build>` → target build. The package takes its own (default: the source's), and a requirement pinning
   * one of these exactly (a sibling output) names the target's.
   */
  builds?: ReadonlyMap<string, string>;
}

export interface ConvertedPackage {
  source: string;
  target: string;
  from: string;
  to: string;
  /** Entry points given a .bat launcher (Windows targets). */
  launchers: string[];
}

const text = (s: string) => Buffer.from(s.endsWith('\n') ? s : `${s}\n`);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A `.bat` that runs `Scripts/<name>-script.py` with the environment's python.exe (one level up). */
export function batLauncher(name: string): Buffer {
  return Buffer.from(`@echo off\r\n"%~dp0..\\python.exe" "%~dp0${name}-script.py" %*\r\n`);
}

/** Where a path of a `from` package goes on `to`; null for paths that the conversion rewrites itself (bin/ entry points). */
export function mapPath(path: string, from: string, to: string, python: string): string | null {
  const fromWin = isWindows(from);
  const toWin = isWindows(to);
  if (fromWin === toWin) return path;
  if (toWin) {
    const lib = `lib/python${python}/`;
    if (path.startsWith(lib)) return `Lib/${path.slice(lib.length)}`;
    if (path.startsWith('bin/')) return null;
    return path;
  }
  if (path.startsWith('Lib/')) return `lib/python${python}/${path.slice(4)}`;
  return path;
}

async function head(m: Member): Promise<Buffer> {
  if (m.data) return m.data.subarray(0, 8);
  const fh = await open(m.spill!, 'r');
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const content = async (m: Member): Promise<Buffer> => m.data ?? readFile(m.spill!);

function json<T>(source: string, members: Member[], name: string): T | null {
  const m = members.find((x) => x.name === name);
  if (!m?.data) return null;
  try {
    return JSON.parse(m.data.toString('utf8')) as T;
  } catch (err) {
    throw new PackageFormatError(`${source}: ${name} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Convert `source` (a .tar.bz2 or .conda of one platform) to `opts.to`, written as
 * `<outDir>/<name>-<version>-<build>.<same format>` (the source's build string unless `opts.builds` renames it).
 * Throws NotConvertibleError when the package may not be converted.
 */
export async function convertToPlatform(source: string, opts: ConvertToOptions): Promise<ConvertedPackage> {
  const spillDir = tempPathFor(join(opts.outDir, `${basename(source)}.spill`));
  try {
    const members = await readMembers(source, { spillDir, memoryLimit: 256 << 20 });
    const index = json<IndexJson>(source, members, 'info/index.json');
    if (!index) throw new PackageFormatError(`${source}: no info/index.json in package`);
    const builds = opts.builds ?? new Map<string, string>();
    const build = builds.get(`${index.name}-${index.version}-${index.build}`) ?? index.build;
    const pins = (specs: unknown) => (Array.isArray(specs) ? specs.map((spec: string) => renameBuild(spec, builds)) : specs);
    const target = join(opts.outDir, `${index.name}-${index.version}-${build}.${packageFormat(source)}`);
    const from = index.subdir;
    if (from === opts.to) throw new NotConvertibleError(source, opts.to, [`it is already a ${from} package`]);
    const pathsJson = json<PathsJson>(source, members, 'info/paths.json');
    const paths = Array.isArray(pathsJson?.paths) ? pathsJson!.paths : null;
    const files = members.filter((m) => !m.name.startsWith('info/'));
    const described: ContentFile[] = [];
    for (const m of files) {
      const first = m.type === 'file' ? await head(m) : undefined;
      const python = m.type === 'file' && m.name.startsWith('bin/') ? isPythonScript(await content(m)) : undefined;
      described.push({ name: m.name, type: m.type, head: first, python });
    }
    const problems = contentProblems(index, paths, described, { from, to: opts.to, windowsEntryPoints: opts.windowsEntryPoints ?? 'bat' });
    if (problems.length) throw new NotConvertibleError(source, opts.to, problems);

    const byPath = new Map(paths!.map((p) => [p._path, p]));
    const outMembers: TarInput[] = [];
    const outPaths: PathEntry[] = [];
    const launchers: string[] = [];
    const renamed = new Map<string, string>();
    for (const m of files) {
      const to = mapPath(m.name, from, opts.to, opts.python);
      if (to !== null) renamed.set(m.name, to);
    }
    for (const m of files) {
      const entry = byPath.get(m.name);
      const to = renamed.get(m.name);
      if (to !== undefined) {
        const input = tarInput(m);
        if (m.type === 'link') outMembers.push({ ...input, name: to, linkname: renamed.get(m.linkname!) ?? m.linkname! } as TarInput);
        else outMembers.push({ ...input, name: to } as TarInput);
        if (entry) outPaths.push({ ...entry, _path: to });
        continue;
      }
      // bin/<name> (a Python script, checked above) → Scripts/<name>-script.py + Scripts/<name>.bat.
      const name = m.name.slice('bin/'.length);
      const data = await content(m);
      // Without its interpreter header (the `#!` line, or pip's 3-line `#!/bin/sh` form).
      let start = 0;
      for (let n = pythonHeaderLines(data); n > 0; n--) {
        const newline = data.indexOf(0x0a, start);
        start = newline < 0 ? data.length : newline + 1;
      }
      const script = data.subarray(start);
      const scriptPath = `Scripts/${name}-script.py`;
      const bat = batLauncher(name);
      outMembers.push({ name: scriptPath, data: script, mode: 0o644 }, { name: `Scripts/${name}.bat`, data: bat, mode: 0o644 });
      const placeholder = entry?.prefix_placeholder;
      const scriptEntry: PathEntry = { _path: scriptPath, path_type: 'hardlink', sha256: sha256(script), size_in_bytes: script.length };
      // The `#!` line held the build prefix; the rest of the script may too.
      if (placeholder && script.includes(placeholder)) Object.assign(scriptEntry, { file_mode: entry!.file_mode, prefix_placeholder: placeholder });
      outPaths.push(scriptEntry, { _path: `Scripts/${name}.bat`, path_type: 'hardlink', sha256: sha256(bat), size_in_bytes: bat.length });
      launchers.push(name);
    }
    outPaths.sort((a, b) => (a._path < b._path ? -1 : a._path > b._path ? 1 : 0));

    const { arch, platform } = subdirArchPlatform(opts.to);
    const info = new Map<string, TarInput>();
    for (const m of members) if (m.name.startsWith('info/')) info.set(m.name, tarInput(m));
    info.set('info/index.json', { name: 'info/index.json', data: text(stableJson({ ...index, build, depends: pins(index.depends), ...(index.constrains ? { constrains: pins(index.constrains) } : {}), subdir: opts.to, arch, platform })) });
    info.set('info/paths.json', { name: 'info/paths.json', data: text(stableJson({ ...pathsJson, paths: outPaths })) });
    info.set('info/files', { name: 'info/files', data: text(outPaths.map((p) => p._path).join('\n')) });
    const withPrefix = outPaths.filter((p) => p.prefix_placeholder);
    if (withPrefix.length) {
      info.set('info/has_prefix', { name: 'info/has_prefix', data: text(withPrefix.map((p) => `${p.prefix_placeholder} ${p.file_mode} ${p._path}`).join('\n')) });
    } else info.delete('info/has_prefix');

    const mtime = packageMtime(source, members);
    const infoInputs = sortByName([...info.values()]);
    const pkgInputs = sortByName(outMembers);
    await mkdir(dirname(target), { recursive: true });
    if (packageFormat(target) === 'conda') await writeConda(infoInputs, pkgInputs, mtime, target, packageStem(basename(target)), opts.zstdLevel ?? 22);
    else await writeTarBz2([...infoInputs, ...pkgInputs], mtime, target);
    return { source, target, from, to: opts.to, launchers };
  } finally {
    await rm(spillDir, { recursive: true, force: true });
  }
}
