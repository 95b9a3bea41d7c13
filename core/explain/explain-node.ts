// `rebuild why` for one node of one target: why it is in the rebuild set (its python dependency) or
// why not (the structured exclusion: noarch, no python, present, blocklisted, blocked by, render
// error), where it stands (built / ready / waiting / failed, and the recorded state), what it waits
// on (chains.ts), its bootstrap build, and how much depends on it.
import type { BlocklistEntry, PlanStatus } from '../model/types.ts';
import type { ProgressView, Progress } from './progress.ts';
import type { NodeState } from './target-state.ts';
import { blockedChain, waitChains, type ChainStep } from './chains.ts';

export interface NodeExplanation {
  id: string;
  feedstock: string;
  outputs: string[];
  /** Plan status. */
  status: PlanStatus;
  /** What put it in the rebuild set, e.g. "host: python 3.13.*" (null when nothing does). */
  pythonDependency: string | null;
  /** Why it is not planned; null for planned nodes. */
  exclusion: { kind: string; reason: string; blocklist?: BlocklistEntry; by?: string } | null;
  /** Blocked nodes: the chain of build-blocking edges down to `exclusion.by`. */
  blockedChain: ChainStep[];
  /** Planned nodes: where they stand; null for the others. */
  progress: Progress | null;
  /** Counts as built: done in the state db, or present in the target channel. */
  built: boolean;
  /** The state db's row for it; null when it never ran (or there is no state db). */
  state: NodeState | null;
  /** Planned, unbuilt nodes: one chain per unbuilt build-blocking dependency (empty when ready). */
  waitsOn: ChainStep[][];
  /** Nodes that need it to build (build-blocking edges, any status): direct ids, and the transitive count. */
  dependents: { direct: number; transitive: number; ids: string[] };
  /** The node this is the bootstrap build of (`python` for `python@bootstrap`), else null. */
  bootstrapOf: string | null;
  /** This node's bootstrap build (`python@bootstrap`) when the graph has one, else null. */
  bootstrapNode: string | null;
  /** For a bootstrap build: why the planner made it (the `why` of the cycle it broke), else null. */
  bootstrapWhy: string | null;
}

function blockingDependents(view: ProgressView, id: string): string[] {
  const out: string[] = [];
  view.plan.graph.forEachOutEdge(id, (_e, edge, _s, target) => {
    if (edge.blocksBuild && target !== id) out.push(target);
  });
  return out.sort();
}

function dependents(view: ProgressView, id: string): NodeExplanation['dependents'] {
  const ids = blockingDependents(view, id);
  const seen = new Set([id]);
  const stack = [id];
  while (stack.length) {
    for (const d of blockingDependents(view, stack.pop()!)) {
      if (!seen.has(d)) seen.add(d), stack.push(d);
    }
  }
  return { direct: ids.length, transitive: seen.size - 1, ids };
}

const BOOTSTRAP_SUFFIX = '@bootstrap';

export function explainNode(view: ProgressView, id: string): NodeExplanation {
  const node = view.plan.graph.getNodeAttributes(id);
  const ex = node.exclusion;
  const exclusion: NodeExplanation['exclusion'] =
    node.status === 'planned'
      ? null
      : {
          kind: ex?.kind ?? node.status,
          reason: ex?.reason ?? node.reason ?? node.status,
          ...(ex?.blocklist ? { blocklist: ex.blocklist } : {}),
          ...(ex?.by ? { by: ex.by } : {}),
        };
  const progress = view.progress.get(id) ?? null;
  const bootstrapOf = node.bootstrap && id.endsWith(BOOTSTRAP_SUFFIX) ? id.slice(0, -BOOTSTRAP_SUFFIX.length) : null;
  const boot = `${id}${BOOTSTRAP_SUFFIX}`;
  return {
    id,
    feedstock: node.feedstock,
    outputs: node.outputs,
    status: node.status,
    pythonDependency: node.pythonDependency,
    exclusion,
    blockedChain: node.status === 'blocked' && ex?.by ? blockedChain(view, id, ex.by) : [],
    progress,
    built: view.built.has(id),
    state: view.state.get(id) ?? null,
    waitsOn: progress === 'waiting' || progress === 'blocked' || progress === 'failed' ? waitChains(view, id) : [],
    dependents: dependents(view, id),
    bootstrapOf,
    bootstrapNode: !node.bootstrap && view.plan.graph.hasNode(boot) ? boot : null,
    bootstrapWhy: bootstrapOf ? (view.plan.cycles.find((c) => c.brokenBy === id && c.why)?.why ?? null) : null,
  };
}
