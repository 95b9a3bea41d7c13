// A reporter is a life-cycle object with optional methods (Nx's reporters); the progress plugin
// fans the run's hooks out to one of them. One file per reporter.
import type { BuildTask, ExecutionStart, RunSummary, TaskResult } from '../../core/engine/types.ts';

export interface Reporter {
  start?(start: ExecutionStart): void;
  taskStart?(task: BuildTask): void;
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

/** `1h02m`, `3m12s`, `41s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
