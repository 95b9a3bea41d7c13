// What the live view shows, kept from the run's events: per-arch tallies, the running packages
// and an ETA from past durations (the state database's, handed over in executionStart).
import type { ExecutionStart, TaskResult, TaskStatus } from 'rebuild';
import { hasSeveralPythons, targetLabel } from '../../core/model/types.ts';

export type Column = 'done' | 'running' | 'waiting' | 'failed' | 'blocked' | 'other';
export const COLUMNS: Column[] = ['done', 'running', 'waiting', 'failed', 'blocked'];

export function columnOf(status: TaskStatus): Column {
  switch (status) {
    case 'built': case 'tested': case 'transmuted': case 'published': return 'done';
    case 'building': case 'testing': case 'transmuting': case 'publishing': return 'running';
    case 'waiting': case 'ready': case 'planned': case 'interrupted': return 'waiting';
    case 'failed': return 'failed';
    case 'blocked': return 'blocked';
    default: return 'other';
  }
}

interface Entry {
  id: string;
  /** The target's label: the subdir, with the python in a run of several (`linux-64 py3.14`). */
  subdir: string;
  status: TaskStatus;
  since: number;
  estimateMs: number | null;
}

export class ProgressModel {
  runId = 0;
  concurrency = 1;
  /** The run has several pythons: tallies and lines are per subdir and python. */
  severalPythons = false;
  private readonly entries = new Map<string, Entry>();
  private readonly finishedDurations: number[] = [];

  start(s: ExecutionStart, now: number): void {
    this.runId = s.runId;
    this.concurrency = s.concurrency;
    this.severalPythons = hasSeveralPythons(s.tasks.map((t) => t.target));
    for (const t of s.tasks) {
      this.entries.set(`${t.target.subdir}/${t.target.python}/${t.id}`, { id: t.id, subdir: targetLabel(t.target, this.severalPythons), status: t.status, since: now, estimateMs: t.estimateMs });
    }
  }

  update(r: TaskResult, now: number): void {
    const key = `${r.target.subdir}/${r.target.python}/${r.id}`;
    const e = this.entries.get(key) ?? { id: r.id, subdir: targetLabel(r.target, this.severalPythons), status: r.status, since: now, estimateMs: null };
    if (r.status === 'building' || e.status === 'building') e.since = now;
    if (columnOf(r.status) === 'done' && r.durationMs > 0 && e.status === 'building') this.finishedDurations.push(r.durationMs);
    e.status = r.status;
    this.entries.set(key, e);
  }

  /** Per arch (sorted), the count per column. */
  tally(): { subdir: string; counts: Record<Column, number> }[] {
    const per = new Map<string, Record<Column, number>>();
    for (const e of this.entries.values()) {
      const c = per.get(e.subdir) ?? { done: 0, running: 0, waiting: 0, failed: 0, blocked: 0, other: 0 };
      c[columnOf(e.status)]++;
      per.set(e.subdir, c);
    }
    return [...per.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([subdir, counts]) => ({ subdir, counts }));
  }

  running(now: number): { id: string; subdir: string; elapsedMs: number }[] {
    return [...this.entries.values()]
      .filter((e) => e.status === 'building')
      .map((e) => ({ id: e.id, subdir: e.subdir, elapsedMs: now - e.since }))
      .sort((a, b) => b.elapsedMs - a.elapsedMs || a.id.localeCompare(b.id));
  }

  /**
   * Remaining time, ms: the expected work left (past durations; else the mean of this run's
   * finished builds) spread over the slots. Null when nothing is known yet.
   */
  eta(now: number): number | null {
    const known = [...this.entries.values()].map((e) => e.estimateMs).filter((x): x is number => x !== null);
    const pool = this.finishedDurations.length ? this.finishedDurations : known;
    if (!pool.length) return null;
    const mean = pool.reduce((a, b) => a + b, 0) / pool.length;
    let work = 0;
    for (const e of this.entries.values()) {
      const expected = e.estimateMs ?? mean;
      if (e.status === 'waiting' || e.status === 'ready' || e.status === 'planned') work += expected;
      else if (e.status === 'building') work += Math.max(0, expected - (now - e.since));
    }
    return work / Math.max(1, this.concurrency);
  }
}
