// Reference diff: the packages built for the old python in the reference channel that this plan
// does not rebuild for the new one, each with the reason (the node's status and reason, or "no
// recipe in the aggregate"). What a final buildout report lists as "not built, and why".
import type { Repodata } from '../conda/repodata-read.ts';
import type { PackageGraph } from './package-graph.ts';
import type { OutputIndex } from './output-index.ts';
import type { ReferenceDiff } from './plan.ts';
import { recordPinsPython } from './python-dependency.ts';

export function referenceDiff(channel: string, python: string, repodata: Repodata, graph: PackageGraph, index: OutputIndex): ReferenceDiff {
  const names = new Set<string>();
  for (const map of [repodata.packages ?? {}, repodata['packages.conda'] ?? {}]) {
    for (const record of Object.values(map)) if (recordPinsPython(record, python)) names.add(record.name.toLowerCase());
  }
  const missing: ReferenceDiff['missing'] = [];
  for (const name of [...names].sort()) {
    const providers = index.providers(name).map((p) => graph.getNodeAttributes(p.id));
    if (providers.some((n) => n.status === 'planned' || n.status === 'present')) continue;
    const main = index.mainProvider(name);
    const node = providers.find((n) => n.id === main) ?? providers[0];
    missing.push({ name, reason: node ? `${node.id}: ${node.status}${node.reason ? ` (${node.reason})` : ''}` : 'no recipe in the aggregate' });
  }
  return { channel, python, missing };
}
