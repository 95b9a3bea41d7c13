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

export function toPlanNodes(graph: PackageGraph): PlanNode[] {
  return graph
    .nodes()
    .sort()
    .map((id) => {
      const n = graph.getNodeAttributes(id);
      // Every reason of every incoming edge, in the order the edges were added; the sort below
      // orders them (reasons of one edge, the only ties, keep their order: the sort is stable). A
      // list already in order (edges added in id order, as buildEdges adds them) is not sorted.
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
      return {
        id,
        feedstock: n.feedstock,
        outputs: n.outputs,
        status: n.status,
        reason: n.reason,
        kind: n.exclusion?.kind ?? null,
        bootstrap: n.bootstrap,
        ...(n.extraVersion !== undefined ? { extraVersion: n.extraVersion } : {}),
        pythonDependency: n.pythonDependency,
        dependsOn,
      };
    });
}

export function countStatuses(nodes: readonly { status: PlanStatus }[]): Record<PlanStatus, number> {
  const counts: Record<PlanStatus, number> = { planned: 0, present: 0, excluded: 0, blocked: 0, error: 0 };
  for (const n of nodes) counts[n.status]++;
  return counts;
}
