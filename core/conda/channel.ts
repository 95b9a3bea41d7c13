// A local channel (a folder) as a destination: package files are added (copied or hard-linked in)
// and removed, and its index — `<subdir>/repodata.json` (+ `.zst`), `<subdir>/run_exports.json`,
// `channeldata.json` — follows through one ChannelIndexWriter per (sub-)channel. Labels are
// sub-channels: `label/<name>/<subdir>/`, each indexed on its own (anaconda.org's layout).
import { copyFile, link, mkdir, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EXIT } from '../engine/exit-codes.ts';
import { UserError } from '../model/errors.ts';
import type { Artifact } from '../model/types.ts';
import { removeDeadTemps, tempPathFor } from './atomic-write.ts';
import { sha256File } from './file-hash.ts';
import { isPackageFile } from './package-types.ts';
import { readPackageIndex } from './read-package.ts';
import { ChannelIndexWriter, type ChannelIndexWriterOptions } from './repodata.ts';

/** A file name already in the channel with other bytes (a package file is never replaced). */
export class ChannelConflictError extends UserError {
  override name = 'ChannelConflictError';
  constructor(
    message: string,
    readonly path: string,
    readonly existingSha256: string,
    readonly newSha256: string,
  ) {
    super(message, EXIT.DATAERR);
  }
}

/** What `add` did with one file. */
export interface AddedFile {
  filename: string;
  subdir: string;
  /** Where it is in the channel now. */
  path: string;
  sha256: string;
  /**
   * `added`: written now; `identical`: the channel already had these bytes under this name;
   * `replaced`: other bytes under this name were replaced (only with `replace: true`).
   */
  status: 'added' | 'identical' | 'replaced';
}

export interface AddOptions {
  /** Sub-channel `label/<label>/`; none or `main` is the channel itself. */
  label?: string;
  /** `link`: hard-link the file in (falls back to a copy across file systems); default `copy`. */
  mode?: 'copy' | 'link';
  /**
   * A name already there with other bytes is replaced (atomically, re-indexed) instead of refused:
   * for the work dir's own channels (tested), which follow the latest build of a package. Never for
   * publication (staging, production), where a different file under a published name is refused.
   */
  replace?: boolean;
  /**
   * `false`: repodata.json follows at once, but the derived files (`repodata.json.zst` — removed
   * meanwhile —, `run_exports.json`, `channeldata.json`) and the dir's listing follow at the index
   * writer's intervals and on `close()`, instead of with every call (each is a full rewrite): for a
   * work-dir channel added to once per package (tested). Default `true` (published channels).
   */
  complete?: boolean;
}

