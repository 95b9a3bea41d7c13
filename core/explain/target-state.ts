// What the state database says about one target's nodes, and the built set derived from it: a node
// counts as built when its recorded status is built/tested/published (DONE_STATUSES), or when the
// plan found it already in the target channel ('present').
import type { FailureClass, StageName, TaskStatus } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { isBuiltStatus } from '../state/stage-status.ts';

/** One node's recorded execution state. */
export interface NodeState {
  status: TaskStatus;
  /** The stage `status` is about (build, test, transmute, publish); null for plan statuses. */
  stage?: StageName | null;
  reason: string | null;
  failure: FailureClass | null;
  /** The log of its last attempt (a failure is classified from it). */
  logPath?: string | null;
  /** A failure's class (core/report/classify.ts) and the log line it matched; set by `rebuild why`. */
  class?: string;
  classLine?: string | null;
  /** A failed test that blocks its dependents' builds (tests.blocksDependents): counted as failed, not built. */
  blocksDependents?: boolean;
  /** Each stage's recorded progress, in order (state databases of schema 3 on). */
  stages?: { stage: StageName; status: string; reason: string | null; failure: FailureClass | null }[];
}

/** Recorded states of one target's nodes, by node id (no entry: never run). */
export type TargetState = ReadonlyMap<string, NodeState>;

export const NO_STATE: TargetState = new Map();

/** Did the state db record this node as built (built, tested, published, or at a stage after its build)? */
export function isDone(state: TargetState, id: string): boolean {
  const s = state.get(id);
  return s !== undefined && isBuiltStatus(s) && !s.blocksDependents;
}

/** The node ids of a plan that count as built: done in the state db, or present in the target channel. */
export function builtSet(plan: Plan, state: TargetState): Set<string> {
  const built = new Set<string>();
  plan.graph.forEachNode((id, node) => {
    if (node.status === 'present' || isDone(state, id)) built.add(id);
  });
  return built;
}
