// Which nodes a name designates (`rebuild why <name>`): an exact node id wins (`python` is not
// `python@bootstrap`), else every node whose feedstock or output has that name (case-insensitive:
// conda names are lower case). A name no target knows is a usage error with the closest name.
import { UserError } from '../model/errors.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import type { Plan } from '../graph/plan.ts';

export class UnknownNameError extends UserError {
  override name = 'UnknownNameError';
  constructor(
    readonly input: string,
    candidates: Iterable<string>,
  ) {
    // With no close name, say what to do: the names are those `rebuild plan` lists.
    super(`unknown package '${input}'${didYouMean(input, candidates) || ': no package or feedstock has that name (rebuild plan lists them)'}`, EXIT.USAGE);
  }
}

/** The node ids `name` designates in one plan (sorted; empty when none). */
export function nodesNamed(plan: Plan, name: string): string[] {
  const g = plan.graph;
  if (g.hasNode(name)) return [name];
  const lower = name.toLowerCase();
  const byId = g.filterNodes((id) => id.toLowerCase() === lower);
  if (byId.length) return byId.sort();
  return g.filterNodes((_, n) => n.feedstock.toLowerCase() === lower || n.outputs.some((o) => o.toLowerCase() === lower)).sort();
}

/** Per plan (same order), the node ids `name` designates; UnknownNameError when no plan has any. */
export function findNodes(plans: readonly Plan[], name: string): string[][] {
  const found = plans.map((p) => nodesNamed(p, name));
  if (found.some((ids) => ids.length)) return found;
  const candidates = new Set<string>();
  for (const p of plans) {
    p.graph.forEachNode((id, n) => {
      candidates.add(id);
      candidates.add(n.feedstock);
      for (const o of n.outputs) candidates.add(o);
    });
  }
  throw new UnknownNameError(name, candidates);
}
