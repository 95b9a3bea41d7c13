// CONTRACT (to be implemented): repodata.json records, reading channels (dir or http(s) URL), and
// writing a channel index atomically.
import type { Subdir } from '../engine/types.ts';

export interface PackageRecord {
  name: string;
  version: string;
  build: string;
  build_number: number;
  depends: string[];
  constrains?: string[];
  subdir: string;
  noarch?: string | null;
  license?: string;
  timestamp?: number;
  md5?: string;
  sha256?: string;
  size?: number;
  [key: string]: unknown;
}

export interface Repodata {
  info: { subdir: string };
  packages: Record<string, PackageRecord>;
  'packages.conda': Record<string, PackageRecord>;
  repodata_version: number;
}

/**
 * Read `<channel>/<subdir>/repodata.json` from a local dir (path or file:// URL) or an http(s) URL.
 * A missing subdir gives an empty repodata; an unreachable channel or bad JSON throws with the URL.
 */
export function readRepodata(channel: string, subdir: Subdir | string): Promise<Repodata> {
  throw new Error('not implemented yet');
}

/** Every record of a repodata (both package maps) with its file name. */
export function repodataRecords(repodata: Repodata): { filename: string; record: PackageRecord }[] {
  throw new Error('not implemented yet');
}

/** (Re)write `<channelDir>/<subdir>/repodata.json` (and noarch/) from the package files there, atomically. */
export function indexChannel(channelDir: string, subdirs?: string[]): Promise<void> {
  throw new Error('not implemented yet');
}
