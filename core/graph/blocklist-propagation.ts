// Blocklist propagation: every planned node that depends, through build-blocking edges and
// transitively, on a blocklisted node or a node in error becomes `blocked`, naming the root
// ("blocked by tensorflow (too-heavy: CUDA builds)"). Multi-source breadth-first search from the
// roots in id order, so each blocked node names the first root that reaches it; O(V + E).
import type { BlocklistEntry, Exclusion, PackageNode } from '../model/types.ts';
import type { PackageGraph } from './package-graph.ts';

/** "too-heavy: CUDA builds", or just the reason class without a note. */
export function blocklistLabel(entry: BlocklistEntry): string {
  return entry.note ? `${entry.reason}: ${entry.note}` : entry.reason;
}

/** Does this entry apply to the node on its target's subdir? (Matches the feedstock or any output.) */
export function blocklistApplies(entry: BlocklistEntry, node: PackageNode): boolean {
  if (entry.arches?.length && !entry.arches.includes(node.target.subdir)) return false;
  const name = entry.name.toLowerCase();
  return node.feedstock.toLowerCase() === name || node.outputs.some((o) => o.toLowerCase() === name);
}

/** Set a node's status and reason from an exclusion. */
export function applyExclusion(node: PackageNode, exclusion: Exclusion): void {
  node.status = exclusion.status;
  node.reason = exclusion.reason;
  node.exclusion = exclusion;
}

function isRoot(node: PackageNode): boolean {
  return node.status === 'error' || (node.status === 'excluded' && node.exclusion?.kind === 'blocklist');
}

function rootLabel(node: PackageNode): string {
  if (node.exclusion?.blocklist) return blocklistLabel(node.exclusion.blocklist);
  return node.exclusion?.kind ?? node.status;
}

/** Mark the planned dependents of blocklisted and failed nodes as blocked. Returns how many. Idempotent. */
export function propagateBlocked(graph: PackageGraph): number {
  const roots = graph.filterNodes((_, n) => isRoot(n)).sort();
  let count = 0;
  const queue: [string, string][] = roots.map((r) => [r, r]);
  for (let i = 0; i < queue.length; i++) {
    const [id, root] = queue[i];
    graph.forEachOutEdge(id, (_e, edge, _s, dependent, _sa, node) => {
      if (!edge.blocksBuild || node.status !== 'planned') return;
      const rootNode = graph.getNodeAttributes(root);
      applyExclusion(node, {
        status: 'blocked',
        kind: 'blocked-by',
        reason: `blocked by ${root} (${rootLabel(rootNode)})`,
        by: root,
        ...(rootNode.exclusion?.blocklist ? { blocklist: rootNode.exclusion.blocklist } : {}),
      });
      count++;
      queue.push([dependent, root]);
    });
  }
  return count;
}