/** A package file to add: a path (its subdir read from info/index.json) or an artifact (its subdir given). */
export type AddInput = string | Pick<Artifact, 'path' | 'filename' | 'subdir'> & { sha256?: string };

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class LocalChannel {
  readonly root: string;
  private readonly writers = new Map<string, ChannelIndexWriter>();
  /** Subdir folders whose dead writers' temp files were removed (once per folder and instance). */
  private readonly swept = new Set<string>();

  constructor(
    root: string,
    private readonly options: ChannelIndexWriterOptions = {},
  ) {
    this.root = resolve(root);
  }

  /** The folder of a label's sub-channel (the channel itself for none or `main`). */
  dir(label?: string): string {
    if (label === undefined || label === 'main') return this.root;
    if (!LABEL.test(label)) throw new UserError(`channel label '${label}': use letters, digits, '.', '_' and '-' (starting with a letter or digit)`, EXIT.USAGE);
    return join(this.root, 'label', label);
  }

  /** The index writer of a (sub-)channel: the engine's per-build updates go through it too. */
  writer(label?: string): ChannelIndexWriter {
    const dir = this.dir(label);
    let w = this.writers.get(dir);
    if (!w) this.writers.set(dir, (w = new ChannelIndexWriter(dir, this.options)));
    return w;
  }

  /**
   * Put package files into the channel (or a label) and bring its index up to date (every index
   * file, when the promise resolves). A name already there with the same bytes is skipped
   * (`identical`); with other bytes the whole call is refused before anything is written
   * (ChannelConflictError), unless `replace` is set (`replaced`: the new bytes take the name). A
   * file appears under its name only complete (temp file, then a hard link that fails rather than
   * replace what another writer put there meanwhile; with `replace`, a rename over the old file).
   */
  async add(files: readonly AddInput[], opts: AddOptions = {}): Promise<AddedFile[]> {
    const dir = this.dir(opts.label);
    const plans: (AddedFile & { source: string })[] = [];
    for (const input of files) {
      const source = resolve(typeof input === 'string' ? input : input.path);
      const filename = typeof input === 'string' ? basename(source) : input.filename;
      if (!isPackageFile(filename) || filename.startsWith('.') || filename.includes('/')) {
        throw new UserError(`${source}: not a conda package file name (expected <name>-<version>-<build>.tar.bz2 or .conda)`, EXIT.DATAERR);
      }
      const subdir = typeof input === 'string' ? (await readPackageIndex(source)).subdir : input.subdir;
      if (!subdir || subdir.includes('/') || subdir.startsWith('.')) throw new UserError(`${source}: invalid subdir '${subdir}' in info/index.json`, EXIT.DATAERR);
      const sha256 = (typeof input !== 'string' && input.sha256) || (await sha256File(source));
      const path = join(dir, subdir, filename);
      const existing = await sha256File(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (existing !== null && existing !== sha256 && !opts.replace) throw conflict(path, existing, sha256);
      plans.push({ filename, subdir, path, sha256, status: existing === null ? 'added' : existing === sha256 ? 'identical' : 'replaced', source });
    }
    for (const p of plans) {
      if (p.status === 'identical') continue;
      const subdirDir = join(dir, p.subdir);
      await mkdir(subdirDir, { recursive: true });
      // A publication killed mid-copy left its temp file here (nothing else removes it: staging and
      // production are not the engine's channels, which are reconciled at a run's start).
      if (!this.swept.has(subdirDir)) {
        this.swept.add(subdirDir);
        await removeDeadTemps(subdirDir);
      }
      if (opts.replace) {
        await replaceWith(p.source, p.path);
        continue;
      }
      if (!(await place(p.source, p.path, opts.mode ?? 'copy'))) {
        // Someone else put a file under this name since we looked: the same bytes are fine.
        const now = await sha256File(p.path);
        if (now !== p.sha256) throw conflict(p.path, now, p.sha256);
        p.status = 'identical';
      }
    }
    const subdirs = [...new Set(plans.map((p) => p.subdir))].sort();
    await this.writer(opts.label).update(subdirs, plans.map((p) => p.path), { complete: opts.complete ?? true });
    return plans.map(({ source: _source, ...rest }) => rest);
  }

  /** Remove package files (by file name) from the channel or a label; returns those that were there. */
  async remove(filenames: readonly string[], opts: { label?: string } = {}): Promise<string[]> {
    const dir = this.dir(opts.label);
    const removed: string[] = [];
    const subdirs = new Set<string>();
    for (const subdir of await this.subdirs(opts.label)) {
      for (const filename of filenames) {
        if (!isPackageFile(filename) || filename.includes('/')) continue;
        const path = join(dir, subdir, filename);
        try {
          await unlink(path);
          removed.push(path);
          subdirs.add(subdir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    }
    if (subdirs.size) await this.writer(opts.label).update([...subdirs].sort(), removed, { complete: true });
    return removed;
  }

  /** Subdir folders of the channel or a label. */
  async subdirs(label?: string): Promise<string[]> {
    const entries = await readdir(this.dir(label), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'label').map((e) => e.name).sort();
  }

  /** Labels that have a sub-channel. */
  async labels(): Promise<string[]> {
    const entries = await readdir(join(this.root, 'label'), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && LABEL.test(e.name)).map((e) => e.name).sort();
  }

  /** Wait for index writes in flight and write what the writers left behind (record caches, derived files). */
  async close(): Promise<void> {
    for (const w of this.writers.values()) await w.close();
  }
}

function conflict(path: string, existing: string, wanted: string): ChannelConflictError {
  return new ChannelConflictError(
    `${path}: already in the channel with other content (sha256 ${existing.slice(0, 12)}…, new ${wanted.slice(0, 12)}…); ` +
      'a package file is never replaced: give the new build another build number or string, or remove the old file first',
    path,
    existing,
    wanted,
  );
}

/** Copy `source` over `target` (temp file, then rename: a reader sees the old file or the new one). */
async function replaceWith(source: string, target: string): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await copyFile(source, tmp);
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Hard-link or copy `source` to `target` without replacing anything; false when `target` exists. */
async function place(source: string, target: string, mode: 'copy' | 'link'): Promise<boolean> {
  if (mode === 'link') {
    try {
      await link(source, target);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    }
  }
  const tmp = tempPathFor(target);
  try {
    await copyFile(source, tmp);
    await link(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}
