// A reporter is a life-cycle object with optional methods (Nx's reporters); the progress plugin
// fans the run's hooks out to one of them. One file per reporter.
import type { ExecutionStart, RunSummary, TaskContext, TaskResult } from 'rebuild';

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
 * The end of a run's summary: the plan nodes it could not build (render / plan errors, and what is
 * blocked), one line each, so nothing is silently left out. No lines when there are none.
 */
export function formatNotBuilt(s: Pick<RunSummary, 'notBuilt' | 'planErrors'>): string[] {
  if (!s.notBuilt?.length) return [];
  const errors = s.notBuilt.filter((n) => n.status === 'error').length;
  const blocked = s.notBuilt.length - errors;
  const head = [
    errors ? `${errors} in error` : '',
    blocked ? `${blocked} blocked` : '',
  ].filter(Boolean).join(', ');
  return [
    `not built: ${head}${s.planErrors ? ` (${s.planErrors} plan error${s.planErrors === 1 ? '' : 's'}: exit 1; see rebuild plan)` : ''}`,
    ...s.notBuilt.map((n) => `  ${n.target.subdir} ${n.id}: ${n.status}${n.reason ? ` — ${n.reason}` : ''}`),
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
