// What the state database says about one target's nodes, and the built set derived from it: a node
// counts as built when its recorded status is built/tested/published (DONE_STATUSES), or when the
// plan found it already in the target channel ('present').
import type { FailureClass, TaskStatus } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { DONE_STATUSES } from '../state/state-db.ts';

/** One node's recorded execution state. */
export interface NodeState {
  status: TaskStatus;
  reason: string | null;
  failure: FailureClass | null;
}

/** Recorded states of one target's nodes, by node id (no entry: never run). */
export type TargetState = ReadonlyMap<string, NodeState>;

export const NO_STATE: TargetState = new Map();

/** Did the state db record this node as finished (built, tested or published)? */
export function isDone(state: TargetState, id: string): boolean {
  const s = state.get(id);
  return s !== undefined && DONE_STATUSES.has(s.status);
}

/** The node ids of a plan that count as built: done in the state db, or present in the target channel. */
export function builtSet(plan: Plan, state: TargetState): Set<string> {
  const built = new Set<string>();
  plan.graph.forEachNode((id, node) => {
    if (node.status === 'present' || isDone(state, id)) built.add(id);
  });
  return built;
}
