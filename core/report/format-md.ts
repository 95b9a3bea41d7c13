// report.md: the report for people — the tally per arch (and python), the pythons side by side,
// failures by class, what blocks the most,
// the exclusions with their blocklist notes and links, and the packages of the old python not built
// for the new one. Made from the report object alone; the same report gives the same bytes.
import type { Report, ReportCounts, ReportPackage } from './types.ts';
import { pythonsLabel } from '../config/pythons.ts';
import { addCounts, emptyCounts } from './collect.ts';
import { reportHasSeveralPythons, sideBySide, targetColumn } from './side-by-side.ts';

/** A markdown table cell: one line, pipes escaped. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  return String(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

function table(head: string[], rows: unknown[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n') + '\n';
}

const code = (s: string | null) => (s ? `\`${s.replace(/`/g, "'")}\`` : '');

const COLUMNS: [keyof ReportCounts, string][] = [
  ['planned', 'planned'], ['built', 'built'], ['tested', 'tested'], ['testFailed', 'test-failed'], ['published', 'published'],
  ['failed', 'failed'], ['error', 'error'], ['blocked', 'blocked'], ['waiting', 'waiting'], ['building', 'in progress'],
  ['interrupted', 'interrupted'], ['excluded', 'excluded'],
];

function link(p: ReportPackage, logPrefix: string): string {
  return p.log ? `[log](${encodeURI(logPrefix + p.log)})` : '';
}

export interface MarkdownOptions {
  /** Prefix that makes a log path (relative to the work dir) relative to the report's folder; default '../'. */
  logPrefix?: string;
}

