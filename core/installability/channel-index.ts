// One channel's index for one target subdir (the subdir and noarch), read once per matrix: its
// records by package name (to serve each solve only the records it can use, prune.ts) and a hash of
// its content (the cache key of every solve against it, cache.ts).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { channelDir, readRepodata, repodataRecords, type PackageRecord } from '../conda/repodata-read.ts';

export interface IndexedRecord {
  filename: string;
  record: PackageRecord;
}

export interface ChannelIndex {
  channel: string;
  /** sha256 of the subdir's and noarch's repodata as read (a changed index is another hash). */
  hash: string;
  /** subdir → package name → records (filename order). */
  byName: Map<string, Map<string, IndexedRecord[]>>;
}

/** The subdirs a solve for `subdir` reads: the subdir itself and noarch. */
export const subdirsOf = (subdir: string): string[] => (subdir === 'noarch' ? ['noarch'] : [subdir, 'noarch']);

/**
 * Read `channel` for `subdir` (+ noarch). A local channel dir that does not exist is an empty
 * channel when `missingOk` (the tested channel before anything passed); otherwise read errors pass.
 */
export async function loadChannelIndex(channel: string, subdir: string, opts: { missingOk?: boolean } = {}): Promise<ChannelIndex> {
  const dir = channelDir(channel);
  const hash = createHash('sha256');
  const byName = new Map<string, Map<string, IndexedRecord[]>>();
  for (const s of subdirsOf(subdir)) {
    const names = new Map<string, IndexedRecord[]>();
    byName.set(s, names);
    if (opts.missingOk && dir !== null && !existsSync(dir)) {
      hash.update(`${s}\0missing\0`);
      continue;
    }
    const repodata = await readRepodata(channel, s);
    hash.update(`${s}\0${JSON.stringify(repodata.packages)}\0${JSON.stringify(repodata['packages.conda'])}\0`);
    for (const r of repodataRecords(repodata)) {
      const list = names.get(r.record.name);
      if (list) list.push(r);
      else names.set(r.record.name, [r]);
    }
    for (const list of names.values()) list.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  }
  return { channel, hash: hash.digest('hex'), byName };
}
