// A package file beside a recorded artifact, with the same name-version-build in the other format,
// that no package records: an earlier build's (the transmuter's .conda of a .tar.bz2 since rebuilt,
// left by a version that did not remove it; or a transmute killed before its record, made again by
// the stage that re-runs). It would shadow the recorded build (solvers prefer .conda over .tar.bz2
// of the same name-version-build), so a run removes it before anything solves; the index
// reconciliation that follows drops its entry (file missing).
import { unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isPackageFile, packageStem } from '../conda/package-types.ts';

/** Remove the unrecorded other-format siblings of `recorded` (absolute paths); returns their paths. */
export async function removeUnrecordedSiblings(recorded: readonly string[]): Promise<string[]> {
  const known = new Set(recorded.map((p) => resolve(p)));
  const candidates = new Set<string>();
  for (const path of known) {
    const name = path.slice(dirname(path).length + 1);
    if (!isPackageFile(name)) continue;
    const stem = packageStem(name);
    for (const ext of ['tar.bz2', 'conda']) {
      const sibling = join(dirname(path), `${stem}.${ext}`);
      if (!known.has(sibling)) candidates.add(sibling);
    }
  }
  const removed: string[] = [];
  for (const path of [...candidates].sort()) {
    try {
      await unlink(path);
      removed.push(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return removed;
}
