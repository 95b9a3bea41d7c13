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
// A plan that changed a few directories does not rewrite the file (6.8 MB for 25,000 feedstocks,
// ~0.1 s): it appends them to `listings.bin.delta` (one line per save: the directories added,
// changed or dropped since the file was read), read after the file and winning over it; the file is
// rewritten (and the delta removed) when the delta holds more than an eighth of its directories.
// Within one plan a directory is stat'ed once: `listDirChecked` takes a listing checked since the
// plan began (`newListingGeneration`, at most CHECK_REUSE_MS ago) as it is. The plan then reads the
// directory as it was at that check (a file added since is not seen, as if added after the plan);
// the render cache stores a rendering only when its key, made again after the render, is the same.
// Stats taken ahead on another thread: a plan stats every directory of the file and the files of
// the recipe dirs (~100,000 stats for 25,000 feedstocks, ~0.3 s of the main thread). When the file
// is read, a worker thread (plain JS, no loader) stats them all from the same bytes, in the file's
// order, into shared memory; the main thread takes a directory's or file's stat from there when
// the worker has reached it (else stats it itself). A stat taken ahead is a stat taken earlier in
// the same plan: the plan reads the directory or file as it was then, like `listDirChecked`; "just
// changed" is judged at the time the stat was taken, and such a stat stands for CHECK_REUSE_MS at
// most. A directory listed again (changed) gets no stats ahead for its files.
import { type Dirent, type Stats, appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
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
  /** Its position in the listings file read last by this process (the stats taken ahead: `load` says which read), else -1. */
  slot: number;
  load: number;
  /** Its files are stat'ed for render cache keys (their stats are taken ahead too). */
  keyed: boolean;
  /** The worker's stats of its files stand for this listing (false: the file's slot holds another listing of it, from before a delta). */
  filesAhead: boolean;
}

const known = new Map<string, Known>();
let dirty = false;
/** Directories added, changed or dropped since the listings file was read or written (what a delta holds). */
const changed = new Set<string>();
/** The listings file this process read or wrote last: its directories, and those of its delta. */
let kept: { file: string; dirs: number; deltaDirs: number } | undefined;
/** Listings files read by this process (`Known.load`). */
let loads = 0;
let generation = 1;

/** What the listing cache did in this process (tests, bench); `ahead`: stats taken from the worker. */
export const listingStats = { listed: 0, reused: 0, checkedReused: 0, ahead: 0 };

/** Changed more recently than this (ms): its stat may not show a second change yet. */
let racyMs = 3000;

/**
 * Sets the racy window (ms) and returns the one before. Tests that count cache hits set 0: a file
 * then keys by its stat from the start, where in 3 s it would go from its bytes' key to its stat's
 * key (a miss) at a moment that depends on how loaded the machine is.
 */
export function setRacyWindow(ms: number): number {
  const before = racyMs;
  racyMs = ms;
  return before;
}
/** A check made in this plan stands for at most this long (a process that never ends a plan re-checks). */
const CHECK_REUSE_MS = 10_000;

