// The stable JSON of a plan (`rebuild plan --json`, one per target); documented in README.md.
// Fields are only ever added, never renamed or removed.
import type { EdgeReason, PlanStatus, RenderWarning, Target } from '../model/types.ts';
import type { Plan, PlanDependency, PlanError, ReferenceDiff } from './plan.ts';

export interface PlanJson {
  target: Target;
  counts: Record<PlanStatus, number>;
  nodes: {
    id: string;
    feedstock: string;
    outputs: string[];
    status: PlanStatus;
    kind: string | null;
    reason: string | null;
    bootstrap: boolean;
    extraVersion?: string;
    pythonDependency: string | null;
    dependsOn: PlanDependency[];
  }[];
  stages: string[][];
  criticalPath: string[];
  /** Each cycle as its node ids in order (broken ones included). */
  cycles: string[][];
  cycleDetails: { path: string[]; brokenBy: string | null; why?: string; suggestion?: string; edges: EdgeReason[][] }[];
  errors: PlanError[];
  warnings: RenderWarning[];
  reference?: ReferenceDiff;
}

export function toPlanJson(plan: Plan): PlanJson {
  return {
    target: { subdir: plan.target.subdir, python: plan.target.python },
    counts: plan.counts,
    nodes: plan.nodes.map((n) => ({
      id: n.id,
      feedstock: n.feedstock,
      outputs: n.outputs,
      status: n.status,
      kind: n.kind ?? null,
      reason: n.reason,
      bootstrap: n.bootstrap,
      ...(n.extraVersion !== undefined ? { extraVersion: n.extraVersion } : {}),
      pythonDependency: n.pythonDependency ?? null,
      dependsOn: n.dependsOn,
    })),
    stages: plan.stages,
    criticalPath: plan.criticalPath,
    cycles: plan.cycles.map((c) => c.path),
    cycleDetails: plan.cycles.map((c) => ({
      path: c.path,
      brokenBy: c.brokenBy,
      ...(c.why ? { why: c.why } : {}),
      ...(c.suggestion ? { suggestion: c.suggestion } : {}),
      edges: c.edges,
    })),
    errors: plan.errors,
    warnings: plan.warnings,
    ...(plan.reference ? { reference: plan.reference } : {}),
  };
}
