// Selection of the rebuild set of one target, after rendering (render-nodes.ts decides skipped and
// no-python): outputs several feedstocks claim (ambiguous → error on the python-dependent candidates,
// lost to `prefer`/fit → excluded as superseded), the `run.hooks.select` vetoes (blocklist, noarch,
// already present, and whatever plugins add), and `selection.only`.
import type { RenderWarning } from '../model/types.ts';
import type { Run } from '../engine/run.ts';
import type { PackageGraph } from './package-graph.ts';
import type { LostOutput, OutputIndex } from './output-index.ts';
import type { PlanError } from './plan.ts';
import { applyExclusion } from './blocklist-propagation.ts';

function warningFor(graph: PackageGraph, id: string, message: string): RenderWarning {
  const n = graph.getNodeAttributes(id);
  return { feedstock: n.feedstock, file: n.recipe?.file ?? '', message };
}

/** Apply the output → feedstock choice: ambiguous outputs and superseded candidates. */
export function applyOutputChoice(graph: PackageGraph, index: OutputIndex, warnings: RenderWarning[]): PlanError[] {
  const errors: PlanError[] = [];
  for (const { output, candidates } of index.ambiguous) {
    const message = `output ${output} is built by several feedstocks: ${candidates.join(', ')} (choose one with selection.prefer['${output}'], or declare the other as an extraVersions entry)`;
    const planned = candidates.filter((c) => graph.getNodeAttributes(c).status === 'planned');
    for (const c of candidates) warnings.push(warningFor(graph, c, message));
    // Only an error when it matters to the rebuild: some candidate would be rebuilt.
    if (!planned.length) continue;
    errors.push({ kind: 'ambiguous-output', message, nodes: candidates });
    for (const c of planned) applyExclusion(graph.getNodeAttributes(c), { status: 'error', kind: 'ambiguous-output', reason: message });
  }
  for (const [id, lost] of index.lost) {
    const node = graph.getNodeAttributes(id);
    const lostNames = new Set(lost.map((l) => l.output));
    const why = describeLost(lost);
    if (node.outputs.every((o) => lostNames.has(o.toLowerCase()))) {
      if (node.status === 'planned' || node.status === 'excluded') {
        applyExclusion(node, { status: 'excluded', kind: 'superseded', reason: `superseded by ${[...new Set(lost.map((l) => l.winner))].join(', ')} for ${node.target.subdir}/py${node.target.python}: ${why}` });
      }
    } else {
      warnings.push(warningFor(graph, id, `${id} also builds outputs chosen from another feedstock: ${why}`));
    }
  }
  return errors;
}

/** "python, libpython-static are built by python-3.11 (fits the target: python 3.11.9)", one clause per winner. */
function describeLost(lost: LostOutput[]): string {
  const byWinner = new Map<string, LostOutput[]>();
  for (const l of lost) byWinner.set(`${l.winner}\0${l.why}`, [...(byWinner.get(`${l.winner}\0${l.why}`) ?? []), l]);
  return [...byWinner.values()]
    .map((ls) => {
      const { winner, why, detail } = ls[0];
      const how = why === 'prefer' ? 'selection.prefer' : `fits the target${detail ? `: ${detail}` : ''}`;
      return `${ls.map((l) => l.output).join(', ')} ${ls.length > 1 ? 'are' : 'is'} built by ${winner} (${how})`;
    })
    .join('; ');
}

/** Ask `run.hooks.select` about every planned node (id order); a returned Exclusion applies. */
export function applySelectHook(graph: PackageGraph, run: Run): void {
  for (const id of graph.nodes().sort()) {
    const node = graph.getNodeAttributes(id);
    if (node.status !== 'planned' || node.bootstrap) continue;
    const exclusion = run.hooks.select.call(node);
    if (exclusion) applyExclusion(node, exclusion);
  }
}

/** `selection.only`: keep the named feedstocks (or outputs) and everything they need; exclude the other planned nodes. */
export function applyOnly(graph: PackageGraph, only: readonly string[], warnings: RenderWarning[]): void {
  if (!only.length) return;
  const wanted = new Set(only.map((n) => n.toLowerCase()));
  const keep = new Set<string>();
  const queue: string[] = [];
  const matched = new Set<string>();
  graph.forEachNode((id, n) => {
    const names = [n.feedstock, id, ...n.outputs].map((x) => x.toLowerCase());
    const hit = names.find((x) => wanted.has(x));
    if (hit !== undefined) {
      matched.add(hit);
      keep.add(id);
      queue.push(id);
    }
  });
  for (const name of wanted) if (!matched.has(name)) warnings.push({ feedstock: name, file: '', message: `selection.only names ${name}, which no recipe builds` });
  for (let i = 0; i < queue.length; i++) {
    graph.forEachInNeighbor(queue[i], (dep) => {
      if (!keep.has(dep)) {
        keep.add(dep);
        queue.push(dep);
      }
    });
  }
  graph.forEachNode((id, n) => {
    if (n.status === 'planned' && !keep.has(id)) {
      applyExclusion(n, { status: 'excluded', kind: 'not-selected', reason: 'not in selection.only nor needed by it' });
    }
  });
}
