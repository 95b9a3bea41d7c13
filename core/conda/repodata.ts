// repodata.json records, reading channels (dir, file:// or http(s) URL), and writing a channel index
// atomically, with a per-subdir cache so re-indexing thousands of packages only reads new files.
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subdir } from '../engine/types.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { digestFile } from './file-hash.ts';
import { isPackageFile } from './package-types.ts';
import { readPackageIndex } from './read-package.ts';

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

export class ChannelError extends Error {
  override name = 'ChannelError';
}

export function emptyRepodata(subdir: string): Repodata {
  return { info: { subdir }, packages: {}, 'packages.conda': {}, repodata_version: 1 };
}

/** A channel given as a dir path or file:// URL → its absolute dir; null for http(s) URLs. */
export function channelDir(channel: string): string | null {
  if (/^https?:\/\//i.test(channel)) return null;
  if (channel.startsWith('file://')) return fileURLToPath(channel);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(channel)) throw new ChannelError(`channel ${channel}: unsupported URL scheme`);
  return isAbsolute(channel) ? channel : resolve(channel);
}

function parseRepodata(text: string, where: string, subdir: string): Repodata {
  let data: Partial<Repodata>;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ChannelError(`${where}: invalid JSON: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ChannelError(`${where}: not a repodata object`);
  return {
    info: { subdir: data.info?.subdir ?? subdir },
    packages: data.packages ?? {},
    'packages.conda': data['packages.conda'] ?? {},
    repodata_version: data.repodata_version ?? 1,
  };
}

/**
 * Read `<channel>/<subdir>/repodata.json` from a local dir (path or file:// URL) or an http(s) URL.
 * A missing subdir gives an empty repodata; an unreachable channel or bad JSON throws with the URL.
 */
export async function readRepodata(channel: string, subdir: Subdir | string): Promise<Repodata> {
  const dir = channelDir(channel);
  if (dir !== null) {
    const file = join(dir, subdir, 'repodata.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ChannelError(`${file}: ${(err as Error).message}`);
      const st = await stat(dir).catch(() => null);
      if (!st?.isDirectory()) throw new ChannelError(`channel ${channel}: no such directory`);
      return emptyRepodata(subdir);
    }
    return parseRepodata(text, file, subdir);
  }
  const url = `${channel.replace(/\/+$/, '')}/${subdir}/repodata.json`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new ChannelError(`${url}: cannot fetch: ${cause?.message ?? (err as Error).message}`);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return emptyRepodata(subdir);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ChannelError(`${url}: HTTP ${res.status} ${res.statusText}`);
  }
  return parseRepodata(await res.text(), url, subdir);
}

/** Every record of a repodata (both package maps) with its file name. */
export function repodataRecords(repodata: Repodata): { filename: string; record: PackageRecord }[] {
  return [
    ...Object.entries(repodata.packages ?? {}),
    ...Object.entries(repodata['packages.conda'] ?? {}),
  ].map(([filename, record]) => ({ filename, record }));
}

// ---------------------------------------------------------------- indexing

/** Sidecar cache of records, keyed by file name, valid while size and mtime match. */
const CACHE_FILE = '.rebuild-index-cache.json';

interface CacheEntry {
  size: number;
  mtimeMs: number;
  record: PackageRecord;
}

async function readCache(subdirPath: string): Promise<Record<string, CacheEntry>> {
  try {
    const data = JSON.parse(await readFile(join(subdirPath, CACHE_FILE), 'utf8'));
    return data && data.version === 1 && typeof data.entries === 'object' ? data.entries : {};
  } catch {
    return {}; // a missing or damaged cache only costs a full re-read
  }
}

/** index.json fields that go into repodata (conda-index keeps the same set). */
const RECORD_KEYS = [
  'build', 'build_number', 'constrains', 'depends', 'features', 'license', 'license_family', 'name',
  'noarch', 'platform', 'arch', 'subdir', 'timestamp', 'track_features', 'version', 'python_site_packages_path',
];

async function recordFor(path: string, subdir: string): Promise<PackageRecord> {
  const index = await readPackageIndex(path);
  const record: PackageRecord = { name: '', version: '', build: '', build_number: 0, depends: [], subdir };
  for (const key of RECORD_KEYS) if (index[key] !== undefined) record[key] = index[key];
  record.depends = index.depends ?? [];
  if (!record.subdir) record.subdir = subdir;
  const { md5, sha256, size } = await digestFile(path);
  return { ...record, md5, sha256, size };
}

function sortedObject<T>(obj: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
}

async function indexSubdir(channel: string, subdir: string): Promise<void> {
  const dir = join(channel, subdir);
  await mkdir(dir, { recursive: true });
  const cache = await readCache(dir);
  const next: Record<string, CacheEntry> = {};
  const repodata = emptyRepodata(subdir);
  const names = (await readdir(dir)).filter((n) => isPackageFile(n) && !n.startsWith('.')).sort();
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path);
    if (!st.isFile()) continue;
    let entry = cache[name];
    if (!entry || entry.size !== st.size || entry.mtimeMs !== st.mtimeMs) {
      entry = { size: st.size, mtimeMs: st.mtimeMs, record: await recordFor(path, subdir) };
    }
    next[name] = entry;
    repodata[name.endsWith('.conda') ? 'packages.conda' : 'packages'][name] = entry.record;
  }
  repodata.packages = sortedObject(repodata.packages);
  repodata['packages.conda'] = sortedObject(repodata['packages.conda']);
  await writeFileAtomic(join(dir, 'repodata.json'), JSON.stringify({ ...repodata, removed: [] }, null, 1) + '\n');
  await writeFileAtomic(join(dir, CACHE_FILE), JSON.stringify({ version: 1, entries: next }));
}

/**
 * (Re)write `<channelDir>/<subdir>/repodata.json` (and noarch/, which conda, mamba and rattler
 * require) from the package files there, atomically. Without `subdirs`, every existing subdir
 * holding packages or a repodata.json is indexed.
 */
export async function indexChannel(channelDir: string, subdirs?: string[]): Promise<void> {
  const root = resolve(channelDir);
  let targets = subdirs;
  if (!targets) {
    const entries = await readdir(root, { withFileTypes: true }).catch((err) => {
      throw new ChannelError(`channel ${root}: ${(err as Error).message}`);
    });
    targets = [];
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const files = await readdir(join(root, e.name));
      if (files.includes('repodata.json') || files.some(isPackageFile)) targets.push(e.name);
    }
  }
  for (const subdir of new Set([...targets, 'noarch'])) {
    if (!subdir || subdir.includes('/') || subdir.startsWith('.')) throw new ChannelError(`invalid subdir '${subdir}'`);
    await indexSubdir(root, subdir);
  }
}
