// The plan of one target: what is rebuilt, in which order, and why. `toPlanJson` is the stable
// JSON shape of `rebuild plan --json` (documented in the README).
import type { Cycle, PlanStatus, RenderWarning, Section, Target } from '../engine/types.ts';
import type { PackageGraph } from './package-graph.ts';

export interface PlanDependency {
  id: string;
  section: Section;
  spec: string;
  output: string;
  via?: string[];
}

export interface PlanNode {
  id: string;
  feedstock: string;
  outputs: string[];
  status: PlanStatus;
  reason: string | null;
  bootstrap: boolean;
  dependsOn: PlanDependency[];
}

export interface ReferenceEntry {
  name: string;
  reason: string;
}

export interface ReferenceDiff {
  channel: string;
  python: string;
  /** Packages built for the old python in the reference channel and not planned for the new one. */
  missing: ReferenceEntry[];
}

export interface Plan {
  target: Target;
  graph: PackageGraph;
  nodes: PlanNode[];
  /** Topological generations of the planned nodes over build-blocking edges. */
  stages: string[][];
  criticalPath: string[];
  cycles: Cycle[];
  warnings: RenderWarning[];
  reference?: ReferenceDiff;
}
