// buildOrderGraph and plannedCycles read the in-edges of the planned nodes only: they must give what
// a pass over every edge of the graph gives (dependencies in the order the edges were added, also
// after edges were dropped and added again, as rewiring a cycle member does).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DependencyEdge, PackageNode } from '../model/types.ts';
import { seeded } from '../../bench/measure.ts';
import { createPackageGraph, type PackageGraph } from './package-graph.ts';
import { buildOrderGraph } from './stages.ts';
import { plannedCycles } from './cycles.ts';
import { stronglyConnectedComponents } from './scc.ts';

const orders = suite('order graphs from in-edges');

function randomGraph(seed: number): PackageGraph {
  const rand = seeded(seed);
  const g = createPackageGraph();
  const n = 30 + Math.floor(rand() * 40);
  const ids = Array.from({ length: n }, (_, i) => `n${Math.floor(rand() * 1000)}-${i}`);
  for (const id of ids) g.addNode(id, { id, status: rand() < 0.4 ? 'planned' : 'excluded' } as unknown as PackageNode);
  const edge = (): DependencyEdge => ({ blocksBuild: rand() < 0.7, reasons: [] });
  for (let k = 0; k < n * 4; k++) {
    const [s, t] = [ids[Math.floor(rand() * n)], ids[Math.floor(rand() * n)]];
    if (!g.hasEdge(s, t)) g.addDirectedEdge(s, t, edge());
    if (rand() < 0.1) {
      // a member rewired: its in-edges dropped, some added again (at the end)
      const ins = g.inNeighbors(t);
      for (const from of ins) g.dropEdge(from, t);
      for (const from of ins.reverse()) if (rand() < 0.6) g.addDirectedEdge(from, t, edge());
    }
  }
  return g;
}

/** What a pass over every edge gives: per planned node, its planned blocking dependencies in edge order. */
function depsByEdgePass(g: PackageGraph): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  g.forEachNode((id, n) => n.status === 'planned' && deps.set(id, []));
  g.forEachEdge((_e, edge, source, target, sa, ta) => {
    if (edge.blocksBuild && sa.status === 'planned' && ta.status === 'planned' && source !== target) deps.get(target)!.push(source);
  });
  return deps;
}

orders('the same dependencies in the same order, and the same cycles, as a pass over every edge', () => {
  let cyclic = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const g = randomGraph(seed);
    const expected = depsByEdgePass(g);
    const order = buildOrderGraph(g);
    assert.equal(order.nodes(), [...expected.keys()], `seed ${seed}`);
    for (const [id, deps] of expected) assert.equal(order.inNeighbors(id), deps, `seed ${seed}, ${id}`);
    // Cycles: components of more than one node, or with a self edge, members sorted, by first member.
    const planned = g.filterNodes((_, n) => n.status === 'planned');
    const succ = (id: string) => g.filterOutNeighbors(id, (t, n) => n.status === 'planned' && g.getEdgeAttributes(id, t).blocksBuild);
    const want = stronglyConnectedComponents(planned, succ)
      .filter((c) => c.length > 1 || g.hasEdge(c[0], c[0]))
      .map((c) => [...c].sort())
      .sort((a, b) => a[0].localeCompare(b[0]));
    assert.equal(plannedCycles(g), want, `seed ${seed}`);
    if (want.length) cyclic++;
  }
  assert.ok(cyclic > 10, 'most of these graphs have cycles');
});

orders.run();
