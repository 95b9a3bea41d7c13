// Finds the package files a build tool wrote into its output folder (<output>/<subdir>/*.conda|*.tar.bz2,
// new or changed since a snapshot), hashes them, and copies them into the task's output channel
// atomically (temp file + rename), so a channel reader never sees half a package.
// Shared by the conda-build and rattler-build builders.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Artifact, Subdir } from '../../core/model/types.ts';

const PACKAGE_EXT = /\.(conda|tar\.bz2)$/;

/** A file name that is not `name-version-build.conda|.tar.bz2`. */
export class PackageFileNameError extends Error {
  override name = 'PackageFileNameError';
}

/** `name-version-build` from a package file name; the name may contain dashes, version and build cannot. */
export function parsePackageFileName(filename: string): { name: string; version: string; build: string } {
  const stem = filename.replace(PACKAGE_EXT, '');
  const parts = stem.split('-');
  if (stem === filename || parts.length < 3 || parts.some((p) => p === '')) {
    throw new PackageFileNameError(`not a conda package file name (name-version-build.conda|.tar.bz2): '${filename}'`);
  }
  const build = parts.pop()!;
  const version = parts.pop()!;
  return { name: parts.join('-'), version, build };
}

/** Package files of `<outputDir>/<subdir>/` for each subdir, keyed by relative path, with a size+mtime stamp. */
export async function snapshotPackages(outputDir: string, subdirs: readonly string[]): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (const subdir of subdirs) {
    const dir = join(outputDir, subdir);
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    for (const name of names.filter((n) => PACKAGE_EXT.test(n)).sort()) {
      const s = await stat(join(dir, name));
      if (s.isFile()) seen.set(`${subdir}/${name}`, `${s.size}:${s.mtimeMs}`);
    }
  }
  return seen;
}

/** Package files present now and absent from (or changed since) `before`. */
export async function newPackages(outputDir: string, subdirs: readonly string[], before: Map<string, string>): Promise<{ subdir: string; filename: string; path: string }[]> {
  const now = await snapshotPackages(outputDir, subdirs);
  return [...now]
    .filter(([rel, stamp]) => before.get(rel) !== stamp)
    .map(([rel]) => {
      const [subdir, filename] = rel.split('/');
      return { subdir, filename, path: join(outputDir, rel) };
    });
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Copy each package into `<channel>/<subdir>/` (temp + rename) and describe it as an Artifact there. */
export async function publishToChannel(files: { subdir: string; filename: string; path: string }[], channel: string): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const f of files) {
    const meta = parsePackageFileName(f.filename);
    const dir = join(channel, f.subdir);
    await mkdir(dir, { recursive: true });
    const dest = join(dir, f.filename);
    const tmp = join(dir, `.${f.filename}.${randomBytes(4).toString('hex')}.partial`);
    try {
      await copyFile(f.path, tmp);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const [sha256, { size }] = await Promise.all([sha256File(dest), stat(dest)]);
    artifacts.push({ path: dest, filename: f.filename, subdir: f.subdir as Subdir, ...meta, sha256, size });
  }
  return artifacts;
}
