// The package graph of one target: nodes are PackageNodes, edges go dependency → dependent.
import graphology from 'graphology';
import type { DependencyEdge, PackageNode } from '../model/types.ts';

const { DirectedGraph } = graphology as unknown as { DirectedGraph: typeof import('graphology').DirectedGraph };

export type PackageGraph = InstanceType<typeof DirectedGraph<PackageNode, DependencyEdge>>;

export function createPackageGraph(): PackageGraph {
  return new DirectedGraph<PackageNode, DependencyEdge>();
}
