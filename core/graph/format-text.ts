// `rebuild plan` text output: per target the tally, the stages, the critical path, cycles, errors,
// every node not planned with its reason, and last the warnings (grouped by kind, or all).
import { targetKey } from '../model/types.ts';
import type { Plan } from './plan.ts';
import { formatCyclePath } from './cycles.ts';
import { formatWarnings } from './warnings.ts';

export function formatPlanText(plan: Plan, options: { allWarnings?: boolean } = {}): string {
  const lines: string[] = [];
  const c = plan.counts;
  lines.push(`${targetKey(plan.target)}: ${c.planned} planned, ${c.present} present, ${c.excluded} excluded, ${c.blocked} blocked, ${c.error} error`);
  lines.push(`stages (${plan.stages.length}):`);
  plan.stages.forEach((stage, i) => lines.push(`  ${i + 1}: ${stage.join(' ')}`));
  lines.push(`critical path (${plan.criticalPath.length}): ${plan.criticalPath.join(' → ') || '-'}`);
  if (plan.cycles.length) {
    lines.push(`cycles (${plan.cycles.length}):`);
    for (const cycle of plan.cycles) {
      const how = cycle.brokenBy ? `broken by ${cycle.brokenBy}` : `NOT broken: ${cycle.suggestion}`;
      lines.push(`  ${formatCyclePath(cycle.path)}  [${how}]`);
      if (cycle.brokenBy && cycle.why) lines.push(`    why: ${cycle.why}`);
      cycle.path.forEach((from, i) => {
        const to = cycle.path[(i + 1) % cycle.path.length];
        const labels = cycle.edges[i].map((r) => `${r.section}: ${r.spec}${r.via ? ` via ${r.via.join(' → ')}` : ''}`);
        lines.push(`    ${from} → ${to}: ${labels.join('; ') || '(added by a plugin)'}`);
      });
    }
  }
  if (plan.errors.length) {
    lines.push(`errors (${plan.errors.length}):`);
    for (const e of plan.errors) lines.push(`  ${e.kind}: ${e.message}`);
  }
  const notPlanned = plan.nodes.filter((n) => n.status !== 'planned');
  if (notPlanned.length) {
    lines.push('not planned:');
    for (const n of notPlanned) lines.push(`  ${n.id}: ${n.status}${n.reason ? ` (${n.reason})` : ''}`);
  }
  // Last: the warnings, grouped by kind with counts (every one with allWarnings: plan --warnings).
  lines.push(...formatWarnings(plan.warnings, options.allWarnings ?? false));
  return lines.join('\n') + '\n';
}
