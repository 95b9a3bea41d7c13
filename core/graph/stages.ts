// Stages: the topological generations (graphology-dag `topologicalGenerations`, Kahn's layering)
// of the planned nodes over build-blocking edges. Everything in a stage can build in parallel once
// the previous stages are done. Ids sorted inside a stage so plans are stable.
import graphology from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import type { PackageGraph } from './package-graph.ts';

const { DirectedGraph } = graphology as unknown as { DirectedGraph: typeof import('graphology').DirectedGraph };

export type BuildOrderGraph = InstanceType<typeof DirectedGraph>;

/** The build-order graph: planned nodes and the build-blocking edges between them (the package graph has one edge per pair). */
export function buildOrderGraph(graph: PackageGraph): BuildOrderGraph {
  const order = new DirectedGraph();
  graph.forEachNode((id, n) => {
    if (n.status === 'planned') order.addNode(id);
  });
  graph.forEachEdge((_e, edge, source, target, sa, ta) => {
    if (edge.blocksBuild && sa.status === 'planned' && ta.status === 'planned' && source !== target) order.addDirectedEdge(source, target);
  });
  return order;
}

/** Stages of a build-order graph; throws when it still has a cycle (build it after breaking cycles). */
export function planStages(order: BuildOrderGraph): string[][] {
  return topologicalGenerations(order).map((stage) => stage.sort());
}
