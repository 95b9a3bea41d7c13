// A channel kind of our own: a PEP 503 "simple" index inside a label of a local channel,
// `<channel>/label/<label>/simple/` (`<channel>/simple/` for `main`), next to the conda subdirs the
// publisher writes there. Each project has `simple/<project>/` with its wheels and its index.html;
// `simple/index.html` lists the projects. pip reads it as `--index-url file://<that folder>`.
// Each wheel's Requires-Python (its dist-info/METADATA) is given on its anchor.
//
// Like the conda channel (LocalChannel): a wheel appears under its name only complete (temp file,
// then a link that never replaces a file), the same name with other bytes is refused (an index
// never changes a published file), the same bytes are skipped; each page is written atomically
// and rewritten from what the folder holds, so the pages never list a file that is not there.
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalChannel, sha256File, writeFileAtomic } from 'rebuild';
import { parseWheelName, renderProjectIndex, renderRootIndex, type IndexFile } from './pep503.ts';
import { metadataField, readWheelMetadata } from './wheel-metadata.ts';

export interface AddedWheel {
  filename: string;
  /** Normalized project name: the folder under `simple/`. */
  project: string;
  /** Where the wheel now is. */
  path: string;
  sha256: string;
  status: 'added' | 'identical';
}

/** The index holds a wheel of that name with other bytes. */
export class WheelConflictError extends Error {
  override name = 'WheelConflictError';
  constructor(
    readonly path: string,
    readonly existingSha256: string,
    readonly sha256: string,
  ) {
    super(`${path} exists with other content (sha256 ${existingSha256}, this build's ${sha256}): a published wheel is never replaced; raise the version or remove the file`);
  }
}

// One writer at a time per index folder in this process: two groups published side by side would
// each write simple/index.html from their own listing.
const chains = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const next = (chains.get(key) ?? Promise.resolve()).then(work, work);
  chains.set(key, next.catch(() => {}));
  return next;
}

const hashOrNull = (path: string): Promise<string | null> =>
  sha256File(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });

export class SimpleIndexChannel {
  readonly kind = 'pep503-simple';
  private readonly channelDirs: LocalChannel;

  constructor(
    /** Absolute folder of the channel. */
    readonly root: string,
  ) {
    this.channelDirs = new LocalChannel(root);
  }

  /** The index folder of a label (what `--index-url file://…` names). */
  dir(label: string): string {
    return join(this.channelDirs.dir(label), 'simple');
  }

  /** The sha256 of a wheel under `label`, or null when the index has no such file. */
  async lookup(filename: string, label: string): Promise<string | null> {
    const parsed = parseWheelName(filename);
    return parsed ? hashOrNull(join(this.dir(label), parsed.project, filename)) : null;
  }

  /** Put wheels into the label's index and rewrite the pages they change (all checked before any is written). */
  add(files: readonly { path: string; filename: string }[], label: string): Promise<AddedWheel[]> {
    const dir = this.dir(label);
    return serialized(dir, async () => {
      const plans: (AddedWheel & { source: string })[] = [];
      for (const f of files) {
        const parsed = parseWheelName(f.filename);
        if (!parsed) throw new Error(`${f.path}: not a wheel file name (<name>-<version>-<python>-<abi>-<platform>.whl)`);
        const path = join(dir, parsed.project, f.filename);
        // A file that is not a readable wheel is refused before anything is written.
        await readWheelMetadata(f.path);
        const sha256 = await sha256File(f.path);
        const existing = await hashOrNull(path);
        if (existing !== null && existing !== sha256) throw new WheelConflictError(path, existing, sha256);
        plans.push({ filename: f.filename, project: parsed.project, path, sha256, status: existing === null ? 'added' : 'identical', source: f.path });
      }
      for (const p of plans) {
        if (p.status === 'identical') continue;
        await mkdir(join(dir, p.project), { recursive: true });
        const tmp = join(dir, p.project, `.${p.filename}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
        try {
          await copyFile(p.source, tmp);
          await link(tmp, p.path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          // Put there since we looked (another process): the same bytes are fine.
          const now = await sha256File(p.path);
          if (now !== p.sha256) throw new WheelConflictError(p.path, now, p.sha256);
          p.status = 'identical';
        } finally {
          await rm(tmp, { force: true });
        }
      }
      await this.reindex(label, [...new Set(plans.map((p) => p.project))]);
      return plans.map(({ source: _source, ...rest }) => rest);
    });
  }

  /** Rewrite the pages of `projects` and the root page from what the folder holds. */
  private async reindex(label: string, projects: string[]): Promise<void> {
    const dir = this.dir(label);
    for (const project of projects) {
      const files: IndexFile[] = [];
      for (const name of (await readdir(join(dir, project))).sort()) {
        if (name.startsWith('.') || parseWheelName(name)?.project !== project) continue;
        const path = join(dir, project, name);
        const metadata = (await readWheelMetadata(path)).toString('utf8');
        files.push({ filename: name, sha256: await sha256File(path), requiresPython: metadataField(metadata, 'Requires-Python') });
      }
      await writeFileAtomic(join(dir, project, 'index.html'), renderProjectIndex(project, files));
    }
    const listed: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      if (await stat(join(dir, entry.name, 'index.html')).catch(() => null)) listed.push(entry.name);
    }
    await writeFileAtomic(join(dir, 'index.html'), renderRootIndex(listed));
  }
}
