// The metadata files inside a conda package (info/index.json, info/paths.json) and file-name helpers.
import type { Noarch, Subdir } from '../model/types.ts';
import { ArchiveError } from './safe-extract.ts';

export type PackageFormat = 'tar.bz2' | 'conda';

/**
 * info/index.json, as conda-build writes it (and a repodata record, `PackageRecord`, is one plus the
 * file's digests). `arch`/`platform` are null for noarch; tools other than conda-build may omit them.
 * `noarch` is absent (or null) for an arch package; very old packages of real channels carry
 * `noarch: true` (read as generic by conda), which this type does not describe.
 */
export interface IndexJson {
  name: string;
  version: string;
  build: string;
  build_number: number;
  depends: string[];
  constrains?: string[];
  subdir: string;
  arch?: string | null;
  platform?: string | null;
  noarch?: Noarch;
  license?: string;
  timestamp?: number;
  [key: string]: unknown;
}

export type PathType = 'hardlink' | 'softlink' | 'directory';
export type FileMode = 'text' | 'binary';

/** One entry of info/paths.json (paths_version 1). */
export interface PathEntry {
  _path: string;
  path_type: PathType;
  sha256?: string;
  size_in_bytes?: number;
  file_mode?: FileMode;
  prefix_placeholder?: string;
  no_link?: boolean;
}

export interface PathsJson {
  paths: PathEntry[];
  paths_version: 1;
}

/** A file that is not a readable conda package (bad input data: exit 65, a 'build' failure). */
export class PackageFormatError extends ArchiveError {
  override name = 'PackageFormatError';
}

/** `.tar.bz2` or `.conda`, from a file name; throws for anything else. */
export function packageFormat(filename: string): PackageFormat {
  if (filename.endsWith('.tar.bz2')) return 'tar.bz2';
  if (filename.endsWith('.conda')) return 'conda';
  throw new PackageFormatError(`${filename}: not a conda package (expected .tar.bz2 or .conda)`);
}

/** `numpy-1.26.4-py313h1_0.conda` → `numpy-1.26.4-py313h1_0`. */
export function packageStem(filename: string): string {
  const base = filename.slice(filename.lastIndexOf('/') + 1);
  return base.slice(0, base.length - (packageFormat(base) === 'tar.bz2' ? 8 : 6));
}

export function isPackageFile(filename: string): boolean {
  return filename.endsWith('.tar.bz2') || filename.endsWith('.conda');
}

const ARCH: Record<string, string> = {
  '64': 'x86_64',
  '32': 'x86',
  aarch64: 'aarch64',
  arm64: 'arm64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  armv7l: 'armv7l',
};

/** index.json's `arch` and `platform` for a subdir, as conda-build derives them (null for noarch). */
export function subdirArchPlatform(subdir: Subdir | string): { arch: string | null; platform: string | null } {
  if (subdir === 'noarch') return { arch: null, platform: null };
  const dash = subdir.indexOf('-');
  if (dash < 0) throw new PackageFormatError(`unknown subdir '${subdir}'`);
  const platform = subdir.slice(0, dash);
  const arch = ARCH[subdir.slice(dash + 1)];
  if (!arch) throw new PackageFormatError(`unknown subdir '${subdir}'`);
  return { arch, platform };
}
