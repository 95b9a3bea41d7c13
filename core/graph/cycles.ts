// Cycles: the strongly connected components (Tarjan, scc.ts) of the build-blocking edges among
// planned nodes. Each is reported as one concrete cycle — the shortest one through the member the
// others need most (breadth-first search inside the component) — with the edge labels along it.
// That member is also the suggested bootstrap when no declared bootstrap build breaks the cycle.
import type { Cycle, EdgeReason, PackageNode } from '../model/types.ts';
import type { PackageGraph } from './package-graph.ts';
import { componentsOf } from './scc.ts';

/** Planned dependents of a node through build-blocking edges. */
export function blockingDependents(graph: PackageGraph, id: string): string[] {
  const out: string[] = [];
  graph.forEachOutEdge(id, (_e, edge, _s, target, _sa, node) => {
    if (edge.blocksBuild && node.status === 'planned') out.push(target);
  });
  return out;
}

/**
 * Components of planned nodes that cannot be ordered (more than one member, or a self edge), members
 * sorted. The blocking edges between planned nodes are read once into typed arrays (componentsOf):
 * the planner searches every planned node several times (python chain, each bootstrap round).
 */
export function plannedCycles(graph: PackageGraph): string[][] {
  const planned = graph.filterNodes((_, n) => n.status === 'planned').sort();
  const n = planned.length;
  const at = new Map<string, number>();
  for (let i = 0; i < n; i++) at.set(planned[i], i);
  // The edges into planned nodes only (about a fifth of the nodes); the components do not depend on
  // the order the edges are read in.
  const from: number[] = [];
  const to: number[] = [];
  let target = 0;
  const read = (source: string, sa: PackageNode) => {
    if (sa.status === 'planned') from.push(at.get(source)!), to.push(target);
  };
  for (target = 0; target < n; target++) graph.forEachBlockingInNeighbor(planned[target], read);
  const starts = new Uint32Array(n + 1);
  for (const f of from) starts[f + 1]++;
  for (let i = 0; i < n; i++) starts[i + 1] += starts[i];
  const fill = starts.slice(0, n);
  const succ = new Uint32Array(from.length);
  for (let k = 0; k < from.length; k++) succ[fill[from[k]]++] = to[k];
  const component = componentsOf(n, starts, succ);
  const sizes = new Uint32Array(n);
  for (let i = 0; i < n; i++) sizes[component[i]]++;
  const members = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const c = component[i];
    if (sizes[c] < 2 && !graph.hasDirectedEdge(planned[i], planned[i])) continue;
    const list = members.get(c);
    if (list) list.push(planned[i]); // in sorted order: `planned` is
    else members.set(c, [planned[i]]);
  }
  return [...members.values()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** Per member: how many other members need it to build (its blocking dependents inside the component). */
export function inCycleDependents(graph: PackageGraph, members: readonly string[]): Map<string, number> {
  const set = new Set(members);
  return new Map(members.map((m) => [m, blockingDependents(graph, m).filter((d) => d !== m && set.has(d)).length]));
}

/** The member most others need (ties: smallest id): the one whose bootstrap build would break most. */
export function keyMember(graph: PackageGraph, members: readonly string[], eligible: (id: string) => boolean = () => true): string | null {
  const counts = inCycleDependents(graph, members);
  let best: string | null = null;
  for (const m of members) {
    if (!eligible(m)) continue;
    if (best === null || counts.get(m)! > counts.get(best)! || (counts.get(m) === counts.get(best) && m < best)) best = m;
  }
  return best;
}

/** The shortest cycle through `start` inside the component, with the reasons of each edge. */
export function cycleThrough(graph: PackageGraph, members: readonly string[], start: string): { path: string[]; edges: EdgeReason[][] } {
  const set = new Set(members);
  const parent = new Map<string, string>();
  const queue = [start];
  let last: string | null = null;
  for (let i = 0; i < queue.length && last === null; i++) {
    const id = queue[i];
    for (const next of blockingDependents(graph, id).sort()) {
      if (!set.has(next)) continue;
      if (next === start) {
        last = id;
        break;
      }
      if (parent.has(next)) continue;
      parent.set(next, id);
      queue.push(next);
    }
  }
  const path: string[] = [];
  for (let id: string | undefined = last ?? start; id !== undefined && id !== start; id = parent.get(id)) path.unshift(id);
  path.unshift(start);
  const edges = path.map((from, i) => {
    const to = path[(i + 1) % path.length];
    const e = graph.edge(from, to);
    return e === undefined ? [] : graph.getEdgeAttributes(e).reasons.filter((r) => r.section === 'build' || r.section === 'host');
  });
  return { path, edges };
}

/** Describe a component as a Cycle; `brokenBy` is the bootstrap node that breaks it, or null. */
export function describeCycle(graph: PackageGraph, members: readonly string[], brokenBy: string | null, via?: string): Cycle {
  const key = via ?? keyMember(graph, members)!;
  const { path, edges } = cycleThrough(graph, members, key);
  if (brokenBy) return { path, edges, brokenBy };
  const needed = inCycleDependents(graph, members).get(key)!;
  const feedstock = graph.getNodeAttributes(key).feedstock;
  return {
    path,
    edges,
    brokenBy: null,
    suggestion:
      `declare a bootstrap build of ${feedstock} (config bootstrap.variants['${feedstock}'] = { bootstrap: true }): ` +
      `${needed} of the ${members.length} members need it to build`,
  };
}

/** "a → b → a", for messages. */
export function formatCyclePath(path: readonly string[]): string {
  return [...path, path[0]].join(' → ');
}
