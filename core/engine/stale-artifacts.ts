// A rebuilt package's earlier artifacts: when a new build of a package × target ends, every artifact
// recorded for its earlier builds that the new build does not reproduce identically (same path, same
// sha256) — a file whose name the new build does not produce, or a derived one such as the
// transmuter's .conda of the earlier .tar.bz2 — leaves the output channel before the build's index
// write, which is what lets dependents start: no solver sees an earlier build's file next to the new
// one (solvers prefer .conda over .tar.bz2 of the same name-version-build). Later stages make the
// derived files again from the new build. Only files inside the output channel are removed.
import { unlink } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Artifact } from '../model/types.ts';

export interface RecordedArtifact {
  path: string;
}

/** The recorded artifacts under `outputChannel` that `built` does not hold with the same bytes. */
export function staleArtifacts(recorded: readonly RecordedArtifact[], built: readonly Pick<Artifact, 'path'>[], outputChannel: string): RecordedArtifact[] {
  // A package's first build (the common case of a campaign): nothing recorded, no paths to compare.
  if (!recorded.length) return [];
  const root = resolve(outputChannel) + sep;
  const now = new Set(built.map((a) => resolve(a.path)));
  return recorded.filter((r) => {
    const path = resolve(r.path);
    // Same path: the new build wrote its own bytes there (indexed as a changed file), nothing to remove.
    return path.startsWith(root) && !now.has(path);
  });
}

/** Remove the stale files (gone already is fine); returns their paths, for the index update. */
export async function removeStale(stale: readonly RecordedArtifact[]): Promise<string[]> {
  const removed: string[] = [];
  for (const r of stale) {
    try {
      await unlink(r.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    removed.push(resolve(r.path));
  }
  return removed;
}