/** Whether a file or dir changed too recently for its stat to stand for its content (the caches then look inside). */
export function isRacy(s: Pick<Stats, 'mtimeMs' | 'ctimeMs'>, statAt = Date.now()): boolean {
  return statAt - s.mtimeMs < racyMs || statAt - s.ctimeMs < racyMs;
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

/** Start a new plan: listings checked before must be stat'ed again (`listDirChecked`); stats taken ahead are dropped. */
export function newListingGeneration(): void {
  generation++;
  stopStatsAhead();
}

/** A directory's stat as the listing cache reads it, and when it was taken. */
interface DirStat {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  at: number;
}

/** The entries of `dir` in readdir's order (throws as readdirSync does). */
export function listDir(dir: string): DirListing {
  const hit = known.get(dir);
  let s: DirStat | undefined = hit && hit.slot >= 0 ? dirStatAhead(hit) : undefined;
  if (!s) {
    const at = Date.now();
    const st = statSync(dir);
    if (!st.isDirectory()) return readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, kindOf(e)] as const); // throws ENOTDIR
    s = { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, at };
  }
  if (hit && hit.dev === s.dev && hit.ino === s.ino && hit.mtimeMs === s.mtimeMs && hit.ctimeMs === s.ctimeMs) {
    const entries = entriesOf(hit);
    if (entries) {
      listingStats.reused++;
      hit.checked = generation;
      hit.checkedAt = s.at;
      return entries;
    }
  }
  listingStats.listed++;
  const entries = readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, kindOf(e)] as const);
  if (!isRacy(s, s.at) && !entries.some(([, kind]) => kind === 'symlink')) {
    known.set(dir, { dev: s.dev, ino: s.ino, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, entries, packed: '', checked: generation, checkedAt: s.at, slot: -1, load: 0, keyed: hit?.keyed ?? false, filesAhead: false });
    dirty = true;
    changed.add(dir);
  } else if (hit) {
    known.delete(dir);
    dirty = true;
    changed.add(dir);
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

/**
 * `listDirChecked` for a directory whose files a render cache key stats (marked so, for the stats
 * taken ahead of the next plan), with the stats of its files taken ahead when there are.
 */
export function listKeyedDir(dir: string): { entries: DirListing; ahead: FileStatsAhead | undefined } {
  const entries = listDirChecked(dir);
  const hit = known.get(dir);
  if (!hit || hit.entries !== entries) return { entries, ahead: undefined };
  if (!hit.keyed) {
    hit.keyed = true;
    dirty = true;
    changed.add(dir);
  }
  return { entries, ahead: hit.slot >= 0 && hit.filesAhead ? fileStatsAhead(hit) : undefined };
}

/** The file's format: [FORMAT, then per directory: path, dev, ino, mtimeMs, ctimeMs, packed entries, keyed (1/0)]. */
const FORMAT = 'listings/3';
const FIELDS = 7;

/** The delta of a listings file: `<file>.delta`. */
const deltaFile = (file: string): string => `${file}.delta`;

/** One directory of the file or a delta line, checked (undefined: not a record; null packed: dropped). */
function recordAt(stored: unknown[], i: number): { dir: string; dev: number; ino: number; mtimeMs: number; ctimeMs: number; packed: string | null; keyed: boolean } | undefined {
  const dir: unknown = stored[i], dev: unknown = stored[i + 1], ino: unknown = stored[i + 2];
  const mtimeMs: unknown = stored[i + 3], ctimeMs: unknown = stored[i + 4], packed: unknown = stored[i + 5];
  if (typeof dir !== 'string' || (typeof packed !== 'string' && packed !== null)) return undefined;
  if (typeof dev !== 'number' || typeof ino !== 'number' || typeof mtimeMs !== 'number' || typeof ctimeMs !== 'number') return undefined;
  return { dir, dev, ino, mtimeMs, ctimeMs, packed, keyed: stored[i + 6] === 1 };
}

/** The records of `file`'s delta, later lines winning (a line that does not parse is skipped: a save cut short). */
function readDelta(file: string): Map<string, NonNullable<ReturnType<typeof recordAt>>> {
  const out = new Map<string, NonNullable<ReturnType<typeof recordAt>>>();
  let text: string;
  try {
    text = readFileSync(deltaFile(file), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    let stored: unknown;
    try {
      stored = JSON.parse(line);
    } catch {
      continue;
    }
    if (!Array.isArray(stored) || stored[0] !== FORMAT || (stored.length - 1) % FIELDS !== 0) continue;
    for (let i = 1; i < stored.length; i += FIELDS) {
      const r = recordAt(stored, i);
      if (r) out.set(r.dir, r);
    }
  }
  return out;
}

/**
 * Add the listings kept in `file` and its delta (missing or unreadable: nothing); entries known
 * here win. With `statsAhead` (default: when the file holds at least STATS_AHEAD_MIN directories),
 * a worker thread stats the file's directories and their keyed files meanwhile (see the header).
 */
export function loadListings(file: string, statsAhead?: boolean): void {
  let stored: unknown;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
    stored = JSON.parse(bytes.toString('utf8'));
  } catch {
    return;
  }
  if (!Array.isArray(stored) || stored[0] !== FORMAT || (stored.length - 1) % FIELDS !== 0) return;
  const load = ++loads;
  const delta = readDelta(file);
  const deltaDirs = delta.size;
  const add = (r: NonNullable<ReturnType<typeof recordAt>>, slot: number, filesAhead: boolean) => {
    if (r.packed !== null && !known.has(r.dir))
      known.set(r.dir, { dev: r.dev, ino: r.ino, mtimeMs: r.mtimeMs, ctimeMs: r.ctimeMs, entries: undefined, packed: r.packed, checked: 0, checkedAt: 0, slot, load, keyed: r.keyed, filesAhead });
  };
  for (let i = 1; i < stored.length; i += FIELDS) {
    const r = recordAt(stored, i);
    if (!r || r.packed === null) continue;
    const newer = delta.get(r.dir);
    if (!newer) add(r, (i - 1) / FIELDS, true);
    else {
      // The worker stats the file's directory (the same path); its files' stats are by their place in the file's listing.
      add(newer, (i - 1) / FIELDS, newer.packed === r.packed);
      delta.delete(r.dir);
    }
  }
  for (const r of delta.values()) add(r, -1, false);
  kept = { file, dirs: (stored.length - 1) / FIELDS, deltaDirs };
  changed.clear();
  if (statsAhead ?? (stored.length - 1) / FIELDS >= STATS_AHEAD_MIN) startStatsAhead(bytes, load);
}

/** A directory's record as the file and its delta keep it (its listing packed; null: dropped). */
function recordOf(dir: string): unknown[] {
  const k = known.get(dir);
  return k ? [dir, k.dev, k.ino, k.mtimeMs, k.ctimeMs, k.entries ? pack(k.entries) : k.packed, k.keyed ? 1 : 0] : [dir, 0, 0, 0, 0, null, 0];
}

/**
 * Keep this process's listings in `file` when any was added or dropped since (a failed write only
 * costs listings): appended to its delta when few changed since the file was read, else the whole file.
 */
export function saveListings(file: string): void {
  if (!dirty) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    if (kept?.file === file && kept.deltaDirs + changed.size <= Math.max(DELTA_MIN, kept.dirs / 8)) {
      const line: unknown[] = [FORMAT];
      for (const dir of changed) line.push(...recordOf(dir));
      // One write per save, starting on a line of its own (a save cut short spoils its line only).
      appendFileSync(deltaFile(file), `\n${JSON.stringify(line)}\n`);
      kept.deltaDirs += changed.size;
    } else {
      const flat: unknown[] = [FORMAT];
      for (const [dir, k] of known) flat.push(dir, k.dev, k.ino, k.mtimeMs, k.ctimeMs, k.entries ? pack(k.entries) : k.packed, k.keyed ? 1 : 0);
      writeFileAtomicSync(file, JSON.stringify(flat));
      rmSync(deltaFile(file), { force: true });
      kept = { file, dirs: known.size, deltaDirs: 0 };
    }
    dirty = false;
    changed.clear();
  } catch {
    // not written: the next plan lists again
  }
}

