// `rebuild status`: the tally per arch and status (like Anaconda buildout's tally script), totals,
// what failed and why, and the last run. Read from the state database only.
import type { FailureClass, TaskStatus } from '../model/types.ts';
import { stagedText } from './stage-status.ts';
import type { StateDb, RunRow } from './state-db.ts';
import type { LockInfo } from './lock.ts';

/** A tally column: a task status, or 'error' for a plan error (a recipe that fails to render, a cycle), as `rebuild ready` counts it. */
export type TallyStatus = TaskStatus | 'error';

/** Column order of the tally: work left, work done, then what will not be built. */
export const STATUS_ORDER: TallyStatus[] = [
  'planned', 'waiting', 'ready', 'building', 'interrupted', 'built', 'testing', 'tested', 'transmuting', 'transmuted', 'publishing', 'published',
  'failed', 'error', 'blocked', 'excluded', 'present', 'skipped',
];

/** Left by a run that is not running any more: shown as what the next run makes of them. */
const STALE: ReadonlySet<string> = new Set(['building', 'testing', 'transmuting', 'publishing', 'waiting', 'ready']);

export interface StatusReport {
  workDir: string;
  /** Per subdir (per `linux-64 py3.14` when the state holds several pythons): status → count (only statuses with a count). */
  arches: Record<string, Partial<Record<TallyStatus, number>>>;
  totals: Partial<Record<TallyStatus, number>> & { all: number };
  /** Failed packages, at any stage (`stage`: build, test, transmute, publish; null for plan errors). */
  failed: {
    id: string; subdir: string; /** Only when the state holds several pythons. */ python?: string; stage: string | null; failure: string | null; reason: string | null; logFile: string | null;
    /** Failure class of the report's rules (core/report/classify.ts) and the log line it matched; set by `rebuild status`. */
    class?: string; classLine?: string | null;
  }[];
  lastRun: (Omit<RunRow, 'argv'> & { argv: string[] }) | null;
  /** Publish groups (name-version-python across arches) per status: published, held, failed... */
  publish: Record<string, number>;
  /** The live holder of the work dir's lock: a run in progress. */
  running: LockInfo | null;
}

export function statusReport(db: StateDb, workDir: string, options: { arches?: string[]; holder: LockInfo | null }): StatusReport {
  const arches: StatusReport['arches'] = {};
  const totals: StatusReport['totals'] = { all: 0 };
  const failed: StatusReport['failed'] = [];
  const packages = db.packages();
  const several = packages.some((p) => p.python !== packages[0].python);
  for (const p of packages) {
    if (options.arches?.length && !options.arches.includes(p.subdir)) continue;
    // A plan error is stored as failed with no failure class (nothing was attempted): counted as 'error', like `rebuild ready`.
    const status: TallyStatus = !options.holder && STALE.has(p.status) ? 'interrupted' : p.status === 'failed' && !p.failure ? 'error' : p.status;
    const a = (arches[several ? `${p.subdir} py${p.python}` : p.subdir] ??= {});
    a[status] = (a[status] ?? 0) + 1;
    totals[status] = (totals[status] ?? 0) + 1;
    totals.all++;
    if (status === 'failed' || status === 'error') failed.push({ id: p.node, subdir: p.subdir, ...(several ? { python: p.python } : {}), stage: p.stage ?? null, failure: p.failure, reason: p.reason, logFile: p.logPath });
  }
  const publish: Record<string, number> = {};
  for (const g of db.groups()) publish[g.status] = (publish[g.status] ?? 0) + 1;
  return { workDir, arches, totals, failed, lastRun: db.lastRun() ?? null, publish, running: options.holder };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

const where = (f: { subdir: string; python?: string }) => (f.python ? `${f.subdir} py${f.python}` : f.subdir);

export function formatStatusReport(r: StatusReport, maxFailures = 20): string {
  let out = `work dir ${r.workDir}\n`;
  const subdirs = Object.keys(r.arches).sort();
  if (!subdirs.length) out += 'no packages recorded yet\n';
  else {
    const columns = STATUS_ORDER.filter((s) => r.totals[s]);
    const rows = [['arch', ...columns, 'total']];
    for (const s of subdirs) {
      const counts = r.arches[s];
      rows.push([s, ...columns.map((c) => String(counts[c] ?? 0)), String(Object.values(counts).reduce((a, b) => a + (b ?? 0), 0))]);
    }
    rows.push(['total', ...columns.map((c) => String(r.totals[c] ?? 0)), String(r.totals.all)]);
    out += table(rows);
  }
  if (r.failed.length) {
    out += `\n${r.totals.error ? 'failed or in error' : 'failed'} (${r.failed.length}):\n`;
    for (const f of r.failed.slice(0, maxFailures)) {
      // No rule matched ('unclassified', or the engine's own class): the failure class and reason say all there is.
      const klass = f.class && f.class !== 'unclassified' && f.class !== f.failure ? ` [${f.class}]` : '';
      out += f.stage && f.stage !== 'build'
        ? `  ${where(f)} ${f.id}:${klass} ${stagedText({ status: 'failed', stage: f.stage, reason: f.reason, failure: f.failure as FailureClass | null })}\n`
        : `  ${where(f)} ${f.id}:${klass} ${f.failure ?? 'error'}: ${f.reason ?? ''}\n`;
      if (f.classLine) out += `      ${f.classLine}\n`;
    }
    if (r.failed.length > maxFailures) out += `  … ${r.failed.length - maxFailures} more (rebuild status --json)\n`;
  }
  const groups = Object.entries(r.publish ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (groups.length) out += `\npublish groups: ${groups.map(([s, n]) => `${n} ${s}`).join(', ')}\n`;
  const last = r.lastRun;
  if (last) {
    out += `\nlast run ${last.id}: started ${last.started}, ${last.ended ? `ended ${last.ended}` : 'not ended'}, outcome ${last.outcome ?? (r.running ? 'running' : 'killed')}\n`;
  }
  if (r.running) out += `a run is in progress: pid ${r.running.pid} on ${r.running.host} since ${r.running.started}\n`;
  return out;
}
