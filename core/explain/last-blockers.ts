// "Last blockers": unbuilt nodes that are the only unbuilt build-blocking dependency left of some
// waiting nodes — building one makes those ready at once.
import { waitsOnDependency, type ProgressView } from './progress.ts';

export interface LastBlocker {
  id: string;
  /** The waiting nodes that wait on this one alone (sorted). */
  unblocks: string[];
}

/** Most unblocked first (ties: id). */
export function lastBlockers(view: ProgressView): LastBlocker[] {
  const by = new Map<string, string[]>();
  for (const [id, deps] of view.pendingDeps) {
    if (!waitsOnDependency(view.progress.get(id)) || deps.length !== 1) continue;
    const list = by.get(deps[0]) ?? [];
    list.push(id);
    by.set(deps[0], list);
  }
  return [...by]
    .map(([id, unblocks]) => ({ id, unblocks: unblocks.sort() }))
    .sort((a, b) => b.unblocks.length - a.unblocks.length || a.id.localeCompare(b.id));
}