/** Forget every listing of this process (tests). */
export function forgetListings(): void {
  known.clear();
  dirty = false;
  changed.clear();
  kept = undefined;
  stopStatsAhead();
}

/** A delta this small is appended to even below an eighth of the file's directories. */
const DELTA_MIN = 64;

/** Below this many directories in the file, the worker's start costs more than the stats it saves. */
const STATS_AHEAD_MIN = 2000;

/**
 * The worker (plain JS): parses the same bytes of the listings file, lays out one record per
 * directory in shared memory — [dir stat time, kind (1 dir, 2 not a dir, 0 missing), dev, ino,
 * mtimeMs, ctimeMs, files' stat time], then per file entry of a keyed directory [kind (1 file,
 * 2 not a file, 0 missing), ino, size, mtimeMs, ctimeMs] — posts the buffers, stats every
 * directory (count in done[0]), then the keyed directories' files (count in done[1]).
 */
const WORKER = `
const { workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
(() => {
  const { bytes, port, fields } = workerData;
  let stored;
  try { stored = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')); } catch { port.postMessage(null); return; }
  const n = (stored.length - 1) / fields;
  const offsets = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
  const files = [];
  let size = 0;
  for (let d = 0; d < n; d++) {
    offsets[d] = size;
    size += 7;
    const packed = stored[1 + d * fields + 5];
    const names = [];
    if (stored[1 + d * fields + 6] === 1 && typeof packed === 'string' && packed) {
      for (const item of packed.split('\0')) if (item[0] === 'f') names.push(item.slice(1));
    }
    files.push(names);
    size += 5 * names.length;
  }
  offsets[n] = size;
  const values = new Float64Array(new SharedArrayBuffer(8 * Math.max(1, size)));
  const done = new Int32Array(new SharedArrayBuffer(8));
  port.postMessage({ offsets, values, done });
  for (let d = 0; d < n; d++) {
    const dir = stored[1 + d * fields];
    const o = offsets[d];
    values[o] = Date.now();
    if (typeof dir === 'string') {
      try {
        const s = statSync(dir, { throwIfNoEntry: false });
        if (s) {
          values[o + 1] = s.isDirectory() ? 1 : 2;
          values[o + 2] = s.dev; values[o + 3] = s.ino; values[o + 4] = s.mtimeMs; values[o + 5] = s.ctimeMs;
        }
      } catch {}
    }
    Atomics.store(done, 0, d + 1);
  }
  for (let d = 0; d < n; d++) {
    const names = files[d];
    const o = offsets[d];
    if (names.length) {
      const dir = stored[1 + d * fields];
      values[o + 6] = Date.now();
      for (let k = 0; k < names.length; k++) {
        const at = o + 7 + 5 * k;
        try {
          const s = statSync(dir + '/' + names[k], { throwIfNoEntry: false });
          if (s) {
            values[at] = s.isFile() ? 1 : 2;
            values[at + 1] = s.ino; values[at + 2] = s.size; values[at + 3] = s.mtimeMs; values[at + 4] = s.ctimeMs;
          }
        } catch {}
      }
    }
    Atomics.store(done, 1, d + 1);
  }
})();
`;

