// `rebuild run --json`: one JSON object per line, for machines. The event shapes are documented in
// plugins/progress/README.md; fields are only ever added.
import type { Reporter } from './reporter.ts';

export function ndjsonReporter(write: (line: string) => void, now: () => Date = () => new Date()): Reporter {
  const emit = (event: Record<string, unknown>) => write(JSON.stringify({ type: event.type, time: now().toISOString(), ...event }) + '\n');
  return {
    start(s) {
      const counts: Record<string, number> = {};
      for (const t of s.tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
      emit({ type: 'run-start', runId: s.runId, workDir: s.workDir, concurrency: s.concurrency, tasks: s.tasks.length, counts });
      for (const t of s.tasks) {
        emit({ type: 'task', id: t.id, subdir: t.target.subdir, python: t.target.python, status: t.status, reason: t.reason, initial: true, bootstrap: t.bootstrap });
      }
    },
    taskStart(task) {
      emit({
        type: 'task-start', id: task.id, subdir: task.target.subdir, python: task.target.python, stage: task.stage, attempt: task.attempt,
        logFile: task.logFile, outputChannel: task.outputChannel, channels: task.channels,
      });
    },
    taskEnd(r) {
      emit({
        type: 'task', id: r.id, subdir: r.target.subdir, python: r.target.python, status: r.status, reason: r.reason,
        ...(r.stage ? { stage: r.stage } : {}),
        attempt: r.attempt, durationMs: r.durationMs,
        ...(r.failure ? { failure: r.failure } : {}),
        ...(r.logFile ? { logFile: r.logFile } : {}),
        ...(r.artifacts.length && r.status !== 'blocked' ? { artifacts: r.artifacts.map((a) => ({ filename: a.filename, subdir: a.subdir, sha256: a.sha256, size: a.size })) } : {}),
      });
    },
    end(s) {
      emit({
        type: 'run-end', runId: s.runId, startedAt: s.startedAt, endedAt: s.endedAt, counts: s.counts, interrupted: s.interrupted,
        planErrors: s.planErrors ?? 0,
        notBuilt: (s.notBuilt ?? []).map((n) => ({ id: n.id, subdir: n.target.subdir, python: n.target.python, status: n.status, reason: n.reason })),
      });
    },
  };
}
