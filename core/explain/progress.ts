// Where each planned node of a target stands, given the built set: built, failed (the state db says
// so), blocked (some unbuilt build-blocking dependency failed, directly or through others: what
// `rebuild run` records and `rebuild status` counts as blocked), ready (every build-blocking
// dependency in the rebuild set is built) or waiting (some is not). These five partition the planned nodes. Only planned dependencies are waited on: excluded ones
// (no python, noarch, skipped) are taken from the existing channels, present ones are built, and a
// node depending on a blocklisted or broken one is not planned but `blocked` by the plan itself.
import type { DependencyEdge } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { builtSet, type TargetState } from './target-state.ts';
import { isBuildFailure } from '../state/stage-status.ts';

export type Progress = 'built' | 'ready' | 'waiting' | 'blocked' | 'failed';

/** Unbuilt and not ready: it waits on an unbuilt dependency (blocked ones wait on a failed one). */
export const waitsOnDependency = (p: Progress | undefined): boolean => p === 'waiting' || p === 'blocked';

export interface ProgressView {
  plan: Plan;
  state: TargetState;
  /** Every node id that counts as built (done in the state db, or present in the target channel). */
  built: ReadonlySet<string>;
  /** Per planned node. */
  progress: ReadonlyMap<string, Progress>;
  /** Per planned, unbuilt node: its planned, unbuilt build-blocking dependencies (sorted). */
  pendingDeps: ReadonlyMap<string, readonly string[]>;
  /** Per planned, unbuilt node: its planned, unbuilt build-blocking dependents (sorted). */
  pendingDependents: ReadonlyMap<string, readonly string[]>;
}

/** The planned build-blocking dependencies of a node (self edges left out), sorted. */
export function blockingDeps(plan: Plan, id: string): string[] {
  const out: string[] = [];
  plan.graph.forEachInEdge(id, (_e, edge: DependencyEdge, source, _t, node) => {
    if (edge.blocksBuild && source !== id && node.status === 'planned') out.push(source);
  });
  return out.sort();
}

export function progressView(plan: Plan, state: TargetState): ProgressView {
  const built = builtSet(plan, state);
  const progress = new Map<string, Progress>();
  const pendingDeps = new Map<string, string[]>();
  const pendingDependents = new Map<string, string[]>();
  const planned = plan.graph.filterNodes((_, n) => n.status === 'planned').sort();
  for (const id of planned) {
    if (built.has(id)) {
      progress.set(id, 'built');
      continue;
    }
    const deps = blockingDeps(plan, id).filter((d) => !built.has(d));
    pendingDeps.set(id, deps);
    pendingDependents.set(id, []);
    const recorded = state.get(id);
    progress.set(id, recorded && (isBuildFailure(recorded) || recorded.blocksDependents) ? 'failed' : deps.length ? 'waiting' : 'ready');
  }
  for (const [id, deps] of pendingDeps) for (const d of deps) pendingDependents.get(d)!.push(id);
  // Blocked: every unbuilt dependent of a failed node, transitively (the executor's rule, so `ready`
  // and `status` count a package the same way).
  const queue = planned.filter((id) => progress.get(id) === 'failed');
  while (queue.length) {
    for (const d of pendingDependents.get(queue.pop()!) ?? []) {
      if (progress.get(d) !== 'waiting') continue;
      progress.set(d, 'blocked');
      queue.push(d);
    }
  }
  return { plan, state, built, progress, pendingDeps, pendingDependents };
}
