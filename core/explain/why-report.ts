// `rebuild why <name>` over every target: the nodes the name designates (find-nodes.ts), each
// explained (explain-node.ts). The JSON shape (`rebuild why --json`, one entry per target) is
// documented in README.md; fields are only ever added.
import { targetKey, type Target } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { NO_STATE, type TargetState } from './target-state.ts';
import { progressView } from './progress.ts';
import { findNodes } from './find-nodes.ts';
import { explainNode, type NodeExplanation } from './explain-node.ts';

export interface WhyTarget {
  target: Target;
  /** The name asked about. */
  name: string;
  /** The nodes it designates in this target (empty when this target has none). */
  nodes: NodeExplanation[];
}

/** Throws UnknownNameError (exit code 2) when no target has a node of that name. */
export function whyReport(plans: readonly Plan[], states: ReadonlyMap<string, TargetState>, name: string): WhyTarget[] {
  const found = findNodes(plans, name);
  return plans.map((plan, i) => {
    const view = progressView(plan, states.get(targetKey(plan.target)) ?? NO_STATE);
    return {
      target: { subdir: plan.target.subdir, python: plan.target.python },
      name,
      nodes: found[i].map((id) => explainNode(view, id)),
    };
  });
}
