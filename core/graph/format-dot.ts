// `rebuild plan --format dot`: graphviz of the planned nodes and the edges between them, labelled by
// section; edges that only block the test (run/test) are dashed. Bootstrap builds are boxes.
import { targetKey } from '../model/types.ts';
import type { Plan } from './plan.ts';

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function formatPlanDot(plan: Plan): string {
  const { graph } = plan;
  const lines = [`digraph ${q(targetKey(plan.target))} {`, '  rankdir=LR;'];
  const planned = new Set(plan.nodes.filter((n) => n.status === 'planned').map((n) => n.id));
  for (const n of plan.nodes) if (planned.has(n.id)) lines.push(`  ${q(n.id)}${n.bootstrap ? ' [shape=box]' : ''};`);
  const edges: string[] = [];
  graph.forEachEdge((_e, edge, source, target) => {
    if (!planned.has(source) || !planned.has(target)) return;
    const sections = [...new Set(edge.reasons.map((r) => r.section))].join(',');
    edges.push(`  ${q(source)} -> ${q(target)} [label=${q(sections)}${edge.blocksBuild ? '' : ', style=dashed'}];`);
  });
  lines.push(...edges.sort(), '}');
  return lines.join('\n') + '\n';
}
