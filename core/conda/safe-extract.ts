// One writer for every archive we unpack (conda packages of both formats, source archives): no
// write, link or replacement ever resolves outside the destination. Member names are relative and
// never climb; every parent directory is checked with lstat (a real directory inside the
// destination, never a symlink) before anything is created in it; files are created with
// O_EXCL|O_NOFOLLOW; symlink targets stay inside; hard links point to earlier regular-file members
// of the same archive; an earlier link is never replaced; devices and fifos are refused.
import { constants, existsSync, type Dirent } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readlink, realpath, rename, rmdir, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../model/errors.ts';
import { EXIT } from '../engine/exit-codes.ts';

/** An archive that cannot be read or is refused: bad input data (exit 65; a package build fails with 'build'). */
export class ArchiveError extends UserError {
  override name = 'ArchiveError';
  readonly failure = 'build';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.DATAERR);
    if (options?.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

/** A member that would write, link or replace outside the destination (or a device, fifo, duplicate link). */
export class UnsafeArchiveError extends ArchiveError {
  override name = 'UnsafeArchiveError';
}

/** Member kinds the writer creates. */
export type MemberKind = 'file' | 'symlink' | 'link' | 'directory';

/** Errors of the file system itself (full disk, permissions) pass through readers unchanged. */
export function isSystemError(err: unknown): boolean {
  return !!err && typeof err === 'object' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * A member name as a clean relative path ('' for the archive root, e.g. `./`), or an
 * UnsafeArchiveError when it is absolute, climbs with `..`, or holds a NUL.
 */
export function memberPath(name: string, archive: string): string {
  if (name.startsWith('/') || name.includes('\0') || name.split('/').includes('..')) {
    throw new UnsafeArchiveError(`${archive}: member '${name}' would be written outside the destination`);
  }
  return name
    .split('/')
    .filter((p) => p && p !== '.')
    .join('/');
}

/**
 * Why a symlink at `rel` with `target` would leave the destination, or null when it stays inside.
 * A target is relative; its `..` steps all come first (they climb real directories: the link's own
 * parents, checked when it was made) and never above the root; the rest only descends. A `..`
 * after a name is refused: that name may be a symlink, and `..` would then climb from wherever
 * it points.
 */
export function linkTargetProblem(rel: string, target: string): string | null {
  if (!target) return 'an empty target';
  if (target.includes('\0')) return 'a NUL in its target';
  if (target.startsWith('/')) return `an absolute target '${target}'`;
  const parts = target.split('/').filter((p) => p && p !== '.');
  const ups = parts.findIndex((p) => p !== '..');
  const climb = ups < 0 ? parts.length : ups;
  if (parts.slice(climb).includes('..')) return `a target '${target}' with '..' after a name`;
  const depth = posix.dirname(rel) === '.' ? 0 : posix.dirname(rel).split('/').length;
  if (climb > depth) return `a target '${target}' outside the destination`;
  return null;
}

// On Linux a path under /proc/self/fd/<dir fd>/ resolves from that open directory, as openat(2)
// does (Node has no openat): names are created in a directory handle opened component by component
// with O_NOFOLLOW, so a folder swapped for a symlink after its check is not followed either.
const PROC_FD = '/proc/self/fd';
const HAVE_PROC_FD = existsSync(PROC_FD);

/**
 * Writes archive members under one root; one instance per archive (it remembers what it wrote).
 * `close()` when done (it holds a directory handle).
 */
export class SafeExtractor {
  /** Relative paths known to be real directories (checked or made by this writer). */
  private readonly dirs = new Set<string>(['']);
  /** What each member path of this archive became. */
  private readonly members = new Map<string, MemberKind>();
  /** The directory handle `at()` last opened. */
  private held: { rel: string; fh: FileHandle } | null = null;

  private constructor(
    readonly root: string,
    readonly archive: string,
  ) {}

  /** The destination is made when missing; it is trusted as given (it may itself be a symlink). */
  static async open(dest: string, archive: string): Promise<SafeExtractor> {
    await mkdir(dest, { recursive: true });
    return new SafeExtractor(await realpath(dest), archive);
  }

  /** Open `dest`, run `fn` with its writer, and close the writer (also on errors). */
  static async within<T>(dest: string, archive: string, fn: (out: SafeExtractor) => Promise<T>): Promise<T> {
    const out = await SafeExtractor.open(dest, archive);
    try {
      return await fn(out);
    } finally {
      await out.close();
    }
  }

  path(rel: string): string {
    return rel ? join(this.root, rel) : this.root;
  }

  async close(): Promise<void> {
    const held = this.held;
    this.held = null;
    await held?.fh.close();
  }

  /**
   * A handle on the directory `rel` under the root, opened one component at a time with
   * O_NOFOLLOW|O_DIRECTORY (from the handle held, when `rel` is below it).
   */
  private async dirHandle(rel: string, member: string): Promise<FileHandle> {
    if (this.held?.rel === rel) return this.held.fh;
    let fh: FileHandle;
    let cur: string;
    if (this.held && (this.held.rel === '' || rel.startsWith(`${this.held.rel}/`))) {
      ({ fh, rel: cur } = this.held);
      this.held = null;
    } else {
      await this.close();
      fh = await open(this.root, constants.O_RDONLY | constants.O_DIRECTORY);
      cur = '';
    }
    try {
      for (const part of (cur ? rel.slice(cur.length + 1) : rel).split('/').filter(Boolean)) {
        cur = cur ? `${cur}/${part}` : part;
        const next = await open(`${PROC_FD}/${fh.fd}/${part}`, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch(
          (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ELOOP' && err.code !== 'ENOTDIR') throw err;
            throw this.unsafe(`member '${member}' needs directory '${cur}', which is not a real directory: refusing to write through it`);
          },
        );
        await fh.close();
        fh = next;
      }
    } catch (err) {
      await fh.close();
      throw err;
    }
    this.held = { rel, fh };
    return fh;
  }

  /**
   * The path by which to make, replace or open `rel`: its name under its parent's directory handle
   * (Linux), else the plain path. Valid until the next call.
   */
  private async at(rel: string): Promise<string> {
    if (!HAVE_PROC_FD || !rel) return this.path(rel);
    const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const fh = await this.dirHandle(parent, rel);
    return `${PROC_FD}/${fh.fd}/${posix.basename(rel)}`;
  }

  private unsafe(what: string): UnsafeArchiveError {
    return new UnsafeArchiveError(`${this.archive}: ${what}`);
  }

  /** Check (and with `create`, make) every component of `rel` as a real directory; false when one is missing. */
  private async directoryChain(rel: string, member: string, create: boolean): Promise<boolean> {
    if (this.dirs.has(rel)) return true;
    let cur = '';
    for (const part of rel.split('/')) {
      cur = cur ? `${cur}/${part}` : part;
      if (this.dirs.has(cur)) continue;
      let st = await lstat(await this.at(cur)).catch(() => null);
      if (!st) {
        if (!create) return false;
        await mkdir(await this.at(cur)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        st = await lstat(await this.at(cur));
      }
      if (!st.isDirectory()) {
        const what = st.isSymbolicLink() ? 'a symlink' : 'not a directory';
        throw this.unsafe(`member '${member}' needs directory '${cur}', which is ${what}: refusing to write through it`);
      }
      this.dirs.add(cur);
    }
    return true;
  }

  /** Make room for a non-directory member at `rel`: parents checked, no earlier link or directory replaced. */
  private async prepare(rel: string, kind: MemberKind): Promise<string> {
    if (!rel) throw this.unsafe(`a ${kind} member has an empty name`);
    const earlier = this.members.get(rel);
    if (earlier && (earlier !== 'file' || kind !== 'file')) {
      throw this.unsafe(`member '${rel}' appears twice (a ${kind} would replace an earlier ${earlier})`);
    }
    await this.directoryChain(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), rel, true);
    const abs = await this.at(rel);
    const st = await lstat(abs).catch(() => null);
    if (st?.isDirectory()) throw this.unsafe(`member '${rel}' (a ${kind}) would replace the directory '${rel}'`);
    if (st) await unlink(abs); // a symlink is removed, never followed
    this.members.set(rel, kind);
    return abs;
  }

  async directory(rel: string): Promise<void> {
    const earlier = this.members.get(rel);
    if (earlier && earlier !== 'directory') throw this.unsafe(`directory member '${rel}' would replace an earlier ${earlier}`);
    await this.directoryChain(rel, rel, true);
    if (rel) this.members.set(rel, 'directory');
  }

  /** A regular file with `mode` (permission bits only: setuid, setgid and sticky bits are dropped). */
  async file(rel: string, content: Readable | Buffer, mode = 0o644): Promise<void> {
    const abs = await this.prepare(rel, 'file');
    const perm = mode & 0o777;
    const fh = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, perm);
    try {
      await fh.chmod(perm); // the umask does not decide a package file's mode
      if (Buffer.isBuffer(content)) await fh.writeFile(content);
    } catch (err) {
      await fh.close();
      throw err;
    }
    if (Buffer.isBuffer(content)) await fh.close();
    else await pipeline(content, fh.createWriteStream()); // the stream closes the handle, also on errors
  }

  async symlink(rel: string, target: string): Promise<void> {
    const problem = linkTargetProblem(rel, target);
    if (problem) throw this.unsafe(`symlink '${rel}' has ${problem}`);
    await symlink(target, await this.prepare(rel, 'symlink'));
  }

  /** A hard link to `targetName`, which must be an earlier regular-file member of this archive. */
  async hardlink(rel: string, targetName: string): Promise<void> {
    const climbs = targetName.startsWith('/') || targetName.includes('\0') || targetName.split('/').includes('..');
    const target = climbs ? '' : memberPath(targetName, this.archive);
    const kind = climbs ? undefined : this.members.get(target);
    if (kind !== 'file' && kind !== 'link') {
      throw this.unsafe(`hard link '${rel}' points to '${targetName}', which is not an earlier regular file of this archive`);
    }
    const abs = await this.prepare(rel, 'link');
    // link(2) does not follow a symlink in its source; the source is our own file anyway.
    await link(this.path(target), abs).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
      const src = await open(this.path(target), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const st = await src.stat();
        this.members.delete(rel);
        await this.file(rel, await src.readFile(), st.mode);
        this.members.set(rel, 'link');
      } finally {
        await src.close();
      }
    });
  }

  /** Move a member written by this archive to `to` (noarch python relocation). */
  async move(from: string, to: string): Promise<void> {
    const kind = this.members.get(from);
    if (!kind || kind === 'directory') throw this.unsafe(`cannot move '${from}': not a file of this archive`);
    if (kind === 'symlink') {
      // Its target counts from its new folder.
      const problem = linkTargetProblem(to, await readlink(this.path(from)));
      if (problem) throw this.unsafe(`symlink '${from}' moved to '${to}' would have ${problem}`);
    }
    this.members.delete(from);
    const abs = await this.prepare(to, kind);
    await rename(this.path(from), abs);
  }

  /**
   * Open a regular file this archive wrote, for reading and writing in place, without following
   * a symlink anywhere on its path; null when it is not one (a symlink, a missing file).
   */
  async openOwnFile(rel: string): Promise<FileHandle | null> {
    const kind = this.members.get(rel);
    if (kind !== 'file' && kind !== 'link') return null;
    if (!(await this.directoryChain(posix.dirname(rel) === '.' ? '' : posix.dirname(rel), rel, false))) return null;
    const fh = await open(await this.at(rel), constants.O_RDWR | constants.O_NOFOLLOW).catch(() => null);
    if (fh && !(await fh.stat()).isFile()) {
      await fh.close();
      return null;
    }
    return fh;
  }

  /** Remove `rel` and its sub-folders when they hold no files (left behind by relocation). */
  async pruneEmptyDirs(rel: string): Promise<void> {
    const entries: Dirent[] | null = await readdir(this.path(rel), { withFileTypes: true }).catch(() => null);
    if (!entries || !this.dirs.has(rel)) return;
    for (const e of entries) if (e.isDirectory()) await this.pruneEmptyDirs(rel ? `${rel}/${e.name}` : e.name);
    if (!rel) return;
    await rmdir(await this.at(rel)).then(
      () => {
        this.dirs.delete(rel);
        this.members.delete(rel);
      },
      () => {}, // not empty: keep it
    );
  }

  /**
   * Move the tree at `from` (a real directory outside this writer's view, e.g. a temp unpack dir)
   * into `rel`: directories are merged (checked like any parent), files renamed into place,
   * symlinks made anew (so their targets are checked against this root).
   */
  async mergeTree(from: string, rel = ''): Promise<void> {
    await this.directoryChain(rel, rel || '.', true);
    for (const e of await readdir(from, { withFileTypes: true })) {
      const src = join(from, e.name);
      const to = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await this.mergeTree(src, to);
      else if (e.isSymbolicLink()) await this.symlink(to, await readlink(src));
      else if (e.isFile()) await rename(src, await this.prepare(to, 'file'));
      else throw this.unsafe(`'${to}' is not a file, directory or symlink`);
      this.members.delete(to); // a later source may replace what an earlier one put here
    }
  }
}
