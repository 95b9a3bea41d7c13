// Stages: the topological generations (Kahn's layering) of the planned nodes over build-blocking
// edges. Everything in a stage can build in parallel once the previous stages are done. Ids sorted
// inside a stage so plans are stable. The build-order graph is a plain adjacency (ids and, per id,
// its dependencies in the package graph's edge order): building a graphology graph for it cost as
// much as the layering.
import type { PackageNode } from '../model/types.ts';
import type { PackageGraph } from './package-graph.ts';

/** What the order needs of a graph: its nodes and each node's dependencies (a graphology graph fits too). */
export interface BuildOrderGraph {
  nodes(): string[];
  inNeighbors(id: string): string[];
  forEachInNeighbor(id: string, callback: (dependency: string) => void): void;
  mapNodes<T>(callback: (id: string) => T): T[];
}

class BuildOrder implements BuildOrderGraph {
  constructor(private readonly deps: Map<string, string[]>) {}
  nodes(): string[] {
    return [...this.deps.keys()];
  }
  inNeighbors(id: string): string[] {
    return [...(this.deps.get(id) ?? [])];
  }
  forEachInNeighbor(id: string, callback: (dependency: string) => void): void {
    for (const d of this.deps.get(id) ?? []) callback(d);
  }
  mapNodes<T>(callback: (id: string) => T): T[] {
    return [...this.deps.keys()].map((id) => callback(id));
  }
}

/** The build-order graph: planned nodes and the build-blocking edges between them (the package graph has one edge per pair). */
export function buildOrderGraph(graph: PackageGraph): BuildOrderGraph {
  const deps = new Map<string, string[]>();
  graph.forEachNode((id, n) => {
    if (n.status === 'planned') deps.set(id, []);
  });
  // Each planned node's in-edges (in the order they were added, as a pass over all edges gives them).
  let list: string[] = [];
  let target = '';
  const read = (source: string, sa: PackageNode) => {
    if (sa.status === 'planned' && source !== target) list.push(source);
  };
  for ([target, list] of deps) graph.forEachBlockingInNeighbor(target, read);
  return new BuildOrder(deps);
}

/**
 * Stages of a build-order graph: generation 0 is every node without dependencies, generation k every
 * node whose dependencies are all in earlier ones. Throws when it still has a cycle (build it after
 * breaking cycles).
 */
export function planStages(order: BuildOrderGraph): string[][] {
  const ids = order.nodes();
  const at = new Map<string, number>();
  ids.forEach((id, i) => at.set(id, i));
  const missing = new Uint32Array(ids.length); // dependencies not yet in a stage
  const dependents: number[][] = ids.map(() => []);
  ids.forEach((id, i) => {
    order.forEachInNeighbor(id, (dep) => {
      const d = at.get(dep);
      if (d === undefined) return;
      missing[i]++;
      dependents[d].push(i);
    });
  });
  const stages: string[][] = [];
  let current: number[] = [];
  for (let i = 0; i < ids.length; i++) if (missing[i] === 0) current.push(i);
  let placed = 0;
  while (current.length) {
    placed += current.length;
    stages.push(current.map((i) => ids[i]).sort());
    const next: number[] = [];
    for (const i of current) for (const j of dependents[i]) if (--missing[j] === 0) next.push(j);
    current = next;
  }
  if (placed !== ids.length) throw new Error('planStages: the build-order graph has a cycle');
  return stages;
}
