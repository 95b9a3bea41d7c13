// A reporter is a life-cycle object with optional methods (Nx's reporters); the progress plugin
// fans the run's hooks out to one of them. One file per reporter.
import type { ExecutionStart, RunSummary, Target, TaskContext, TaskResult } from 'rebuild';
import { targetLabel } from '../../core/model/types.ts';

export interface Reporter {
  start?(start: ExecutionStart): void;
  taskStart?(task: TaskContext): void;
  taskEnd?(result: TaskResult): void;
  end?(summary: RunSummary): void;
}

/** One reporter made of several, each called in order. */
export function compositeReporter(reporters: Reporter[]): Reporter {
  return {
    start: (s) => reporters.forEach((r) => r.start?.(s)),
    taskStart: (t) => reporters.forEach((r) => r.taskStart?.(t)),
    taskEnd: (r) => reporters.forEach((x) => x.taskEnd?.(r)),
    end: (s) => reporters.forEach((r) => r.end?.(s)),
  };
}

/**
 * The end of a run's summary: what it could not build, one line each, so nothing is silently left
 * out — the plan nodes (render / plan errors, blocked at plan time) and the run's own failures
 * (any stage: a failed build, a failed test, an unpublished group) and what they block. No lines
 * when there are none.
 */
export function formatNotBuilt(s: Pick<RunSummary, 'notBuilt' | 'planErrors'> & Partial<Pick<RunSummary, 'results'>>, severalPythons = false): string[] {
  const failed = (s.results ?? []).filter((r) => r.status === 'failed');
  const blockedInRun = (s.results ?? []).filter((r) => r.status === 'blocked');
  if (!s.notBuilt?.length && !failed.length && !blockedInRun.length) return [];
  const errors = (s.notBuilt ?? []).filter((n) => n.status === 'error').length;
  const planBlocked = (s.notBuilt ?? []).length - errors;
  const blocked = planBlocked + blockedInRun.length;
  // The line above (`run N ended: … blocked M`) counts only the run's own blocks: say how they add up.
  const split = planBlocked && blockedInRun.length ? ` (${planBlocked} by the plan, ${blockedInRun.length} in this run)` : '';
  const head = [
    errors ? `${errors} in error` : '',
    failed.length ? `${failed.length} failed` : '',
    blocked ? `${blocked} blocked${split}` : '',
  ].filter(Boolean).join(', ');
  const line = (target: Target, id: string, status: string, reason: string | null) => `  ${targetLabel(target, severalPythons)} ${id}: ${status}${reason ? ` — ${reason.split('\n')[0]}` : ''}`;
  return [
    `not built: ${head}${s.planErrors ? ` (${s.planErrors} plan error${s.planErrors === 1 ? '' : 's'}: exit 1; see rebuild plan)` : ''}`,
    ...(s.notBuilt ?? []).map((n) => line(n.target, n.id, n.status, n.reason)),
    ...failed.map((r) => line(r.target, r.id, r.stage && r.stage !== 'build' ? `failed (${r.stage})` : 'failed', r.reason)),
    ...blockedInRun.map((r) => line(r.target, r.id, 'blocked', r.reason)),
  ];
}

/** `1h02m`, `3m12s`, `41s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
