import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPackageGraph } from './package-graph.ts';
import { buildOrderGraph, planStages } from './stages.ts';
import { criticalPath } from './critical-path.ts';
import type { PackageNode, PlanStatus } from '../model/types.ts';

function graphOf(edges: [string, string, boolean?][], statuses: Record<string, PlanStatus> = {}) {
  const g = createPackageGraph();
  const node = (id: string): PackageNode => ({
    id, feedstock: id, target: { subdir: 'linux-64', python: '3.13' }, outputs: [id], status: statuses[id] ?? 'planned',
    reason: null, recipe: null, variants: [], bootstrap: false, pythonDependency: 'host: python', recipeHash: null,
  });
  for (const [a, b, blocks = true] of edges) {
    for (const id of [a, b]) if (!g.hasNode(id)) g.addNode(id, node(id));
    g.addDirectedEdge(a, b, { blocksBuild: blocks, reasons: [{ section: blocks ? 'host' : 'run', spec: a, output: a }] });
  }
  return g;
}

const s = suite('stages and criticalPath');

s('stages are topological generations of planned nodes over blocking edges', () => {
  const g = graphOf([['x', 'y'], ['y', 'z'], ['w', 'z'], ['z', 'r', false], ['q', 'w']], { q: 'present' });
  assert.equal(planStages(buildOrderGraph(g)), [['r', 'w', 'x'], ['y'], ['z']]);
});

s('critical path by node count :: the longest chain', () => {
  const g = graphOf([['x', 'y'], ['y', 'z'], ['w', 'z']]);
  assert.equal(criticalPath(buildOrderGraph(g), planStages(buildOrderGraph(g))), ['x', 'y', 'z']);
});

s('critical path with durations :: a heavy node wins over a longer chain', () => {
  const g = graphOf([['x', 'y'], ['y', 'z'], ['w', 'z']]);
  assert.equal(criticalPath(buildOrderGraph(g), planStages(buildOrderGraph(g)), { w: 10 }), ['w', 'z']);
});

s('critical path of nothing planned is empty', () => {
  const g = graphOf([['x', 'y']], { x: 'excluded', y: 'blocked' });
  assert.equal(planStages(buildOrderGraph(g)), []);
  assert.equal(criticalPath(buildOrderGraph(g), []), []);
});

s.run();
