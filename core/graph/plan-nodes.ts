// The plan's view of the graph: one PlanNode per node with what it depends on (every reason of
// every incoming edge) and the tally per status.
import type { PlanStatus, Section } from '../model/types.ts';
import type { PackageGraph } from './package-graph.ts';
import type { PlanDependency, PlanNode } from './plan.ts';
import { compareIds } from './compare.ts';

const SECTION_ORDER: Record<Section, number> = { build: 0, host: 1, run: 2, test: 3 };

/** The order of a node's dependencies: by id, then section, then spec. */
function compareDependencies(a: PlanDependency, b: PlanDependency): number {
  return compareIds(a.id, b.id) || SECTION_ORDER[a.section] - SECTION_ORDER[b.section] || compareIds(a.spec, b.spec);
}

/**
 * Every reason of every edge into `id`, in the order the edges were added, then sorted (reasons of
 * one edge, the only ties, keep their order: the sort is stable). A list already in order (edges
 * added in id order, as buildEdges adds them) is not sorted.
 */
function dependenciesOf(graph: PackageGraph, id: string): PlanDependency[] {
  const dependsOn: PlanDependency[] = [];
  let sorted = true;
  graph.forEachInEdge(id, (_e, edge, source) => {
    for (const r of edge.reasons) {
      const blocksBuild = r.section === 'build' || r.section === 'host';
      const d: PlanDependency = r.via
        ? { id: source, section: r.section, spec: r.spec, output: r.output, via: r.via, blocksBuild }
        : { id: source, section: r.section, spec: r.spec, output: r.output, blocksBuild };
      if (sorted && dependsOn.length && compareDependencies(dependsOn[dependsOn.length - 1], d) > 0) sorted = false;
      dependsOn.push(d);
    }
  });
  if (!sorted) dependsOn.sort(compareDependencies);
  return dependsOn;
}

/**
 * The plan's nodes, in id order. Each node's `dependsOn` is made when first read (an own enumerable
 * accessor, in its place among the keys: JSON.stringify and spreads see a plain value), from the
 * edges as they are when the plan is made: before any later change to the graph's edges, every
 * node's list not read yet is made (PackageGraph.onNextEdgeChange). A plan of 25,000 feedstocks has
 * ~200,000 of them; `rebuild plan --json` reads them all, text plans and runs never do.
 */
export function toPlanNodes(graph: PackageGraph): PlanNode[] {
  const nodes = graph
    .nodes()
    .sort()
    .map((id): PlanNode => {
      const n = graph.getNodeAttributes(id);
      const kind = n.exclusion?.kind ?? null;
      let dependsOn: PlanDependency[] | undefined;
      // Keys in the plan's order; `dependsOn` as an accessor (a spread would read it).
      const node = { id, feedstock: n.feedstock, outputs: n.outputs, status: n.status, reason: n.reason, kind, bootstrap: n.bootstrap } as PlanNode;
      if (n.extraVersion !== undefined) node.extraVersion = n.extraVersion;
      node.pythonDependency = n.pythonDependency;
      // Methods, not arrows: the bundle's keepNames gives an arrow named by its key a name at each
      // creation (two defineProperty calls per node).
      return Object.defineProperty(node, 'dependsOn', {
        get() {
          return (dependsOn ??= dependenciesOf(graph, id));
        },
        set(value: PlanDependency[]) {
          dependsOn = value;
        },
        enumerable: true,
        configurable: true,
      });
    });
  graph.onNextEdgeChange(() => {
    for (const node of nodes) void node.dependsOn;
  });
  return nodes;
}

export function countStatuses(nodes: readonly { status: PlanStatus }[]): Record<PlanStatus, number> {
  const counts: Record<PlanStatus, number> = { planned: 0, present: 0, excluded: 0, blocked: 0, error: 0 };
  for (const n of nodes) counts[n.status]++;
  return counts;
}
