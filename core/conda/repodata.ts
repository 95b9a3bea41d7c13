// Writing a channel index atomically, with a per-subdir cache so re-indexing thousands of packages
// only reads new files. Records and reading channels are in repodata-read.ts (re-exported here).
import { hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { tempPathFor, writeFileAtomic, writerGone } from './atomic-write.ts';
import { digestFile } from './file-hash.ts';
import { compress } from 'zstd-napi';
import { channeldataBytes, indentedRecordJson, packagesMapBytes, runExportsEntry, type RunExports } from './channel-extras.ts';
import { SortedBlocks } from './sorted-blocks.ts';
import { indexThread, indexThreadStats, indexWriteThread, type ReadItem } from './index-thread.ts';
import { GenerationMirror } from './generation-write.ts';
import { isPackageFile, PackageFormatError, type IndexJson } from './package-types.ts';
import { readPackageMetadata } from './read-package.ts';
import { ChannelError, type PackageRecord } from './repodata-read.ts';

export { ChannelError, channelDir, emptyRepodata, readRepodata, repodataRecords, type PackageRecord, type Repodata } from './repodata-read.ts';

// ---------------------------------------------------------------- indexing

/** Sidecar cache of records, keyed by file name, valid while size and mtime match. */
const CACHE_FILE = '.rebuild-index-cache.json';

interface CacheEntry {
  size: number;
  mtimeMs: number;
  record: PackageRecord;
  /** info/run_exports.json of the package ({} when it has none). */
  runExports: RunExports;
}

/** Version of the sidecar cache's layout (2: entries carry run_exports). */
const CACHE_VERSION = 2;

const COMMA = Buffer.from(',');
const CLOSE_BRACE = Buffer.from('}');

async function readCache(subdirPath: string): Promise<Record<string, CacheEntry>> {
  try {
    const data = JSON.parse(await readFile(join(subdirPath, CACHE_FILE), 'utf8'));
    return data && data.version === CACHE_VERSION && typeof data.entries === 'object' ? data.entries : {};
  } catch {
    return {}; // a missing or damaged cache only costs a full re-read
  }
}

/** index.json fields that go into repodata (conda-index keeps the same set). */
const RECORD_KEYS = [
  'build', 'build_number', 'constrains', 'depends', 'features', 'license', 'license_family', 'name',
  'noarch', 'platform', 'arch', 'subdir', 'timestamp', 'track_features', 'version', 'python_site_packages_path',
];

/**
 * The record of a package file as it is now, read once: opened, its size and mtime from the open
 * descriptor; `known` (an entry's size and mtime) still matching → `unchanged` (nothing read); gone
 * or not a regular file → null. A file up to SYNC_READ_LIMIT is read at once, synchronously (a
 * package just written is in the page cache: a few syscalls instead of six thread-pool round
 * trips), and its digests and metadata come from the same bytes; a larger one is read
 * asynchronously (whole up to ONE_READ_LIMIT, else streamed for its digests).
 */
async function readEntry(path: string, subdir: string, known?: { size: number; mtimeMs: number }): Promise<CacheEntry | 'unchanged' | null> {
  let fd: number;
  try {
    // O_NONBLOCK: a fifo under a package name must not hang the open (it is not a file: skipped).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return ignoreGone(err as NodeJS.ErrnoException);
  }
  let st: Stats;
  let data: Buffer | undefined;
  try {
    st = fstatSync(fd);
    if (!st.isFile()) return null;
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return 'unchanged';
    if (st.size <= SYNC_READ_LIMIT) data = readFd(fd, st.size);
  } finally {
    closeSync(fd);
  }
  if (!data && st.size <= ONE_READ_LIMIT) data = await readFile(path);
  const meta = await readPackageMetadata(path, ['info/index.json', 'info/run_exports.json'], { data });
  const index = metaJson<IndexJson>(path, 'info/index.json', meta.get('info/index.json'));
  const runExports = meta.has('info/run_exports.json') ? metaJson<RunExports>(path, 'info/run_exports.json', meta.get('info/run_exports.json')) : {};
  const record: PackageRecord = { name: '', version: '', build: '', build_number: 0, depends: [], subdir };
  for (const key of RECORD_KEYS) if (index[key] !== undefined) record[key] = index[key];
  record.depends = index.depends ?? [];
  if (!record.subdir) record.subdir = subdir;
  const { md5, sha256, size } = data
    ? { md5: hash('md5', data, 'hex'), sha256: hash('sha256', data, 'hex'), size: data.length } // one-shot: no Hash objects
    : await digestFile(path);
  return { size: st.size, mtimeMs: st.mtimeMs, record: { ...record, md5, sha256, size }, runExports };
}

/** `size` bytes of an open file from its start (fewer if it shrank meanwhile). */
function readFd(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let n = 0;
  while (n < size) {
    const got = readSync(fd, buf, n, size - n, n);
    if (!got) break;
    n += got;
  }
  return n === size ? buf : buf.subarray(0, n);
}

function metaJson<T>(path: string, member: string, data: Buffer | undefined): T {
  if (!data) throw new PackageFormatError(`${path}: no ${member} in package`);
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (err) {
    throw new PackageFormatError(`${path}: ${member} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * `readEntry` of each item, `width` at a time, in the items' order (null: gone). `text`: a new
 * record comes with its repodata.json lines (`repodataEntryText`), made where it was read (the
 * index thread: the writer's thread then only copies them into a buffer).
 */
export async function readEntries(subdir: string, items: readonly ReadItem[], width: number, text = false): Promise<(ReadEntry | 'unchanged' | null)[]> {
  const out: (ReadEntry | 'unchanged' | null)[] = new Array(items.length).fill(null);
  await pool(items.map((_, i) => i), width, async (i) => {
    const { path, name, known } = items[i];
    const entry: ReadEntry | 'unchanged' | null = await readEntry(path, subdir, known).catch(ignoreGone);
    if (text && entry && entry !== 'unchanged') entry.text = repodataEntryText(name, entry.record);
    out[i] = entry;
  });
  return out;
}

/** A record read, with its repodata.json lines when read on the index thread. */
type ReadEntry = CacheEntry & { text?: string };

/** An entry read on the index thread as the writer keeps it (its repodata.json lines as bytes). */
function fromThread(e: ReadEntry): IndexedFile {
  if (e.text === undefined) return e;
  const { text, ...entry } = e;
  return { ...entry, bytes: Buffer.from(text) };
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

function validSubdir(subdir: string): void {
  if (!subdir || subdir.includes('/') || subdir.startsWith('.')) throw new ChannelError(`invalid subdir '${subdir}'`);
}

/** A package file of an indexed subdir: the cache key (size, mtime) and its record. */
interface IndexedFile extends CacheEntry {
  /** The record's lines in repodata.json (`  "<name>": {...}`, indented for its depth), made once. */
  bytes?: Buffer;
  /** Its lines in run_exports.json, made once. */
  exportsBytes?: Buffer;
  /** Its entry in the sidecar cache (`"<name>":{size,mtimeMs,record,runExports}`), made once. */
  cacheBytes?: Buffer;
}

/** What a writer knows of one subdir: every package file there, and what is not written yet. */
interface SubdirState {
  files: Map<string, IndexedFile>;
  /** File names, sorted (as `Object.keys(...).sort()`), by section: `.tar.bz2` and `.conda`. */
  tarBz2: SortedBlocks;
  conda: SortedBlocks;
  /** repodata.json does not reflect `files` yet (always true before this writer's first write). */
  dirty: boolean;
  /** The sidecar cache does not reflect `files` yet. */
  cacheDirty: boolean;
  /** When the dir was last listed (performance.now()). */
  listedAt: number;
  /** An update since then read only the files it named. */
  unlisted: boolean;
  /** repodata.json.zst and run_exports.json do not reflect `files` yet. */
  extrasDirty: boolean;
  /**
   * A repodata.json.zst may be on disk: true until this writer removes it — one it did not write (an
   * earlier run's, left behind a repodata.json that reconciliation edited) is not known to describe
   * the repodata.json it follows — and again once it writes one.
   */
  zstOnDisk: boolean;
  /** Generation files of repodata.json this writer made (`.repodata.json.<pid>.<n>`), oldest first. */
  generations: string[];
  /** repodata.json writes so far (a .zst compressed in the background is kept only if none came since). */
  written: number;
  /** With the index thread: the buffers of this subdir's repodata.json the write thread holds. */
  mirror?: GenerationMirror;
}

/**
 * `JSON.stringify({ info, packages, 'packages.conda', repodata_version: 1, removed: [] }, null, 1)`
 * + newline, byte for byte, from records serialised once each (a record's bytes never change, so
 * rewriting the index of a growing channel is a copy of cached bytes, not a serialisation).
 */
function repodataBytes(subdir: string, state: SubdirState): Buffer[] {
  const entry = (name: string) => repodataEntry(name, state.files.get(name)!);
  return packagesMapBytes(
    `{\n "info": {\n  "subdir": ${JSON.stringify(subdir)}\n },\n`,
    state.tarBz2.joined('repodata', entry),
    state.conda.joined('repodata', entry),
    ',\n "repodata_version": 1,\n "removed": []\n}\n',
  );
}

/** A file's lines in repodata.json, made once: `  "<name>": {...}`. */
function repodataEntry(name: string, f: IndexedFile): Buffer {
  return (f.bytes ??= Buffer.from(repodataEntryText(name, f.record)));
}

function repodataEntryText(name: string, record: PackageRecord): string {
  return `  ${JSON.stringify(name)}: ${indentedRecordJson(record)}`;
}

/** `<subdir>/run_exports.json` (CEP 12): every package file's `run_exports` ({} when it has none). */
function runExportsBytes(subdir: string, state: SubdirState): Buffer[] {
  const entry = (name: string) => {
    const f = state.files.get(name)!;
    return (f.exportsBytes ??= runExportsEntry(name, f.runExports));
  };
  return packagesMapBytes(
    `{\n "info": ${JSON.stringify({ subdir, version: 1 })},\n`,
    state.tarBz2.joined('run_exports', entry),
    state.conda.joined('run_exports', entry),
    '\n}\n',
  );
}

export interface ChannelIndexWriterOptions {
  /**
   * Least time between two writes of a subdir's record cache while the writer is open (ms, default
   * 5 s); `close()` always writes it. The cache only saves re-reading package files: a stale one
   * (a killed process) costs the next first index a read of the files it misses, nothing else.
   */
  cacheIntervalMs?: number;
  /**
   * Least time between two listings of a subdir's dir (ms, default 1 s). Between listings an update
   * reads only the package files it names (`changed`); a file added or removed by anyone else is
   * seen at the next listing, and at `close()`, which lists every subdir updated since its last one.
   */
  listIntervalMs?: number;
  /**
   * Least time between two writes of the derived index files — `<subdir>/repodata.json.zst`,
   * `<subdir>/run_exports.json` and `channeldata.json` (ms, default 10 s; 0: with every
   * repodata.json; a channel of 25,000 packages takes ~0.1 s of the main thread to derive them). `update(..., { complete: true })` and `close()` always write them. While
   * repodata.json is ahead of them, `repodata.json.zst` is removed (before the new repodata.json is
   * renamed into place; on a writer's first write of a subdir too, whatever wrote the .zst there),
   * so a client that prefers it (rattler's solver) never reads an older index than the JSON one.
   */
  extrasIntervalMs?: number;
  /**
   * While the writer is open, repodata.json is a symlink to the current generation file (see
   * `swapIn`; default: everywhere but Windows); `close()` makes it a regular file again.
   */
  generations?: boolean;
  /**
   * Read new package files of THREAD_MIN_BYTES or more (digests, records, their repodata.json
   * lines) and compress `repodata.json.zst` (without holding up the next writes: see
   * compressLater) on the index thread (core/conda/index-thread.ts: one worker thread shared by
   * the process's writers) instead of this one: for the executor, whose thread runs every task.
   * The same bytes either way. Default false (a one-off index does not pay a thread's start).
   */
  thread?: boolean;
  /**
   * With `thread`: new package files from this size on are read there (default THREAD_MIN_BYTES).
   * The executor reads every one there (0): its updates are announced (`announce`), so a write
   * reads tens of files, one request for all of them.
   */
  threadMinBytes?: number;
  /**
   * The longest a write that fell due waits for announced updates (`announce`; ms, default: as long
   * as the last write took — waiting longer would cost more than writing without them).
   */
  announceWaitMs?: number;
}

interface Batch {
  subdirs: Set<string>;
  files: Set<string>;
  complete: boolean;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/**
 * Keeps a channel's `repodata.json` files up to date as packages are added, for a long-lived caller
 * (the executor, after every build). The first update of a subdir reads it like `indexChannel`
 * (every package file, records from the sidecar cache while size and mtime match); later updates
 * read the files they name (`changed`) whose size or mtime moved, list the dir (files added or
 * removed by anyone else) at most every `listIntervalMs`, and rewrite repodata.json (atomically,
 * temp file + rename) only when something changed. `close()` lists what was not listed since its
 * last update, so the index left behind holds exactly the dir's package files.
 *
 * Updates are coalesced: at most one write is in flight per writer; updates that arrive meanwhile
 * share the next one. `update()` resolves once a write that *started after* the call has written
 * repodata.json, so every package file the call names is in the index when its promise resolves
 * (and every other one present at the call, if that write listed the dir); the derived files and
 * the record cache, when due, follow (a `complete` update waits for them; the next write too).
 * With `thread`, package files named by `announce` are read ahead on the index thread.
 */
export class ChannelIndexWriter {
  readonly root: string;
  private readonly state = new Map<string, SubdirState>();
  private readonly cacheIntervalMs: number;
  private readonly listIntervalMs: number;
  private readonly extrasIntervalMs: number;
  private lastCacheWrite = -Infinity;
  private lastExtrasWrite = -Infinity;
  // What the periodic work cost last time: each runs at most once per ADAPT × its cost (and its
  // interval), so on a large channel it takes a bounded share of the time, whatever its size.
  private extrasCostMs = 0;
  /** repodata.json is a symlink to a generation file while the writer is open (swapIn). */
  private swap: boolean;
  private readonly thread: boolean;
  private readonly threadMinBytes: number;
  private cacheCostMs = 0;
  private listCostMs = 0;
  private pending: Batch | null = null;
  /** Updates announced (`announce`) and not made yet. */
  private readonly announced = new Set<object>();
  /** Those the next write waits for (null: it is not waiting). */
  private held: Set<object> | null = null;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** How long the last write took (ms): the longest a write waits for announced updates (announceWaitMs aside). */
  private lastWriteMs = 0;
  private readonly announceWaitMs: number | undefined;
  private inflight: Promise<void> | null = null;
  /** repodata.json.zst compressions on the index thread that the writes do not wait for. */
  private readonly zstJobs = new Set<Promise<void>>();
  /** The write of such a .zst, once it is known current (a repodata.json write waits for it). */
  private zstWrite: Promise<void> | null = null;
  /** Batches run (each serving every update queued before it started) and repodata.json files written. */
  readonly stats = { batches: 0, writes: 0, extras: 0 };
  /** Package files read ahead of their update (`announce`), by path, until a write takes them. */
  private readonly ahead = new Map<string, Promise<IndexedFile | undefined>>();
  /** Files to read ahead, by subdir, and what settles each one's read: one request per subdir and turn of the event loop. */
  private aheadQueue = new Map<string, { items: ReadItem[]; settle: ((entry: IndexedFile | undefined) => void)[] }>();
  /** Unique in the process (the write thread's key of this writer's buffers). */
  private readonly id = ++writerCounter;

  constructor(channelDir: string, options: ChannelIndexWriterOptions = {}) {
    this.root = resolve(channelDir);
    this.cacheIntervalMs = options.cacheIntervalMs ?? 5000;
    this.listIntervalMs = options.listIntervalMs ?? 1000;
    this.extrasIntervalMs = options.extrasIntervalMs ?? 10_000;
    this.swap = options.generations ?? process.platform !== 'win32';
    this.thread = options.thread ?? false;
    this.threadMinBytes = options.threadMinBytes ?? THREAD_MIN_BYTES;
    this.announceWaitMs = options.announceWaitMs;
  }

  /**
   * Bring `subdirs` up to date with their package files (noarch too on the first update: conda,
   * mamba and rattler require it). `changed`: paths of package files written, rewritten or removed
   * since the last update — read at once (a file already indexed only when its size or mtime
   * moved); files not named here are found by the next listing (`listIntervalMs`, `close()`).
   * `complete`: the write lists the named subdirs and writes the derived files too (a published
   * channel's state after an add or remove; the engine's per-build updates leave them to the interval).
   */
  update(subdirs: readonly string[], changed: readonly string[] = [], options: { complete?: boolean } = {}): Promise<void> {
    try {
      subdirs.forEach(validSubdir);
    } catch (err) {
      return Promise.reject(err);
    }
    const batch = (this.pending ??= { subdirs: new Set(), files: new Set(), complete: false, waiters: [] });
    if (options.complete) batch.complete = true;
    for (const s of subdirs) batch.subdirs.add(s);
    for (const f of changed) batch.files.add(resolve(f));
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (!this.inflight && !this.held) this.flush();
    return done;
  }

  /**
   * An update that will come soon (a finished build whose record is being committed): the next
   * write waits for it — for every update announced before that write was due, not for those
   * announced later, and at most `announceWaitMs` — so that builds that finished together share
   * one write instead of the first one's update starting a write of the whole index alone and the
   * others waiting for it to end.
   * The returned function ends the announcement (call it right after `update`, or when no update
   * will come); it may be called more than once.
   * `files`: the package files the update will name. With the index thread they are read now
   * (`readAhead`), while the update waits for whatever it follows (the executor: the build's record
   * committing), so the write that takes them only checks that they did not change since.
   */
  announce(files: readonly string[] = []): () => void {
    const token = {};
    this.announced.add(token);
    if (this.thread) for (const f of files) this.readAhead(f);
    return () => {
      this.announced.delete(token);
      if (this.held?.delete(token) && !this.held.size) this.endHold();
    };
  }

  /** Resolves once no write is in flight (the last one's derived files and record caches, when due, written too). */
  async idle(): Promise<void> {
    while (this.inflight) await this.inflight;
  }

  /** Wait for the writes in flight, then write the record caches that are behind. */
  async close(): Promise<void> {
    // A write held for announced updates that will not come: now.
    if (this.held) this.endHold();
    await this.idle();
    while (this.zstJobs.size) await Promise.all(this.zstJobs);
    // Reads ahead that no update took (their update never came: a record that failed).
    this.ahead.clear();
    this.aheadQueue.clear();
    for (const [subdir, state] of this.state) {
      if (state.unlisted) {
        await this.refresh(subdir, state, new Set(), true);
        await this.writeIndex(subdir, state);
      }
      if (state.cacheDirty) await this.writeCache(subdir, state);
    }
    await this.writeExtras(false);
    for (const [subdir, state] of this.state) await this.unswap(subdir, state);
  }

  /** The pending updates are due: written now, or once the updates announced by now have come. */
  private flush(): void {
    if (this.held) return;
    if (this.announced.size) {
      // Records being committed: their updates join this write — unless they take longer than the
      // last write did (a slow commit under load): then the write goes without them, as it would
      // have without announcements, and they join the next one.
      this.held = new Set(this.announced);
      this.holdTimer = setTimeout(() => this.endHold(), this.announceWaitMs ?? this.lastWriteMs);
      return;
    }
    this.start();
  }

  /** The held write goes (its announced updates have come, or waited long enough). */
  private endHold(): void {
    this.held = null;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (this.pending && !this.inflight) this.start();
  }

  private start(): void {
    const batch = this.pending!;
    this.pending = null;
    const started = performance.now();
    let settled = false;
    const release = () => {
      if (settled) return;
      settled = true;
      this.lastWriteMs = performance.now() - started;
      batch.waiters.forEach((w) => w.resolve());
    };
    this.inflight = this.write(batch, release)
      .then(release, (err) => {
        if (settled) return;
        settled = true;
        this.lastWriteMs = performance.now() - started;
        batch.waiters.forEach((w) => w.reject(err));
      })
      .finally(() => {
        this.inflight = null;
        if (this.pending) this.flush();
      });
  }

  /**
   * One batch: its subdirs' repodata.json, then — when due — the derived files and the record
   * caches. `release` resolves the batch's updates: called as soon as repodata.json holds their
   * files (what a dependent build reads), unless the batch is `complete` (its caller waits for the
   * derived files too); the next write still waits for the derived files and caches.
   */
  private async write(batch: Batch, release: () => void): Promise<void> {
    this.stats.batches++;
    // Subdirs are independent: listed, read and written side by side.
    // noarch/ is indexed on the first write (conda, mamba and rattler require it) and afterwards
    // only when an update names it.
    const subdirs = new Set(batch.subdirs);
    if (!this.state.has('noarch')) subdirs.add('noarch');
    await Promise.all([...subdirs].map(async (subdir) => {
      let state = this.state.get(subdir);
      if (!state) {
        state = await this.load(subdir);
        this.state.set(subdir, state);
      } else {
        const listDue = performance.now() - state.listedAt >= Math.max(this.listIntervalMs, ADAPT * this.listCostMs);
        await this.refresh(subdir, state, batch.files, batch.complete || listDue);
      }
      await this.writeIndex(subdir, state);
    }));
    if (batch.complete) {
      await this.writeExtras(true);
      await this.writeCaches();
      return;
    }
    release();
    try {
      if (performance.now() - this.lastExtrasWrite >= Math.max(this.extrasIntervalMs, ADAPT * this.extrasCostMs)) {
        // On the index thread the .zst is compressed without holding up the next writes.
        await this.writeExtras(false, this.thread);
      }
      await this.writeCaches();
    } catch {
      // The updates are released already: what could not be written is behind again, written by a
      // later batch or by close(), which throws if it still cannot be.
      for (const state of this.state.values()) state.extrasDirty = true;
    }
  }

  /** The record caches that are behind, when their interval is up. */
  private async writeCaches(): Promise<void> {
    if (performance.now() - this.lastCacheWrite < Math.max(this.cacheIntervalMs, ADAPT * this.cacheCostMs)) return;
    for (const [subdir, state] of this.state) if (state.cacheDirty) await this.writeCache(subdir, state);
  }

  /** repodata.json of a subdir, when it is behind. */
  private async writeIndex(subdir: string, state: SubdirState): Promise<void> {
    if (!state.dirty) return;
    state.written++;
    // A .zst compressed in the background from the previous repodata.json lands before it is removed.
    while (this.zstWrite) await this.zstWrite;
    // The compressed copy is about to describe an older state: it goes first (clients, the solver
    // among them, then read the JSON). Also on this writer's first write: a .zst it did not write
    // may describe anything (derived files behind do not mean the .zst is gone).
    state.extrasDirty = true;
    if (state.zstOnDisk) {
      await unlink(join(this.root, subdir, 'repodata.json.zst')).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      state.zstOnDisk = false;
    }
    const target = join(this.root, subdir, 'repodata.json');
    if (this.swap) await this.swapIn(subdir, state, target);
    else await writeFileAtomic(target, repodataBytes(subdir, state));
    state.dirty = false;
    this.stats.writes++;
  }

  /**
   * repodata.json while the writer is open: the bytes go to a new generation file
   * (`.repodata.json.<pid>.<n>`, complete before anything names it) and a symlink to it is renamed
   * over repodata.json, so a reader opens the old generation or the new one, whole. Unlike renaming
   * a new regular file over the old one, which makes ext4 write the new file's blocks out at once
   * (auto_da_alloc: megabytes of disk writes per update of a large channel), this leaves the data
   * in the page cache; generations older than the last two are deleted (a reader that opened one
   * keeps reading it). `close()` puts a regular file back. Generation files of a process that is
   * gone (a killed run) are removed after this writer's first write of the subdir.
   */
  private async swapIn(subdir: string, state: SubdirState, target: string): Promise<void> {
    const dir = join(this.root, subdir);
    const name = `.repodata.json.${process.pid}.${++generationCounter}`;
    if (this.thread) return this.swapInOnThread(subdir, state, target, dir, name);
    try {
      await writeFileAtomic(join(dir, name), repodataBytes(subdir, state));
      const link = tempPathFor(target);
      await symlink(name, link);
      await rename(link, target).catch(async (err) => {
        await unlink(link).catch(() => {});
        throw err;
      });
    } catch (err) {
      await unlink(join(dir, name)).catch(() => {});
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      // No symlinks here: the plain atomic write, from now on.
      this.swap = false;
      await writeFileAtomic(target, repodataBytes(subdir, state));
      return;
    }
    const first = !state.generations.length;
    state.generations.push(name);
    while (state.generations.length > 2) await unlink(join(dir, state.generations.shift()!)).catch(() => {});
    if (first) await sweepDeadGenerations(dir);
  }

  /**
   * `swapIn` on the index write thread (core/conda/generation-write.ts): one request instead of
   * seven thread-pool round trips here, and only the buffers the thread does not hold yet cross.
   * The same files in the same order: the generation (temp file + rename), the symlink renamed over
   * repodata.json, generations older than the last two removed (there, once the answer is posted).
   */
  private async swapInOnThread(subdir: string, state: SubdirState, target: string, dir: string, name: string): Promise<void> {
    const mirror = (state.mirror ??= new GenerationMirror(`${this.id}/${subdir}`));
    const parts = repodataBytes(subdir, state);
    const drop = state.generations.slice(0, Math.max(0, state.generations.length - 1));
    try {
      for (let attempt = 0; ; attempt++) {
        const req = { kind: 'generation', key: mirror.key, dir, name, target, parts: mirror.encode(parts), drop } as const;
        if ((await indexWriteThread().run(req)) === 'ok') break;
        // 'missing': a new thread (the last one stopped), holding nothing: every buffer again.
        mirror.reset();
        if (attempt) throw new Error(`${target}: the index write thread lost the buffers it was sent`);
      }
    } catch (err) {
      mirror.reset();
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      // No symlinks here: the plain atomic write, from now on.
      this.swap = false;
      await writeFileAtomic(target, parts);
      return;
    }
    const first = !state.generations.length;
    state.generations.push(name);
    state.generations.splice(0, drop.length);
    if (first) await sweepDeadGenerations(dir);
  }

  /** A regular repodata.json again (the writer is closing), and its generation files gone. */
  private async unswap(subdir: string, state: SubdirState): Promise<void> {
    if (state.mirror) {
      const key = state.mirror.key;
      state.mirror = undefined;
      await indexWriteThread().run({ kind: 'forget', key }).catch(() => {});
    }
    if (!state.generations.length) return;
    await writeFileAtomic(join(this.root, subdir, 'repodata.json'), repodataBytes(subdir, state));
    for (const name of state.generations.splice(0)) await unlink(join(this.root, subdir, name)).catch(() => {});
  }

  /**
   * `<subdir>/repodata.json.zst` and `<subdir>/run_exports.json` of every subdir behind, then
   * `channeldata.json` (from every subdir of the channel: those this writer has not indexed yet are
   * loaded first). `force`: channeldata.json even when no subdir was behind.
   */
  private async writeExtras(force: boolean, background = false): Promise<void> {
    if (!force && ![...this.state.values()].some((st) => st.extrasDirty)) return;
    const started = performance.now();
    for (const subdir of await this.channelSubdirs()) {
      if (!this.state.has(subdir)) this.state.set(subdir, await this.load(subdir));
    }
    for (const [subdir, state] of this.state) {
      await this.writeIndex(subdir, state);
      if (!state.extrasDirty) continue;
      const json = Buffer.concat(repodataBytes(subdir, state));
      await writeFileAtomic(join(this.root, subdir, 'run_exports.json'), runExportsBytes(subdir, state));
      state.extrasDirty = false;
      const zst = join(this.root, subdir, 'repodata.json.zst');
      if (background) this.compressLater(state, json, zst);
      else {
        const bytes = await this.compress(json);
        state.zstOnDisk = true;
        await writeFileAtomic(zst, bytes);
      }
    }
    const subdirs = [...this.state.keys()].sort();
    await writeFileAtomic(
      join(this.root, 'channeldata.json'),
      channeldataBytes(subdirs.map((subdir) => {
        const state = this.state.get(subdir)!;
        // In file-name order, so the same files give the same bytes whatever order they came in.
        return { subdir, files: [...state.tarBz2, ...state.conda].sort().map((name) => state.files.get(name)!) };
      })),
    );
    this.stats.extras++;
    this.lastExtrasWrite = performance.now();
    this.extrasCostMs = this.lastExtrasWrite - started;
  }

  /**
   * `<subdir>/repodata.json.zst` of `json`, compressed on the index thread while the writes go on:
   * written (temp file + rename) only if repodata.json was not written since `json` was taken — a
   * repodata.json write that starts later waits for that write and then removes the .zst as usual —
   * else dropped (the derived files are behind again; the next derivation or close() makes them).
   */
  private compressLater(state: SubdirState, json: Buffer, zst: string): void {
    const seq = state.written;
    const job: Promise<void> = this.compress(json)
      .then((bytes) => {
        if (state.written !== seq || state.extrasDirty) return;
        state.zstOnDisk = true;
        const w: Promise<void> = writeFileAtomic(zst, bytes).finally(() => {
          if (this.zstWrite === w) this.zstWrite = null;
        });
        this.zstWrite = w;
        return w;
      })
      .catch(() => {
        // Not written (the thread or the disk failed us): behind, made again by the next derivation.
        state.extrasDirty = true;
      })
      .finally(() => this.zstJobs.delete(job));
    this.zstJobs.add(job);
  }

  /** repodata.json.zst's bytes (zstd level ZST_LEVEL), on the index thread when the writer uses it. */
  protected async compress(json: Buffer): Promise<Buffer> {
    if (!this.thread) return compress(json, { compressionLevel: ZST_LEVEL });
    const out = (await indexThread().run({ kind: 'compress', data: json, level: ZST_LEVEL })) as Uint8Array;
    indexThreadStats.compressions++;
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * Start reading a package file of this channel on the index thread before its update comes (the
   * files announced in one turn of the event loop go as one request per subdir). The read is used
   * by the write whose update names the file if the file's size and mtime still match then (else,
   * or if the read failed, the write reads it as usual, errors and all).
   */
  private readAhead(file: string): void {
    const path = resolve(file);
    const subdir = basename(dirname(path));
    const name = basename(path);
    if (dirname(dirname(path)) !== this.root || !isPackageFile(name) || name.startsWith('.')) return;
    if (!this.aheadQueue.size) setImmediate(() => this.sendAhead());
    let queued = this.aheadQueue.get(subdir);
    if (!queued) this.aheadQueue.set(subdir, (queued = { items: [], settle: [] }));
    queued.items.push({ path, name });
    this.ahead.set(path, new Promise((resolve) => queued.settle.push(resolve)));
  }

  private sendAhead(): void {
    const queued = this.aheadQueue;
    this.aheadQueue = new Map();
    for (const [subdir, { items, settle }] of queued) {
      indexThread().run({ kind: 'read', subdir, items }).then(
        (result) => {
          indexThreadStats.reads += items.length;
          (result as (ReadEntry | 'unchanged' | null)[]).forEach((e, i) => settle[i](e && e !== 'unchanged' ? fromThread(e) : undefined));
        },
        // Read again by the write (which reports the error, if it is still there).
        () => settle.forEach((done) => done(undefined)),
      );
    }
  }

  /** A file's read-ahead entry, if it is still what the file holds (same size and mtime); taken from the map. */
  private async takeAhead(path: string): Promise<IndexedFile | undefined> {
    const pending = this.ahead.get(path);
    if (!pending) return undefined;
    this.ahead.delete(path);
    const entry = await pending;
    if (!entry) return undefined;
    const st = statSync(path, { throwIfNoEntry: false });
    return st && st.isFile() && st.size === entry.size && st.mtimeMs === entry.mtimeMs ? entry : undefined;
  }

  /**
   * The entries of package files `names` of `dir` (`known`: the size and mtime the index holds for
   * one). With the index thread, new files of THREAD_MIN_BYTES or more are read there (in chunks);
   * the rest here, `width` at a time: a file the index knows is usually unchanged (an open and a
   * stat), and a small one costs less to read and hash than a round trip to the thread.
   */
  private async readFiles(dir: string, subdir: string, names: readonly string[], known: (name: string) => { size: number; mtimeMs: number } | undefined, width: number): Promise<Map<string, IndexedFile | 'unchanged' | null>> {
    const items: ReadItem[] = names.map((name) => {
      const k = known(name);
      return { path: join(dir, name), name, ...(k ? { known: { size: k.size, mtimeMs: k.mtimeMs } } : {}) };
    });
    const read = new Map<string, IndexedFile | 'unchanged' | null>();
    const here: ReadItem[] = [];
    const there: ReadItem[] = [];
    const ahead: Promise<void>[] = [];
    for (const item of items) {
      if (this.ahead.has(item.path)) {
        // Read ahead (announced): taken if the file did not change since, else read below.
        ahead.push(this.takeAhead(item.path).then((entry) => {
          if (entry) read.set(item.name, entry);
          else there.push(item);
        }));
      } else if (!this.thread || item.known) here.push(item);
      else if (this.threadMinBytes <= 0) there.push(item);
      else {
        const size = statSync(item.path, { throwIfNoEntry: false })?.size ?? 0;
        (size >= this.threadMinBytes ? there : here).push(item);
      }
    }
    await Promise.all(ahead);
    const chunks: Promise<void>[] = [];
    if (here.length) {
      chunks.push(readEntries(subdir, here, width).then((entries) => here.forEach((item, i) => read.set(item.name, entries[i]))));
    }
    for (let start = 0; start < there.length; start += THREAD_CHUNK) {
      const chunk = there.slice(start, start + THREAD_CHUNK);
      chunks.push(indexThread().run({ kind: 'read', subdir, items: chunk }).then((result) => {
        indexThreadStats.reads += chunk.length;
        const entries = result as (ReadEntry | 'unchanged' | null)[];
        entries.forEach((e, i) => read.set(chunk[i].name, e && e !== 'unchanged' ? fromThread(e) : e));
      }));
    }
    await Promise.all(chunks);
    return read;
  }

  /** Subdir dirs of the channel: those holding package files or a repodata.json. */
  private async channelSubdirs(): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(this.root, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'label') continue;
      // One this writer indexes: a subdir (its listing, 25,000 names in a large channel, is not needed).
      if (this.state.has(e.name)) {
        out.push(e.name);
        continue;
      }
      const files = await readdir(join(this.root, e.name)).catch(() => [] as string[]);
      if (files.includes('repodata.json') || files.some((n) => isPackageFile(n) && !n.startsWith('.'))) out.push(e.name);
    }
    return out;
  }

  private async writeCache(subdir: string, state: SubdirState): Promise<void> {
    const started = performance.now();
    // `{"version":2,"entries":{...}}` from entries serialised once each, kept joined per block.
    // The record's text is its repodata.json text (JSON too: whitespace aside), not serialised again.
    const entry = (name: string) => {
      const f = state.files.get(name)!;
      if (f.cacheBytes) return f.cacheBytes;
      const key = JSON.stringify(name);
      const record = repodataEntry(name, f).subarray(Buffer.byteLength(key) + 4);
      const head = Buffer.from(`${key}:{"size":${f.size},"mtimeMs":${f.mtimeMs},"runExports":${JSON.stringify(f.runExports)},"record":`);
      return (f.cacheBytes = Buffer.concat([head, record, CLOSE_BRACE]));
    };
    const bytes: Buffer[] = [Buffer.from(`{"version":${CACHE_VERSION},"entries":{`)];
    for (const section of [state.tarBz2, state.conda]) {
      const joined = section.joined('cache', entry);
      if (joined.length && bytes.length > 1) bytes.push(COMMA);
      bytes.push(...joined);
    }
    bytes.push(Buffer.from('}}'));
    state.cacheDirty = false;
    try {
      await writeFileAtomic(join(this.root, subdir, CACHE_FILE), bytes);
    } catch (err) {
      state.cacheDirty = true;
      throw err;
    }
    this.lastCacheWrite = performance.now();
    this.cacheCostMs = this.lastCacheWrite - started;
  }

  /** Package file names of a subdir dir (created when missing), in no particular order. */
  private async names(dir: string): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      entries = [];
    }
    return entries.filter((n) => isPackageFile(n) && !n.startsWith('.'));
  }

  /** A subdir's first update: every package file, records from the sidecar cache when still valid. */
  private async load(subdir: string): Promise<SubdirState> {
    const dir = join(this.root, subdir);
    const cache = await readCache(dir);
    const listedAt = performance.now();
    const names = (await this.names(dir)).sort();
    const cachedOf = (name: string) => (cache[name]?.runExports ? cache[name] : undefined);
    const found = await this.readFiles(dir, subdir, names, cachedOf, 16);
    let reread = false;
    const files = new Map<string, IndexedFile>();
    for (const name of names) {
      const read = found.get(name);
      // Gone since the listing (another writer of this dir removed it): not in the index.
      if (!read) continue;
      if (read !== 'unchanged') reread = true;
      files.set(name, read === 'unchanged' ? cachedOf(name)! : read);
    }
    const stale = reread || Object.keys(cache).length !== files.size;
    const sorted = [...files.keys()];
    const tarBz2 = SortedBlocks.from(sorted.filter((n) => !n.endsWith('.conda')));
    const conda = SortedBlocks.from(sorted.filter((n) => n.endsWith('.conda')));
    return { files, tarBz2, conda, dirty: true, cacheDirty: stale, listedAt, unlisted: false, extrasDirty: true, zstOnDisk: true, generations: [], written: 0 };
  }

  /**
   * A later update: the `changed` files of this dir that are new or whose size or mtime moved are
   * (re-)read, and a named file that is gone leaves the index. With `list`, the dir is listed too:
   * files gone from it leave the index, new ones are read. Costs a lookup per named file (and per
   * listed one), nothing per file already known (the index of a growing channel is not re-read
   * after each build).
   */
  private async refresh(subdir: string, state: SubdirState, changed: ReadonlySet<string>, list: boolean): Promise<void> {
    const dir = join(this.root, subdir);
    const toRead = new Set<string>();
    if (list) {
      state.listedAt = performance.now();
      state.unlisted = false;
      const names = await this.names(dir);
      this.listCostMs = performance.now() - state.listedAt;
      let known = 0;
      for (const name of names) {
        if (state.files.has(name)) known++;
        else toRead.add(name);
      }
      if (known < state.files.size) {
        const present = new Set(names);
        for (const name of [...state.files.keys()]) if (!present.has(name)) removeFile(state, name);
      }
    } else {
      state.unlisted = true;
    }
    for (const path of changed) {
      const name = basename(path);
      if (dirname(path) === dir && isPackageFile(name) && !name.startsWith('.')) toRead.add(name);
    }
    // Read in parallel (a batch holds every package built while the previous write ran), apply in order.
    // null: gone since it was named or listed.
    const read = await this.readFiles(dir, subdir, [...toRead], (name) => state.files.get(name), 8);
    for (const name of [...toRead].sort()) {
      const next = read.get(name)!;
      if (next === 'unchanged') continue;
      if (!next) {
        if (state.files.has(name)) removeFile(state, name);
        continue;
      }
      const section = name.endsWith('.conda') ? state.conda : state.tarBz2;
      if (!state.files.has(name)) section.insert(name);
      else section.invalidate(name);
      state.files.set(name, next);
      state.dirty = state.cacheDirty = true;
    }
  }
}

/** null for a file that is gone (ENOENT); other errors are thrown. */
function ignoreGone(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT') return null;
  throw err;
}

/** Writers made in the process (ChannelIndexWriter.id). */
let writerCounter = 0;

/** Generation numbers, unique in the process (several writers may serve one dir). */
let generationCounter = 0;

/**
 * A `<subdir>/repodata.json` a killed writer left as a symlink to its generation file (see
 * `swapIn`) made a regular file again, and that writer's generation files removed. A run that
 * builds nothing into the subdir never reopens its writer, so without this the channel would keep
 * a symlink to `.repodata.json.<deadpid>.<n>` (missed by an upload or a copy that does not follow
 * links). A dangling link is rebuilt from the package files. Returns whether anything changed.
 */
export async function settleDeadGenerations(subdirDir: string): Promise<boolean> {
  const target = join(subdirDir, 'repodata.json');
  let link: string;
  try {
    link = await readlink(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return false; // a regular file, or none
    throw err;
  }
  const m = GENERATION_FILE.exec(link);
  if (!m || !writerGone(Number(m[1]))) return false;
  const bytes = await readFile(join(subdirDir, link)).catch(ignoreGone);
  if (bytes) await writeFileAtomic(target, bytes);
  else {
    await unlink(target).catch(ignoreGone);
    await indexChannel(dirname(subdirDir), [basename(subdirDir)]);
  }
  await sweepDeadGenerations(subdirDir);
  return true;
}

const GENERATION_FILE = /^\.repodata\.json\.(\d+)\.\d+$/;

/** `.repodata.json.<pid>.<n>` files of processes that are gone (a killed run's writer). */
async function sweepDeadGenerations(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = GENERATION_FILE.exec(name);
    if (!m || !writerGone(Number(m[1]))) continue;
    await unlink(join(dir, name)).catch(() => {});
  }
}

/** Whether the process that named a file by its pid (a generation or temp file) is gone (core/conda/atomic-write.ts). */
export { writerGone };

/** Packages up to this size are read into memory once for their record (digests and metadata). */
const ONE_READ_LIMIT = 8 << 20;

/** Package files per request to the index thread. */
const THREAD_CHUNK = 256;

/**
 * New package files from this size on are read on the index thread (smaller ones, ~30 µs to read
 * and hash here, would cost about as much in the round trip's messages).
 */
const THREAD_MIN_BYTES = 32 << 10;

/** Packages up to this size are read synchronously (see readEntry). */
const SYNC_READ_LIMIT = 1 << 20;

/** Periodic work (listing, record cache, derived files) waits at least this many times its last cost. */
const ADAPT = 20;

/** zstd level of repodata.json.zst (conda-index writes level 16; 9 costs a third of the time for ~3% more bytes). */
const ZST_LEVEL = 9;

function removeFile(state: SubdirState, name: string): void {
  state.files.delete(name);
  (name.endsWith('.conda') ? state.conda : state.tarBz2).remove(name);
  state.dirty = state.cacheDirty = true;
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
  const writer = new ChannelIndexWriter(root);
  await writer.update(targets);
  await writer.close();
}
