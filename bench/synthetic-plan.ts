// A synthetic Plan of n planned packages for the execution benchmarks: a seeded random DAG whose
// in-degrees follow the real channel's (each package depends on a few earlier ones), built as a
// real PackageGraph so the executor's task graph, resume and state code see what a plan gives them.
import type { PackageNode, PlanStatus, Target } from '../core/model/types.ts';
import { createPackageGraph } from '../core/graph/package-graph.ts';
import type { Plan } from '../core/graph/plan.ts';
import { planStages } from '../core/graph/stages.ts';
import { seeded } from './measure.ts';

/** In-degree weights of python packages in defaults 2018 (0–8 dependencies, most 1–3). */
const DEGREES = [0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8];

export function syntheticPlan(n: number, seed = 7, target: Target = { subdir: 'linux-64', python: '3.13' }): Plan {
  const rand = seeded(seed);
  const graph = createPackageGraph();
  const ids = Array.from({ length: n }, (_, i) => `pkg-${String(i).padStart(6, '0')}`);
  for (const id of ids) {
    const node: PackageNode = {
      id, feedstock: id, target, outputs: [id], status: 'planned', reason: null, recipe: null, variants: [],
      bootstrap: false, pythonDependency: 'host: python 3.13.*', recipeHash: null,
    };
    graph.addNode(id, node);
  }
  ids.forEach((id, i) => {
    if (i === 0) return;
    const degree = Math.min(i, DEGREES[Math.floor(rand() * DEGREES.length)]);
    for (let k = 0; k < degree; k++) {
      // Mostly recent packages, sometimes a deep core one: a long-ish critical path and wide stages.
      const j = rand() < 0.3 ? Math.floor(rand() * Math.min(i, 50)) : i - 1 - Math.floor(rand() * Math.min(i, 400));
      const dep = ids[j];
      if (!graph.hasEdge(dep, id)) graph.addDirectedEdge(dep, id, { blocksBuild: true, reasons: [{ section: 'host', spec: dep, output: dep }] });
    }
  });
  const counts = { planned: n, present: 0, excluded: 0, blocked: 0, error: 0 } as Record<PlanStatus, number>;
  return { target, graph, nodes: [], stages: planStages(graph), criticalPath: [], cycles: [], warnings: [], counts, errors: [] };
}
