// The task graph of a run: one task per planned node per target; a task depends on the planned
// nodes of the same target it has a build-blocking edge from. "What exists" is the plan's package
// graph; this is "what to run" (Nx's split).
import { targetKey, type PackageNode, type Target } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import { UserError } from '../model/errors.ts';
import { EXIT } from './exit-codes.ts';

export interface ExecTask {
  /** `<subdir>/py<python>/<node id>`: unique across targets. */
  key: string;
  node: PackageNode;
  target: Target;
  /** Keys of the tasks this one needs built first. */
  deps: string[];
  /** Keys of the tasks that need this one. */
  dependents: string[];
}

export const taskKey = (target: Target, id: string): string => `${targetKey(target)}/${id}`;

export class UnknownPackageError extends UserError {
  override name = 'UnknownPackageError';
  constructor(
    readonly input: string,
    candidates: Iterable<string>,
    option: string,
  ) {
    // A usage error (exit 64), as an unknown name in `rebuild why` / `rebuild logs`.
    super(`${option}: no planned package named '${input}'${didYouMean(input, candidates)}`, EXIT.USAGE);
  }
}

export function buildTaskGraph(plans: readonly Plan[]): Map<string, ExecTask> {
  const tasks = new Map<string, ExecTask>();
  for (const plan of plans) {
    const g = plan.graph;
    g.forEachNode((id, node) => {
      if (node.status !== 'planned') return;
      tasks.set(taskKey(plan.target, id), { key: taskKey(plan.target, id), node, target: plan.target, deps: [], dependents: [] });
    });
    g.forEachEdge((_edge, attr, source, target) => {
      if (!attr.blocksBuild) return;
      const from = tasks.get(taskKey(plan.target, source));
      const to = tasks.get(taskKey(plan.target, target));
      if (!from || !to || from === to) return;
      if (!to.deps.includes(from.key)) {
        to.deps.push(from.key);
        from.dependents.push(to.key);
      }
    });
  }
  return tasks;
}

/** Every key reachable from `start` along `next` (start excluded). */
export function reachable(tasks: ReadonlyMap<string, ExecTask>, start: Iterable<string>, next: 'deps' | 'dependents'): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    const t = tasks.get(stack.pop()!);
    if (!t) continue;
    for (const k of t[next]) {
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(k);
    }
  }
  return seen;
}

/**
 * Task keys named by `names` (node id; else feedstock or output name), in every target of the run.
 * An unknown name is a UserError with the closest planned name.
 */
export function tasksNamed(tasks: ReadonlyMap<string, ExecTask>, names: readonly string[], option: string): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    // An exact node id wins (`python` is not `python@bootstrap`); else feedstock or output names.
    let matches = [...tasks.values()].filter((t) => t.node.id === name);
    if (!matches.length) matches = [...tasks.values()].filter((t) => t.node.feedstock === name || t.node.outputs.includes(name));
    if (!matches.length) throw new UnknownPackageError(name, new Set([...tasks.values()].map((t) => t.node.id)), option);
    for (const t of matches) out.add(t.key);
  }
  return out;
}
