// One package converted between the two conda formats, natively: `.tar.bz2` → `.conda` (a zip with
// STORED `metadata.json`, `pkg-<stem>.tar.zst`, `info-<stem>.tar.zst`) and `.conda` → `.tar.bz2`.
// Members are sorted (info/ first in a .tar.bz2, info/ in the info tarball of a .conda), owners
// 0/0 without names, every mtime the package's timestamp (info/index.json), modes kept: the same
// source gives the same bytes. The source is checked member by member as it is read (names that
// climb or are absolute, links leaving the package, duplicates, devices, a truncated or corrupt
// stream are refused), and the output is read back and compared with it before it is kept.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { tempPathFor } from '../../core/conda/atomic-write.ts';
import { packageFormat, packageStem, PackageFormatError, type PackageFormat } from '../../core/conda/package-types.ts';
import { walkPackage } from '../../core/conda/read-package.ts';
import { compareManifests, type ManifestEntry } from '../../core/conda/package-manifest.ts';
import { linkTargetProblem, memberPath, UnsafeArchiveError } from '../../core/conda/safe-extract.ts';
import type { TarInput } from '../../core/conda/tar-io.ts';
import { DEFAULT_TIMESTAMP_MS, writeConda, writeTarBz2 } from '../../core/conda/write-package.ts';

export { compareManifests };

/** The output does not hold what the source holds (it was deleted). */
export class TransmuteMismatchError extends Error {
  override name = 'TransmuteMismatchError';
  readonly failure = 'internal';
  constructor(
    message: string,
    readonly differences: string[],
  ) {
    super(message);
  }
}

export interface ConvertOptions {
  /** zstd level of a .conda's members (default 22, as `cph transmute`). */
  zstdLevel?: number;
  /** Members' content kept in memory up to this many bytes in all; the rest goes to a spill dir next to the output (default 256 MiB). */
  memoryLimit?: number;
  /** Called with the new output before it is read back (fault injection: a test damages it here). */
  beforeVerify?: (target: string) => Promise<void>;
}

export interface ConvertResult {
  source: string;
  target: string;
  /** `written`: converted now; `kept`: a valid output was there already. */
  status: 'written' | 'kept';
  members: number;
}

/** A member as read (readMembers): its entry, and its content in memory or in a spill file. */
export interface Member extends ManifestEntry {
  type: 'file' | 'symlink' | 'link' | 'directory';
  data?: Buffer;
  spill?: string;
}

/** The other format's file name: `x-1-0.tar.bz2` ↔ `x-1-0.conda`. */
export function otherFormat(filename: string): { format: PackageFormat; filename: string } {
  const format: PackageFormat = packageFormat(filename) === 'tar.bz2' ? 'conda' : 'tar.bz2';
  return { format, filename: `${packageStem(filename)}.${format}` };
}

async function hashed(content: Readable, keep: ((chunk: Buffer) => void) | null): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of content) {
    const buf = chunk as Buffer;
    h.update(buf);
    size += buf.length;
    keep?.(buf);
  }
  return { size, sha256: h.digest('hex') };
}

/**
 * Read every member of a package, checking each: a clean relative name, not seen before, a file,
 * symlink (target inside the package), hard link (to an earlier file member) or directory.
 * `store`: keep the content (memory, then spill files under `spillDir`); else only hash it.
 */
