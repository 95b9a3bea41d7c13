// The channels are the truth, the index must follow them: at the start of a run, every entry of our
// own channels' repodata.json whose package file is missing, or is a recorded artifact whose
// size/sha256 no longer match the state (found by resume, which hashes them anyway), is dropped.
// A solver then never picks a file that is not there (an HTTP 404 from our own loopback server),
// and the package's task, which resume marks for rebuild, adds it back once built.
import { readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeDeadTemps, writeFileAtomic } from '../conda/atomic-write.ts';
import { isPackageFile } from '../conda/package-types.ts';
import { ChannelIndexWriter, settleDeadGenerations } from '../conda/repodata.ts';

export interface DroppedEntry {
  channel: string;
  subdir: string;
  filename: string;
  why: 'missing' | 'changed';
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Drop the stale entries of one `<channel>/<subdir>/repodata.json`; rewritten only when something is dropped. */
async function reconcileSubdir(channel: string, subdir: string, changed: ReadonlySet<string>, unindexed?: string[], behind?: string[]): Promise<DroppedEntry[]> {
  const file = join(channel, subdir, 'repodata.json');
  // A killed run's index writer may have left repodata.json a symlink to its generation file.
  await settleDeadGenerations(join(channel, subdir));
  let data: any = null;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // None (nothing indexed), or damaged: nothing to drop, and its package files are unindexed (a
    // run killed between recording its first build and the first index write: a dependent of that
    // build starts at once on resume, before any index write of this run).
    data = null;
  }
  // Which files exist: one listing (a stat per entry costs ten times more on a large channel).
  let names: Set<string>;
  try {
    names = new Set(await readdir(join(channel, subdir)));
  } catch {
    return [];
  }
  // Temp files of writers that are gone (core/conda/atomic-write.ts tempPathFor:
  // `.<name>.<pid>.<hex>.tmp`, a .conda's parts too), left by a run killed mid-write.
  for (const name of await removeDeadTemps(join(channel, subdir), names)) names.delete(name);
  // The index writer removes repodata.json.zst while the derived files are behind repodata.json
  // (they follow it at most every few seconds): a run killed then left them stale, and nothing
  // rewrites them unless something is indexed in the subdir again.
  if (behind && data !== null && !names.has('repodata.json.zst')) behind.push(join(channel, subdir));
  const dropped: DroppedEntry[] = [];
  for (const key of ['packages', 'packages.conda']) {
    const records = data?.[key];
    if (!records || typeof records !== 'object') continue;
    for (const filename of Object.keys(records)) {
      const why: DroppedEntry['why'] | null = !names.has(filename) ? 'missing' : changed.has(join(channel, subdir, filename)) ? 'changed' : null;
      if (!why) continue;
      delete records[filename];
      dropped.push({ channel, subdir, filename, why });
    }
  }
  if (unindexed) {
    // Package files the index does not have (a run killed between recording a build and its index
    // write); not those known changed (dropped above: their packages are rebuilt).
    const indexed = new Set([...Object.keys(data?.packages ?? {}), ...Object.keys(data?.['packages.conda'] ?? {})]);
    for (const name of [...names].sort()) {
      const path = join(channel, subdir, name);
      if (isPackageFile(name) && !name.startsWith('.') && !indexed.has(name) && !changed.has(path)) unindexed.push(path);
    }
  }
  if (dropped.length) {
    // repodata.json.zst still lists the dropped files, and solvers read it first (rattler asks for
    // it before repodata.json): it goes before the JSON changes, as the index writer does. The
    // derived files follow at the index write of the package rebuilt (not at once: an index of the
    // dir's files would list a changed file again).
    if (names.has('repodata.json.zst')) {
      await unlink(join(channel, subdir, 'repodata.json.zst')).catch((err) => {
        if (code(err) !== 'ENOENT') throw err;
      });
    }
    // The index writer's format (JSON, one-space indent, final newline): parsing and writing it back
    // changes nothing but the dropped entries.
    await writeFileAtomic(file, `${JSON.stringify(data, null, 1)}\n`);
  }
  return dropped;
}

/**
 * Reconcile the indexes of these channel dirs (missing dirs are skipped) with their files.
 * `changed`: package files (absolute paths) known to differ from what was indexed — recorded
 * artifacts whose size or sha256 no longer match the state. `unindexed`, when given, receives the
 * package files (absolute paths) of each subdir that its repodata.json does not list (all of them
 * when it has none, or a damaged one);
 * `behind` the subdir dirs whose derived index files are behind their repodata.json (no
 * repodata.json.zst: a killed writer's), for the caller to index again.
 */
export async function reconcileChannelIndexes(channels: readonly string[], changed: ReadonlySet<string> = new Set(), unindexed?: string[], behind?: string[]): Promise<DroppedEntry[]> {
  const out: DroppedEntry[] = [];
  for (const channel of [...new Set(channels)]) {
    let subdirs: string[];
    try {
      subdirs = (await readdir(channel, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') continue;
      throw err;
    }
    for (const subdir of subdirs) out.push(...(await reconcileSubdir(channel, subdir, changed, unindexed, behind)));
  }
  return out;
}

/**
 * A local channel the engine's own index writers do not serve (the tester's tested channel),
 * reconciled the same way — a killed writer's symlink settled, entries of missing files dropped —
 * and, where a killed run left its derived files behind (no repodata.json.zst) or package files
 * unindexed, indexed again by a writer of its own, closed before this returns (nothing else writes
 * the channel yet). A run that tests nothing would otherwise leave them so. Lines for the user.
 */
export async function reconcileStandaloneChannel(channel: string): Promise<string[]> {
  const unindexed: string[] = [];
  const behind: string[] = [];
  const dropped = await reconcileChannelIndexes([channel], new Set(), unindexed, behind);
  const subdirs = [...new Set([...unindexed.map((p) => basename(dirname(p))), ...behind.map((p) => basename(p))])].sort();
  if (subdirs.length) {
    const writer = new ChannelIndexWriter(channel);
    try {
      await writer.update(subdirs, unindexed, { complete: true });
    } finally {
      await writer.close();
    }
  }
  return describeDropped(dropped, 'the index follows the files');
}

/** One line per channel subdir for the user: what was dropped and why. */
export function describeDropped(dropped: readonly DroppedEntry[], then = 'a package of the plan is rebuilt'): string[] {
  const groups = new Map<string, DroppedEntry[]>();
  for (const d of dropped) {
    const key = join(d.channel, d.subdir, 'repodata.json');
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const why = { missing: 'file missing', changed: 'changed since it was built' };
  return [...groups].map(([file, list]) =>
    `${file}: dropped ${list.length} stale entr${list.length === 1 ? 'y' : 'ies'} (${list.slice(0, 5).map((d) => `${d.filename}: ${why[d.why]}`).join('; ')}${list.length > 5 ? `; +${list.length - 5} more` : ''}); ${then}`);
}
