// "Most needed": the unbuilt nodes ranked by how many waiting nodes transitively depend on them
// through build-blocking edges among unbuilt planned nodes (a built node in between no longer waits
// on anything). One depth-first search per unbuilt node over the pending subgraph, with an integer
// visit stamp instead of a fresh set: O(P · (P + E)) on the P unbuilt nodes; cycles are harmless.
import { waitsOnDependency, type ProgressView } from './progress.ts';

export interface MostNeeded {
  id: string;
  /** Waiting nodes that depend on it, directly or not. */
  waiting: number;
}

/** Every unbuilt planned node with at least one waiting dependent, most first (ties: id). */
export function mostNeeded(view: ProgressView): MostNeeded[] {
  const ids = [...view.pendingDeps.keys()];
  const index = new Map(ids.map((id, i) => [id, i]));
  const next = ids.map((id) => view.pendingDependents.get(id)!.map((d) => index.get(d)!));
  const waiting = ids.map((id) => waitsOnDependency(view.progress.get(id)));
  const stamp = new Int32Array(ids.length).fill(-1);
  const stack: number[] = [];
  const out: MostNeeded[] = [];
  for (let s = 0; s < ids.length; s++) {
    let count = 0;
    stamp[s] = s;
    stack.push(s);
    while (stack.length) {
      for (const d of next[stack.pop()!]) {
        if (stamp[d] === s) continue;
        stamp[d] = s;
        if (waiting[d]) count++;
        stack.push(d);
      }
    }
    if (count) out.push({ id: ids[s], waiting: count });
  }
  return out.sort((a, b) => b.waiting - a.waiting || a.id.localeCompare(b.id));
}