export async function readMembers(path: string, store: { spillDir: string; memoryLimit: number } | null): Promise<Member[]> {
  const members: Member[] = [];
  const seen = new Map<string, Member['type']>();
  let inMemory = 0;
  let spilled = 0;
  await walkPackage(path, async (entry, content) => {
    const name = memberPath(entry.name, path);
    if (!name) {
      if (entry.type === 'directory') return; // the archive root (`./`)
      throw new UnsafeArchiveError(`${path}: a ${entry.type} member has no name`);
    }
    if (seen.has(name)) throw new UnsafeArchiveError(`${path}: member '${name}' appears twice (a package holds each path once)`);
    const m: Member = { name, type: entry.type as Member['type'], mode: entry.mode & 0o7777, size: 0, sha256: null, linkname: null };
    if (entry.type === 'symlink') {
      const problem = linkTargetProblem(name, entry.linkname ?? '');
      if (problem) throw new UnsafeArchiveError(`${path}: symlink '${name}' has ${problem}`);
      m.linkname = entry.linkname;
    } else if (entry.type === 'link') {
      const target = memberPath(entry.linkname ?? '', path);
      if (seen.get(target) !== 'file') throw new UnsafeArchiveError(`${path}: hard link '${name}' points to '${entry.linkname}', which is not an earlier regular file of the package`);
      m.linkname = target;
    } else if (entry.type === 'file') {
      if (!store) {
        Object.assign(m, await hashed(content, null));
      } else if (inMemory + entry.size <= store.memoryLimit) {
        const chunks: Buffer[] = [];
        Object.assign(m, await hashed(content, (c) => chunks.push(c)));
        m.data = Buffer.concat(chunks);
        inMemory += m.data.length;
      } else {
        if (!spilled) await mkdir(store.spillDir, { recursive: true });
        m.spill = join(store.spillDir, String(spilled++));
        const out = createWriteStream(m.spill);
        const done = hashed(content, (c) => void out.write(c));
        Object.assign(m, await done);
        await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
    } else if (entry.type !== 'directory') {
      throw new UnsafeArchiveError(`${path}: member '${name}' is a ${entry.rawType}: a package holds files, links and directories only`);
    }
    seen.set(name, m.type);
    members.push(m);
  });
  if (!seen.has('info/index.json')) throw new PackageFormatError(`${path}: no info/index.json in package`);
  return members;
}

/** The members of a package as the verification compares them, sorted by name. */
export async function manifestOf(path: string): Promise<ManifestEntry[]> {
  return sortByName(await readMembers(path, null)).map(strip);
}

function strip({ data: _d, spill: _s, ...entry }: Member): ManifestEntry {
  return entry;
}

export function sortByName<T extends { name: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** mtime of every member: the package's timestamp (ms, or s in old packages), whole seconds. */
export function packageMtime(source: string, members: Member[]): Date {
  const index = members.find((m) => m.name === 'info/index.json');
  let ts = DEFAULT_TIMESTAMP_MS;
  const text = index?.data ?? null;
  if (text) {
    try {
      const value = JSON.parse(text.toString('utf8')).timestamp;
      if (typeof value === 'number' && value > 0) ts = value < 1e11 ? value * 1000 : value;
    } catch {
      throw new PackageFormatError(`${source}: info/index.json is not valid JSON`);
    }
  }
  return new Date(Math.floor(ts / 1000) * 1000);
}

export function tarInput(m: Member): TarInput {
  if (m.type !== 'file') return { name: m.name, type: m.type, linkname: m.linkname ?? undefined, mode: m.mode };
  if (m.data) return { name: m.name, data: m.data, mode: m.mode };
  const spill = m.spill!;
  return { name: m.name, open: () => createReadStream(spill), size: m.size, mode: m.mode };
}

/**
 * Convert `source` into the other format at `target` (default: next to it, `otherFormat`). An
 * output already there that holds the same members is kept; one that does not is replaced. The
 * new output is read back and compared with the source (member list, types, modes, sizes, sha256
 * of every file, link targets): on a difference it is deleted and a TransmuteMismatchError names
 * each difference.
 */
export async function convertPackage(source: string, target?: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const to = target ?? join(dirname(source), otherFormat(basename(source)).filename);
  const format = packageFormat(to);
  if (format === packageFormat(source)) throw new PackageFormatError(`${to}: same format as ${source}`);
  const existing = await stat(to).catch(() => null);
  if (existing?.isFile()) {
    const [want, have] = await Promise.all([manifestOf(source), manifestOf(to).catch(() => null)]);
    if (have && compareManifests(want, have).length === 0) return { source, target: to, status: 'kept', members: want.length };
  }
  const spillDir = tempPathFor(`${to}.spill`);
  try {
    const members = await readMembers(source, { spillDir, memoryLimit: opts.memoryLimit ?? 256 << 20 });
    const mtime = packageMtime(source, members);
    const sorted = sortByName(members);
    const info = sorted.filter((m) => m.name.startsWith('info/')).map(tarInput);
    const pkg = sorted.filter((m) => !m.name.startsWith('info/')).map(tarInput);
    await mkdir(dirname(to), { recursive: true });
    if (format === 'conda') await writeConda(info, pkg, mtime, to, packageStem(basename(to)), opts.zstdLevel ?? 22);
    else await writeTarBz2([...info, ...pkg], mtime, to);
    await opts.beforeVerify?.(to);
    const differences = compareManifests(sorted.map(strip), await manifestOf(to).catch((err) => {
      throw new TransmuteMismatchError(`${to}: the output cannot be read back (${(err as Error).message}); it was deleted`, [String(err)]);
    }));
    if (differences.length) {
      throw new TransmuteMismatchError(
        `${to}: does not hold what ${basename(source)} holds (${differences.length} difference(s): ${differences.slice(0, 5).join('; ')}${differences.length > 5 ? '; …' : ''}); it was deleted`,
        differences,
      );
    }
    return { source, target: to, status: 'written', members: members.length };
  } catch (err) {
    if (err instanceof TransmuteMismatchError) await rm(to, { force: true });
    throw err;
  } finally {
    await rm(spillDir, { recursive: true, force: true });
  }
}
