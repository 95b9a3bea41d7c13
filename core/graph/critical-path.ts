// Critical path: the longest chain of build-blocking edges through the planned nodes, weighted by
// node count or, when given, per-node durations (unknown nodes weigh 1). Dynamic programming over
// the stages (a topological order), O(V + E): the lower bound on the wall time of the rebuild.
import type { BuildOrderGraph } from './stages.ts';

/** Node ids from the first build to the last along the longest chain; [] when nothing is planned. */
export function criticalPath(order: BuildOrderGraph, stages: string[][], durations: Record<string, number> = {}): string[] {
  const weight = (id: string) => (Number.isFinite(durations[id]) && durations[id] >= 0 ? durations[id] : 1);
  const best = new Map<string, number>();
  const prev = new Map<string, string>();
  let end: string | null = null;
  for (const stage of stages) {
    for (const id of stage) {
      let from: string | null = null;
      let total = 0;
      order.forEachInNeighbor(id, (dep) => {
        const t = best.get(dep) ?? 0;
        if (from === null || t > total || (t === total && dep < from)) {
          from = dep;
          total = t;
        }
      });
      best.set(id, total + weight(id));
      if (from !== null) prev.set(id, from);
      if (end === null || best.get(id)! > best.get(end)! || (best.get(id) === best.get(end) && id < end)) end = id;
    }
  }
  const path: string[] = [];
  for (let id: string | null | undefined = end; id; id = prev.get(id)) path.unshift(id);
  return path;
}
