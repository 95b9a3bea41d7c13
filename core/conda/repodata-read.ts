// Reading channels' repodata.json (dir, file:// or http(s) URL) and the record types. Split from
// repodata.ts (the channel index writer) so that readers such as `rebuild plan` do not load the
// writer's modules (package readers, the index thread, zstd); repodata.ts re-exports all of this.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subdir } from '../model/types.ts';
import type { IndexJson } from './package-types.ts';

/** A record of repodata.json: the package's info/index.json (`RECORD_KEYS` of it) plus its file's digests. */
export interface PackageRecord extends IndexJson {
  md5?: string;
  sha256?: string;
  size?: number;
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

/** What to do about a channel index that cannot be read. */
const REINDEX_HINT = 're-index the channel (e.g. conda index) or fix its path or URL';

function parseRepodata(text: string, where: string, subdir: string): Repodata {
  let data: Partial<Repodata>;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ChannelError(`${where}: invalid JSON: ${(err as Error).message}; ${REINDEX_HINT}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ChannelError(`${where}: not a repodata object; ${REINDEX_HINT}`);
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
