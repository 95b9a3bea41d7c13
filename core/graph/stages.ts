// Stages: the topological generations (graphology-dag `topologicalGenerations`, Kahn's layering)
// of the planned nodes over build-blocking edges. Everything in a stage can build in parallel once
// the previous stages are done. Ids sorted inside a stage so plans are stable.
import graphology from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import type { PackageGraph } from './package-graph.ts';

const { DirectedGraph } = graphology as unknown as { DirectedGraph: typeof import('graphology').DirectedGraph };

/** The build-order graph: planned nodes and the build-blocking edges between them. */
export function buildOrderGraph(graph: PackageGraph): InstanceType<typeof DirectedGraph> {
  const order = new DirectedGraph();
  graph.forEachNode((id, n) => {
    if (n.status === 'planned') order.addNode(id);
  });
  graph.forEachEdge((_e, edge, source, target) => {
    if (edge.blocksBuild && order.hasNode(source) && order.hasNode(target) && source !== target) order.mergeEdge(source, target);
  });
  return order;
}

/** Stages of the planned nodes; throws when the planned nodes still form a cycle (call after breaking cycles). */
export function planStages(graph: PackageGraph): string[][] {
  return topologicalGenerations(buildOrderGraph(graph)).map((stage) => stage.sort());
}
