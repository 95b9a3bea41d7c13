// `rebuild ready` text: per target one counts line, then the ready, failed, most needed and last
// blocker lists, 10 entries each at most.
import { targetKey } from '../model/types.ts';
import type { ReadySummary } from './ready-summary.ts';

export const TOP = 10;

function more(total: number): string {
  return total > TOP ? ` … and ${total - TOP} more` : '';
}

export function formatReadyText(s: ReadySummary): string {
  const lines: string[] = [];
  lines.push(
    `${targetKey(s.target)}: ${s.ready.length} ready, ${s.waiting} waiting, ${s.built} built, ${s.failed.length} failed, ` +
      `${s.blocked} blocked, ${s.present} present${s.error ? `, ${s.error} error` : ''}`,
  );
  const score = new Map(s.mostNeeded.map((m) => [m.id, m.waiting]));
  const failed = new Set(s.failed);
  const ready = new Set(s.ready);
  const tag = (id: string) => (failed.has(id) ? ' [failed]' : ready.has(id) ? ' [ready]' : '');
  if (s.ready.length) {
    const shown = s.ready.slice(0, TOP).map((id) => (score.has(id) ? `${id} (${score.get(id)} waiting)` : id));
    lines.push(`ready (${s.ready.length}): ${shown.join(', ')}${more(s.ready.length)}`);
  } else {
    const why = s.waiting ? 'nothing can be built now' : s.failed.length ? 'nothing left to build but the failures' : s.built ? 'nothing left to build' : 'nothing planned';
    lines.push(`ready (0): ${why}`);
  }
  if (s.failed.length) lines.push(`failed (${s.failed.length}): ${s.failed.slice(0, TOP).join(', ')}${more(s.failed.length)}`);
  for (const [where, ids] of Object.entries(s.stages ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`built, ${where} (${ids.length}): ${ids.slice(0, TOP).join(', ')}${more(ids.length)}`);
  }
  if (s.mostNeeded.length) {
    lines.push('most needed:');
    const width = Math.max(...s.mostNeeded.slice(0, TOP).map((m) => m.id.length));
    for (const m of s.mostNeeded.slice(0, TOP)) lines.push(`  ${m.id.padEnd(width)}  ${m.waiting} waiting${tag(m.id)}`);
    if (s.mostNeeded.length > TOP) lines.push(`  … and ${s.mostNeeded.length - TOP} more`);
  }
  if (s.lastBlockers.length) {
    lines.push('last blockers:');
    const width = Math.max(...s.lastBlockers.slice(0, TOP).map((b) => b.id.length));
    for (const b of s.lastBlockers.slice(0, TOP)) {
      lines.push(`  ${b.id.padEnd(width)}  unblocks ${b.unblocks.length}: ${b.unblocks.slice(0, TOP).join(', ')}${more(b.unblocks.length)}${tag(b.id)}`);
    }
    if (s.lastBlockers.length > TOP) lines.push(`  … and ${s.lastBlockers.length - TOP} more`);
  }
  return lines.join('\n') + '\n';
}
