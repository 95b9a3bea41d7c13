// The plan of one target: what is rebuilt, in which order, and why. `toPlanJson` (plan-json.ts)
// is the stable JSON shape of `rebuild plan --json` (documented in the README).
import type { Cycle, PlanStatus, RenderWarning, Section, Target } from '../model/types.ts';
import type { PackageGraph } from './package-graph.ts';

export interface PlanDependency {
  id: string;
  section: Section;
  spec: string;
  output: string;
  via?: string[];
  /** True when this reason blocks the build (build/host, direct or via run requirements). */
  blocksBuild?: boolean;
}

export interface PlanNode {
  id: string;
  feedstock: string;
  outputs: string[];
  status: PlanStatus;
  reason: string | null;
  bootstrap: boolean;
  dependsOn: PlanDependency[];
  /** The exclusion class when not planned ('noarch', 'blocklist', 'blocked-by', 'cycle', ...). */
  kind?: string | null;
  extraVersion?: string;
  /** The python dependency that put the node in the rebuild set, e.g. "host: python 3.13.*". */
  pythonDependency?: string | null;
}

/** Something that makes the plan unusable as is (exit code 1 of `rebuild plan`). */
export interface PlanError {
  kind: 'render-error' | 'ambiguous-output' | 'cycle' | 'duplicate-feedstock' | 'extra-version';
  message: string;
  /** The node ids involved. */
  nodes: string[];
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
  /** Nodes per status (every status present, 0 when none). */
  counts: Record<PlanStatus, number>;
  errors: PlanError[];
}
