// Directory listings validated by the directory's stat, so that planning again lists no directory
// that did not change (discovery lists two per feedstock, the render cache's key one more; a stat is
// ~10× cheaper than a listing). A listing is reused while the directory's inode, mtime and ctime
// are the same: creating, removing or renaming an entry changes both times (a file's own content
// does not, and is not part of a listing). A directory changed in the last few seconds is listed
// again every time (coarse timestamps: two changes within one tick keep the same stat), as is one
// that holds a symlink (its target may change without the directory changing).
// The listings live in this process and can be kept in a file of the work dir
// (`<workDir>/cache/listings.bin`: flat JSON, ~10x cheaper to read than v8-serialized listings;
// written under a temporary name and renamed into place); any entry of that file is only trusted
// after the same stat check, so a stale or foreign file costs listings, never a wrong one.
// Within one plan a directory is stat'ed once: `listDirChecked` takes a listing checked since the
// plan began (`newListingGeneration`, at most CHECK_REUSE_MS ago) as it is. The plan then reads the
// directory as it was at that check (a file added since is not seen, as if added after the plan);
// the render cache stores a rendering only when its key, made again after the render, is the same.
import { type Dirent, type Stats, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';

/** An entry's kind, as readdir's file types say it (a symlink is not followed). */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';
export type DirListing = readonly (readonly [name: string, kind: EntryKind])[];

/** Where a work dir keeps the listings: `<workDir>/cache/listings.bin`. */
export const listingCacheFile = (workDir: string): string => join(workDir, 'cache', 'listings.bin');

interface Known {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  /** The listing; undefined until first used when read from the file (`packed` holds it then). */
  entries: DirListing | undefined;
  packed: string;
  /** The generation and time of the last stat check in this process (0: never). */
  checked: number;
  checkedAt: number;
}

const known = new Map<string, Known>();
let dirty = false;
let generation = 1;

/** What the listing cache did in this process (tests, bench). */
export const listingStats = { listed: 0, reused: 0, checkedReused: 0 };

/** Changed more recently than this (ms): its stat may not show a second change yet. */
const RACY_MS = 3000;
/** A check made in this plan stands for at most this long (a process that never ends a plan re-checks). */
const CHECK_REUSE_MS = 10_000;

/** Whether a file or dir changed too recently for its stat to stand for its content (the caches then look inside). */
export function isRacy(s: Pick<Stats, 'mtimeMs' | 'ctimeMs'>): boolean {
  const now = Date.now();
  return now - s.mtimeMs < RACY_MS || now - s.ctimeMs < RACY_MS;
}

const kindOf = (e: Dirent): EntryKind => (e.isDirectory() ? 'dir' : e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other');
const KIND_CODE: Record<EntryKind, string> = { file: 'f', dir: 'd', symlink: 'l', other: 'o' };
const CODE_KIND: Record<string, EntryKind> = { f: 'file', d: 'dir', l: 'symlink', o: 'other' };

/** A listing as one string (kind code + name, NUL-separated: a name cannot hold NUL). */
const pack = (entries: DirListing): string => entries.map(([name, kind]) => KIND_CODE[kind] + name).join('\0');
function unpack(packed: string): DirListing | undefined {
  if (!packed) return [];
  const out: (readonly [string, EntryKind])[] = [];
  for (const item of packed.split('\0')) {
    const kind = CODE_KIND[item[0]];
    if (!kind || item.length < 2) return undefined;
    out.push([item.slice(1), kind]);
  }
  return out;
}

function entriesOf(hit: Known): DirListing | undefined {
  return (hit.entries ??= unpack(hit.packed));
}

/** Start a new plan: listings checked before must be stat'ed again (`listDirChecked`). */
export function newListingGeneration(): void {
  generation++;
}

/** The entries of `dir` in readdir's order (throws as readdirSync does). */
export function listDir(dir: string): DirListing {
  const s = statSync(dir);
  if (!s.isDirectory()) return readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, kindOf(e)] as const); // throws ENOTDIR
  const hit = known.get(dir);
  if (hit && hit.dev === s.dev && hit.ino === s.ino && hit.mtimeMs === s.mtimeMs && hit.ctimeMs === s.ctimeMs) {
    const entries = entriesOf(hit);
    if (entries) {
      listingStats.reused++;
      hit.checked = generation;
      hit.checkedAt = Date.now();
      return entries;
    }
  }
  listingStats.listed++;
  const entries = readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, kindOf(e)] as const);
  if (!isRacy(s) && !entries.some(([, kind]) => kind === 'symlink')) {
    known.set(dir, { dev: s.dev, ino: s.ino, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, entries, packed: '', checked: generation, checkedAt: Date.now() });
    dirty = true;
  } else if (hit) {
    known.delete(dir);
    dirty = true;
  }
  return entries;
}

/**
 * `listDir`, or without a stat the listing checked by one since this plan began (discovery lists
 * every recipe dir; the render cache's keys list it again).
 */
export function listDirChecked(dir: string): DirListing {
  const hit = known.get(dir);
  if (hit && hit.checked === generation && Date.now() - hit.checkedAt < CHECK_REUSE_MS && hit.entries) {
    listingStats.checkedReused++;
    return hit.entries;
  }
  return listDir(dir);
}

/** The file's format: [FORMAT, then per directory: path, dev, ino, mtimeMs, ctimeMs, packed entries]. */
const FORMAT = 'listings/2';

/** Add the listings kept in `file` (missing or unreadable: nothing); entries known here win. */
export function loadListings(file: string): void {
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return;
  }
  if (!Array.isArray(stored) || stored[0] !== FORMAT || (stored.length - 1) % 6 !== 0) return;
  for (let i = 1; i < stored.length; i += 6) {
    const dir: unknown = stored[i], dev: unknown = stored[i + 1], ino: unknown = stored[i + 2];
    const mtimeMs: unknown = stored[i + 3], ctimeMs: unknown = stored[i + 4], packed: unknown = stored[i + 5];
    if (typeof dir !== 'string' || known.has(dir) || typeof packed !== 'string') continue;
    if (typeof dev !== 'number' || typeof ino !== 'number' || typeof mtimeMs !== 'number' || typeof ctimeMs !== 'number') continue;
    known.set(dir, { dev, ino, mtimeMs, ctimeMs, entries: undefined, packed, checked: 0, checkedAt: 0 });
  }
}

/** Keep this process's listings in `file` when any was added or dropped since (a failed write only costs listings). */
export function saveListings(file: string): void {
  if (!dirty) return;
  const flat: unknown[] = [FORMAT];
  for (const [dir, k] of known) flat.push(dir, k.dev, k.ino, k.mtimeMs, k.ctimeMs, k.entries ? pack(k.entries) : k.packed);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomicSync(file, JSON.stringify(flat));
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