export function formatMarkdown(r: Report, options: MarkdownOptions = {}): string {
  const logPrefix = options.logPrefix ?? '../';
  const out: string[] = [];
  const several = reportHasSeveralPythons(r);
  const at = (t: { subdir: string; python: string }) => targetColumn(t, several);
  const atPython = (x: { subdir: string; python?: string }) => (x.python ? at({ subdir: x.subdir, python: x.python }) : x.subdir);
  const to = pythonsLabel(r.config.python);
  out.push(`# Rebuild report: python ${r.config.python.from} → ${to}\n`);
  if (r.run) {
    const state = r.running ? 'in progress' : `ended ${r.run.ended ?? '(killed)'}, outcome ${r.run.outcome ?? 'killed'}`;
    out.push(`Run ${r.run.id}, started ${r.run.started}, ${state}. Arches: ${r.config.arches.join(', ')}.\n`);
  } else out.push('Nothing has run in this work dir yet.\n');

  out.push('## Summary\n');
  const used = COLUMNS.filter(([k]) => k === 'planned' || k === 'built' || (r.totals[k] as number) > 0);
  const row = (name: string, c: ReportCounts) => [name, ...used.map(([k]) => c[k] as number)];
  const perPython = several ? [...new Set(r.targets.map((t) => t.python))].map((py) => row(`**py${py}**`, r.targets.filter((t) => t.python === py).reduce((sum, t) => (addCounts(sum, t.counts), sum), emptyCounts()))) : [];
  out.push(table(['arch', ...used.map(([, h]) => h)], [...r.targets.map((t) => row(`${t.subdir} py${t.python}`, t.counts)), ...perPython, row('**total**', r.totals)]));
  const by = Object.entries(r.totals.excludedBy).filter(([, n]) => n > 0);
  if (by.length) out.push(`\nExcluded: ${by.map(([k, n]) => `${k} ${n}`).join(', ')}.\n`);

  if (several) {
    const s = sideBySide(r);
    out.push(`\n## Side by side (python ${to})\n`);
    out.push(`Packages whose state differs between the pythons of an arch (${s.same} package${s.same === 1 ? ' has' : 's have'} the same state on every python).\n`);
    if (s.rows.length) out.push(table(['package', ...s.columns], s.rows.map((x) => [x.name, ...x.cells])));
  }

  if (r.failures.length) {
    out.push('\n## Failures by class\n');
    out.push(table(['class', 'failures', 'blocks', 'first matching line'], r.failures.map((g) => [g.class, g.count, g.blocks.length, code(g.line)])));
  }

  const each = (pick: (p: ReportPackage) => boolean) => r.targets.flatMap((t) => t.packages.filter(pick).map((p) => ({ t, p })));
  const failed = each((p) => p.status === 'failed' || p.status === 'test-failed' || p.status === 'error');
  if (failed.length) {
    out.push(`\n## Failed (${failed.length})\n`);
    out.push(table(['package', 'arch', 'stage', 'class', 'why', 'log'], failed.map(({ t, p }) => [p.name, at(t), p.stage, p.class, p.classLine ? code(p.classLine) : p.reason, link(p, logPrefix)])));
  }

  if (r.blockers.length) {
    out.push('\n## Top blockers\n');
    out.push(table(['package', 'arch', 'status', 'blocks'], r.blockers.map((b) => [b.name, atPython(b), b.status, b.blocks])));
  }
  const blocked = each((p) => p.status === 'blocked');
  if (blocked.length) {
    out.push(`\n## Blocked (${blocked.length}), by root cause\n`);
    out.push(table(['package', 'arch', 'blocked by', 'reason'], blocked.map(({ t, p }) => [p.name, at(t), p.blockedBy, p.reason])));
  }

  const excluded = each((p) => p.status === 'excluded' || p.status === 'present');
  if (excluded.length) {
    out.push(`\n## Excluded (${excluded.length})\n`);
    out.push(table(['package', 'arch', 'kind', 'reason', 'note', 'link'], excluded.map(({ t, p }) => {
      const b = p.exclusion?.blocklist;
      return [p.name, at(t), p.exclusion?.kind, b ? b.reason : p.reason, b?.note, b?.link];
    })));
  }

  const published = Object.entries(r.publish.counts).sort(([a], [b]) => (a < b ? -1 : 1));
  if (published.length) {
    out.push(`\n## Publication\n\nPublish groups: ${published.map(([k, n]) => `${k} ${n}`).join(', ')}.\n`);
    if (r.publish.notPublished.length)
      out.push(table(['package', 'version', 'python', 'status', 'reason', 'arches'], r.publish.notPublished.map((g) => [g.name, g.version, g.python, g.status, g.reason, g.members.join(', ')])));
  }

  if (r.missing) {
    out.push(`\n## Not built for python ${to} (${r.missing.length} of the reference's python ${r.config.python.from} packages${several ? ', per python' : ''})\n`);
    if (r.missing.length) out.push(table(['package', 'arch', 'version', 'status', 'reason'], r.missing.map((m) => [m.name, atPython(m), m.version, m.status, m.reason])));
    else out.push('Every package of the reference channel has a build.\n');
  } else if (r.referenceError) out.push(`\n## Not built for python ${to}\n\n${cell(r.referenceError)}\n`);

  if (r.groups.length) {
    out.push('\n## Groups\n');
    const lines = r.groups.map((g) => {
      const counts: Record<string, number> = {};
      for (const p of g.packages) counts[p.status] = (counts[p.status] ?? 0) + 1;
      const tally = Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => `${s} ${n}`).join(', ');
      const notDone = g.packages.filter((p) => !['built', 'tested', 'transmuted', 'published', 'present'].includes(p.status)).map((p) => `${p.name}@${p.python ? `${p.subdir}/py${p.python}` : p.subdir}`);
      return `- **${cell(g.name)}**: ${tally || 'no package of the group in the state'}${notDone.length ? ` — not done: ${cell(notDone.join(', '))}` : ''}`;
    });
    out.push(lines.join('\n') + '\n');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** `rebuild report --failures`: failures grouped by class, the first matching line, what each blocks. */
export function formatFailures(r: Report): string {
  if (!r.failures.length) return 'no failures\n';
  let out = '';
  for (const g of r.failures) {
    out += `${g.class}: ${g.count} failure${g.count === 1 ? '' : 's'}, blocking ${g.blocks.length}\n`;
    if (g.line) out += `  first matching line: ${g.line}\n`;
    for (const p of g.packages) {
      const blocks = p.blocks.length ? `: blocks ${p.blocks.length} (${p.blocks.slice(0, 10).join(', ')}${p.blocks.length > 10 ? `, +${p.blocks.length - 10}` : ''})` : '';
      out += `  ${p.subdir} ${p.name}${p.stage && p.stage !== 'build' ? ` (${p.stage})` : ''}${blocks}${p.log ? `  ${p.log}` : ''}\n`;
      if (p.line && p.line !== g.line) out += `    ${p.line}\n`;
    }
  }
  return out;
}