interface StatsAhead {
  /** The read of the listings file the worker stats (slots of other reads are not its). */
  load: number;
  worker: Worker;
  port: MessagePort;
  shared?: { offsets: Int32Array; values: Float64Array; done: Int32Array } | null;
}

let ahead: StatsAhead | undefined;

function startStatsAhead(bytes: Buffer, load: number): void {
  stopStatsAhead();
  const { port1, port2 } = new MessageChannel();
  // The worker gets its own copy of the bytes (the main thread's Buffer may sit in a shared pool).
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  try {
    const worker = new Worker(WORKER, { eval: true, execArgv: [], env: {}, workerData: { bytes: copy, port: port2, fields: FIELDS }, transferList: [port2, copy.buffer] });
    worker.unref();
    worker.on('error', () => {}); // stats ahead are an optimisation: the main thread stats itself
    ahead = { load, worker, port: port1 };
  } catch {
    port1.close();
  }
}

function stopStatsAhead(): void {
  if (!ahead) return;
  void ahead.worker.terminate();
  ahead.port.close();
  ahead = undefined;
}

/** The worker's buffers once it has posted them (taken without waiting), else undefined. */
function sharedAhead(): StatsAhead['shared'] {
  if (!ahead) return undefined;
  if (ahead.shared === undefined) {
    const message = receiveMessageOnPort(ahead.port);
    if (message) ahead.shared = message.message ?? null;
  }
  return ahead.shared;
}

/** The stat of a directory if the worker took it, it is a directory, and it is recent enough to stand for this plan. */
function dirStatAhead({ slot, load }: Known): DirStat | undefined {
  const shared = sharedAhead();
  if (!shared || ahead!.load !== load || Atomics.load(shared.done, 0) <= slot) return undefined;
  const v = shared.values;
  const o = shared.offsets[slot];
  if (v[o + 1] !== 1 || Date.now() - v[o] > CHECK_REUSE_MS) return undefined;
  listingStats.ahead++;
  return { dev: v[o + 2], ino: v[o + 3], mtimeMs: v[o + 4], ctimeMs: v[o + 5], at: v[o] };
}

/** The stats of the file entries of a keyed directory, taken ahead: see `fileStatAhead`. */
export interface FileStatsAhead {
  values: Float64Array;
  /** Where the record of the first file entry starts. */
  start: number;
  /** When they were taken. */
  at: number;
}

function fileStatsAhead({ slot, load }: Known): FileStatsAhead | undefined {
  const shared = sharedAhead();
  if (!shared || ahead!.load !== load || Atomics.load(shared.done, 1) <= slot) return undefined;
  const o = shared.offsets[slot];
  const at = shared.values[o + 6];
  if (!at || Date.now() - at > CHECK_REUSE_MS) return undefined;
  return { values: shared.values, start: o + 7, at };
}

/** A file's stat taken ahead, `k`: its position among the listing's file entries. */
export function fileStatAhead(a: FileStatsAhead, k: number): { kind: 'file' | 'other' | 'missing'; ino: number; size: number; mtimeMs: number; ctimeMs: number } {
  const o = a.start + 5 * k;
  const v = a.values;
  listingStats.ahead++;
  return { kind: v[o] === 1 ? 'file' : v[o] === 2 ? 'other' : 'missing', ino: v[o + 1], size: v[o + 2], mtimeMs: v[o + 3], ctimeMs: v[o + 4] };
}

/** Wait (blocking, at most `ms`) until the worker has taken every stat (tests). */
export function waitForStatsAhead(ms = 10_000): boolean {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const shared = sharedAhead();
    if (shared === null || !ahead) return false;
    if (shared && Atomics.load(shared.done, 1) === shared.offsets.length - 1) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
  return false;
}
