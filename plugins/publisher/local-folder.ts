// A local folder as a publish destination (staging or production), over core/conda/channel.ts's
// LocalChannel: `<root>/<subdir>/<file>` for the `main` label, `<root>/label/<label>/<subdir>/<file>`
// for the others (anaconda.org's layout), each indexed incrementally; a file appears only complete,
// the same name with other content is refused, the same content skipped.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ChannelConflictError as LocalConflictError, LocalChannel } from '../../core/conda/channel.ts';
import { sha256File } from '../../core/conda/file-hash.ts';
import type { Subdir } from '../../core/model/types.ts';
import { ChannelConflictError, type ChannelDestination, type PackageFile, type PutResult } from './destination.ts';

export class LocalFolderChannel implements ChannelDestination {
  readonly kind = 'local' as const;
  readonly local: LocalChannel;

  constructor(
    /** Absolute folder. */
    readonly root: string,
    readonly channel: string = root,
  ) {
    this.local = new LocalChannel(root);
  }

  pathOf(file: Pick<PackageFile, 'subdir' | 'filename'>, label: string): string {
    return join(this.local.dir(label), file.subdir, file.filename);
  }

  async lookup(file: PackageFile, label: string): Promise<string | null> {
    const path = this.pathOf(file, label);
    const st = await stat(path).catch(() => null);
    return st?.isFile() ? sha256File(path) : null;
  }

  async put(file: PackageFile, label: string): Promise<PutResult> {
    let added;
    try {
      // No sha256 passed in: the channel hashes the bytes it is given, not what the build recorded.
      [added] = await this.local.add([{ path: file.path, filename: file.filename, subdir: file.subdir as Subdir }], { label });
    } catch (err) {
      if (err instanceof LocalConflictError) throw new ChannelConflictError(err.message, err.existingSha256);
      throw err;
    }
    // What is in the channel now, read back: the copy is checked, not assumed.
    return { sha256: await sha256File(added.path), skipped: added.status === 'identical', location: added.path };
  }

  /** Remove the file from its subdir only (LocalChannel.remove takes a name out of every subdir). */
  async remove(file: PackageFile, label: string): Promise<void> {
    const path = this.pathOf(file, label);
    await rm(path, { force: true });
    await this.local.writer(label).update([file.subdir], [path], { complete: true });
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}

/**
 * One LocalFolderChannel per folder for the publish groups in flight at the same time (the engine
 * runs publish tasks side by side). Two index writers of one dir each write repodata.json from their
 * own listing, so the one written last drops what the other added: groups published together share
 * one writer, closed (record caches, derived index files) when the last of them is done; a group that
 * starts meanwhile waits for that close before it touches the folder.
 */
export class SharedFolders {
  private readonly open = new Map<string, { folder: LocalFolderChannel; users: number; ready: Promise<void> }>();

  acquire(root: string, channel: string = root): ChannelDestination {
    let found = this.open.get(root);
    if (!found) this.open.set(root, (found = { folder: new LocalFolderChannel(root, channel), users: 0, ready: Promise.resolve() }));
    const entry = found;
    const { folder } = entry;
    entry.users++;
    let closed: Promise<void> | null = null;
    return {
      kind: 'local',
      channel,
      lookup: async (file, label) => (await entry.ready, folder.lookup(file, label)),
      put: async (file, label) => (await entry.ready, folder.put(file, label)),
      remove: async (file, label) => (await entry.ready, folder.remove(file, label)),
      close: () => {
        if (closed) return closed;
        if (--entry.users > 0) return (closed = entry.ready);
        closed = entry.ready.then(() => folder.close());
        entry.ready = closed.catch(() => {});
        return closed;
      },
    };
  }
}
