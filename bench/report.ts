// Benchmark 7 — `rebuild report` on a 25,000-package state database (bench/report-child.ts writes
// it through the state database's API: a finished two-arch buildout with built, failed — each with a
// ~200-line log to classify — blocked, excluded and present packages, and a reference channel),
// timed from opening the state to every format written: the reference channel read, collectReport
// (rows, classification of every failure from its log, root blockers, reference diff, history),
// then each writer of REPORT_WRITERS. Target < 2 s. Baseline: `rebuild status` (statusReport) on
// the same database, measured in the same child.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { row, runChild, type Benchmark } from './measure.ts';

interface ReportChildResult {
  packages: number;
  stateMs: number;
  statusMs: number;
  reportMs: number;
  reportCpuMs: number;
  referenceMs: number;
  collectMs: number;
  formatMs: Record<string, number>;
  failed: number;
  blocked: number;
  missing: number | null;
  history: number;
  maxRssMb: number;
}

export const report: Benchmark = async (ctx) => {
  const n = ctx.quick ? 2000 : 25000;
  ctx.log(`report: a state database of ${n} packages`);
  const work = join(tmpdir(), `rebuild-bench-report-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  let r: ReportChildResult;
  try {
    r = await runChild<ReportChildResult>('report-child.ts', [String(n), work], { timeoutMs: 900_000 });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const ms = (v: number) => `${Math.round(v)} ms`;
  return [
    row({
      benchmark: 'report', figure: `rebuild report, ${r.packages.toLocaleString('en-US')} packages (every format)`, value: r.reportMs / 1000, unit: 's', max: 2, target: '< 2 s',
      baseline: 'rebuild status on the same state', baselineValue: r.statusMs / 1000,
      note: `CPU ${ms(r.reportCpuMs)}; reference channel ${ms(r.referenceMs)}, collectReport ${ms(r.collectMs)} ` +
        `(${r.failed} failures classified from their logs, ${r.blocked} blocked traced to their root, ${r.missing} missing against the reference, ${r.history} history points), ` +
        `${Object.entries(r.formatMs).map(([f, v]) => `${f} ${ms(v)}`).join(', ')}; peak RSS ${r.maxRssMb} MB; writing the state took ${(r.stateMs / 1000).toFixed(1)} s (not timed)`,
    }),
  ];
};
