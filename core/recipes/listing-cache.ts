// Directory listings validated by the directory's stat, so that planning again lists no directory
// that did not change (discovery lists two per feedstock, the render cache's key one more; a stat is
// ~10× cheaper than a listing). A listing is reused while the directory's inode, mtime and ctime
// are the same: creating, removing or renaming an entry changes both times (a file's own content
// does not, and is not part of a listing). A directory changed in the last few seconds is listed
// again every time (coarse timestamps: two changes within one tick keep the same stat), as is one
// that holds a symlink (its target may change without the directory changing).
// The listings live in this process and can be kept in a file of the work dir
// (`<workDir>/cache/listings.bin`, written under a temporary name and renamed into place); any
// entry of that file is only trusted after the same stat check, so a stale or foreign file costs
// listings, never a wrong one.
import { type BigIntStats, type Dirent, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';

/** An entry's kind, as readdir's file types say it (a symlink is not followed). */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';
export type DirListing = readonly (readonly [name: string, kind: EntryKind])[];

/** Where a work dir keeps the listings: `<workDir>/cache/listings.bin`. */
export const listingCacheFile = (workDir: string): string => join(workDir, 'cache', 'listings.bin');

interface Known {
  stamp: string;
  entries: DirListing;
}

const known = new Map<string, Known>();
let dirty = false;

/** What the listing cache did in this process (tests, bench). */
export const listingStats = { listed: 0, reused: 0 };

/** Changed more recently than this (ns): its stat may not show a second change yet. */
const RACY_NS = 3_000_000_000n;

/** Whether a file or dir changed too recently for its stat to stand for its content (the caches then look inside). */
export function isRacy(s: BigIntStats): boolean {
  const now = BigInt(Date.now()) * 1_000_000n;
  return now - s.mtimeNs < RACY_NS || now - s.ctimeNs < RACY_NS;
}

const kindOf = (e: Dirent): EntryKind => (e.isDirectory() ? 'dir' : e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other');

/** The entries of `dir` in readdir's order (throws as readdirSync does). */
export function listDir(dir: string): DirListing {
  const s = statSync(dir, { bigint: true });
  if (!s.isDirectory()) return readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, kindOf(e)] as const); // throws ENOTDIR
  const stamp = `${s.dev}:${s.ino}:${s.mtimeNs}:${s.ctimeNs}`;
  const hit = known.get(dir);
  if (hit && hit.stamp === stamp) {
    listingStats.reused++;
    return hit.entries;
  }
  listingStats.listed++;
  const entries = readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, kindOf(e)] as const);
  if (!isRacy(s) && !entries.some(([, kind]) => kind === 'symlink')) {
    known.set(dir, { stamp, entries });
    dirty = true;
  } else if (hit) {
    known.delete(dir);
    dirty = true;
  }
  return entries;
}

/** Add the listings kept in `file` (missing or unreadable: nothing); entries known here win. */
export function loadListings(file: string): void {
  let stored: unknown;
  try {
    stored = deserialize(readFileSync(file));
  } catch {
    return;
  }
  if (!(stored instanceof Map)) return;
  for (const [dir, entry] of stored as Map<unknown, Known>) {
    if (typeof dir !== 'string' || known.has(dir) || typeof entry?.stamp !== 'string' || !Array.isArray(entry.entries)) continue;
    known.set(dir, entry);
  }
}

/** Keep this process's listings in `file` when any was added or dropped since (a failed write only costs listings). */
export function saveListings(file: string): void {
  if (!dirty) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomicSync(file, serialize(known));
    dirty = false;
  } catch {
    // not written: the next plan lists again
  }
}

/** Forget every listing of this process (tests). */
export function forgetListings(): void {
  known.clear();
  dirty = false;
}
