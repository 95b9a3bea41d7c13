// What a run's plans leave unbuilt for a reason the user must act on: nodes in error (a recipe that
// fails to render, a cycle, a duplicate) and nodes blocked at plan time (by such an error or by a
// blocklisted package). The run's summary lists them, so they are never silently not built.
import type { Plan } from '../graph/plan.ts';
import type { NotBuiltNode } from '../model/types.ts';

export function notBuiltNodes(plans: readonly Plan[]): NotBuiltNode[] {
  const out: NotBuiltNode[] = [];
  for (const plan of plans) {
    const here: NotBuiltNode[] = [];
    plan.graph.forEachNode((id, node) => {
      if (node.status === 'error' || node.status === 'blocked') here.push({ id, target: plan.target, status: node.status, reason: node.reason ?? null });
    });
    out.push(...here.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }
  return out;
}

export const planErrorCount = (plans: readonly Plan[]): number => plans.reduce((n, p) => n + p.errors.length, 0);
