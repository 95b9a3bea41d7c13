// Dependency chains for `rebuild why`: from a node down its build-blocking edges, each step naming
// the requirement (section and spec) that leads to the next node.
// - waitChains: one chain per unbuilt dependency, followed down to the first node that waits on
//   nothing unbuilt (ready) or failed; at each step the dependency with the longest chain of its own
//   is followed (the one that gates longest; ties: id).
// - blockedChain: the shortest path (breadth-first, through blocked nodes) from a blocked node to
//   the blocklisted or broken node blocking it.
import type { EdgeReason, Section } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import type { ProgressView } from './progress.ts';

export interface ChainStep {
  /** The node reached by this step. */
  id: string;
  /** The requirement of the previous node met by this one; null for an edge without reasons (added by a plugin). */
  edge: EdgeReason | null;
  /** Planned nodes: 'built' | 'ready' | 'waiting' | 'failed'; others: their plan status ('excluded', 'error', ...). */
  status: string;
}

const ORDER: Record<Section, number> = { build: 0, host: 1, run: 2, test: 3 };

/** The reason an edge blocks the build: its first build/host reason (build first), else its first reason. */
export function blockingReason(plan: Plan, from: string, to: string): EdgeReason | null {
  const edge = plan.graph.getEdgeAttributes(plan.graph.edge(from, to)!);
  const reasons = [...edge.reasons].sort((a, b) => ORDER[a.section] - ORDER[b.section]);
  return reasons[0] ?? null;
}

function statusOf(view: ProgressView, id: string): string {
  return view.progress.get(id) ?? view.plan.graph.getNodeAttributes(id).status;
}

/** One chain per unbuilt blocking dependency of `id` (longest first, then by id); none when it waits on nothing. */
export function waitChains(view: ProgressView, id: string): ChainStep[][] {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (x: string): number => {
    const known = depth.get(x);
    if (known !== undefined) return known;
    if (visiting.has(x) || view.progress.get(x) === 'failed') return 0;
    visiting.add(x);
    let d = 0;
    for (const dep of view.pendingDeps.get(x) ?? []) d = Math.max(d, 1 + depthOf(dep));
    visiting.delete(x);
    depth.set(x, d);
    return d;
  };
  const deepest = (deps: readonly string[]) => [...deps].sort((a, b) => depthOf(b) - depthOf(a) || a.localeCompare(b));

  return deepest(view.pendingDeps.get(id) ?? []).map((first) => {
    const steps: ChainStep[] = [];
    const seen = new Set([id]);
    let from = id;
    let to: string | undefined = first;
    while (to !== undefined && !seen.has(to)) {
      steps.push({ id: to, edge: blockingReason(view.plan, to, from), status: statusOf(view, to) });
      seen.add(to);
      if (view.progress.get(to) === 'failed') break;
      from = to;
      to = deepest(view.pendingDeps.get(to) ?? [])[0];
    }
    return steps;
  });
}

/** The shortest chain of build-blocking edges from `id` down to `root` (empty when there is none). */
export function blockedChain(view: ProgressView, id: string, root: string): ChainStep[] {
  const g = view.plan.graph;
  if (!g.hasNode(root)) return [];
  const parent = new Map<string, string>([[id, id]]);
  const queue = [id];
  for (let i = 0; i < queue.length && !parent.has(root); i++) {
    const deps: string[] = [];
    g.forEachInEdge(queue[i], (_e, edge, source, _t, node) => {
      // The way propagation went: through blocked nodes only, up to the root.
      if (edge.blocksBuild && !parent.has(source) && (source === root || node.status === 'blocked')) deps.push(source);
    });
    for (const d of deps.sort()) {
      parent.set(d, queue[i]);
      queue.push(d);
    }
  }
  if (!parent.has(root)) return [];
  const steps: ChainStep[] = [];
  for (let x = root; x !== id; x = parent.get(x)!) steps.unshift({ id: x, edge: blockingReason(view.plan, x, parent.get(x)!), status: statusOf(view, x) });
  return steps;
}

/** `host: setuptools`, `host: numpy via numpy → libblas`, or `(added by a plugin)`. */
export function formatEdge(edge: EdgeReason | null): string {
  if (!edge) return '(added by a plugin)';
  return `${edge.section}: ${edge.spec}${edge.via?.length ? ` via ${edge.via.join(' → ')}` : ''}`;
}

/** `attrs ← host: setuptools ← setuptools (waiting) ← host: python ← python (ready)`. */
export function formatChain(start: string, steps: readonly ChainStep[]): string {
  return [start, ...steps.flatMap((s) => [formatEdge(s.edge), `${s.id} (${s.status})`])].join(' ← ');
}
