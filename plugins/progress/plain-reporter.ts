// Off a TTY: one plain line per state change (no 'waiting' noise at start), easy to grep in CI logs.
import type { TaskStatus } from 'rebuild';
import { formatDuration, formatNotBuilt, type Reporter } from './reporter.ts';
import { hasSeveralPythons, targetLabel } from '../../core/model/types.ts';

const time = (d: Date) => d.toISOString().slice(11, 19);

export function plainReporter(write: (line: string) => void, now: () => Date = () => new Date()): Reporter {
  const line = (text: string) => write(`[${time(now())}] ${text}\n`);
  let severalPythons = false;
  return {
    start(s) {
      severalPythons = hasSeveralPythons(s.tasks.map((t) => t.target));
      const counts: Partial<Record<TaskStatus, number>> = {};
      for (const t of s.tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
      const done = (counts.built ?? 0) + (counts.tested ?? 0) + (counts.transmuted ?? 0) + (counts.published ?? 0);
      line(
        `run ${s.runId}: ${s.tasks.length} package(s): ${counts.waiting ?? 0} to build, ${done} already built, ` +
          `${counts.failed ?? 0} failed earlier, ${counts.blocked ?? 0} blocked, ${counts.skipped ?? 0} not selected; ${s.concurrency} slot(s)`,
      );
    },
    taskEnd(r) {
      const who = `${targetLabel(r.target, severalPythons)} ${r.id}`;
      switch (r.status) {
        case 'building':
          return line(`${who}: building (attempt ${r.attempt})${r.logFile ? ` log ${r.logFile}` : ''}`);
        case 'built':
        case 'tested':
        case 'transmuted':
        case 'published':
          return line(`${who}: ${r.status} in ${formatDuration(r.durationMs)}${r.reason ? ` (${r.reason})` : ''}`);
        case 'failed':
          return line(`${who}: FAILED (${r.failure ?? 'build'}) ${r.reason ?? ''}${r.logFile ? ` — log ${r.logFile}` : ''}`);
        default:
          return line(`${who}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
      }
    },
    end(s) {
      // A run with nothing to build still names the pythons of what it could not build.
      severalPythons ||= hasSeveralPythons([...(s.notBuilt ?? []).map((n) => n.target), ...s.results.map((r) => r.target)]);
      const counts = Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ');
      line(`run ${s.runId} ${s.interrupted ? 'interrupted' : 'ended'}: ${counts || 'nothing to do'}`);
      for (const l of formatNotBuilt(s, severalPythons)) line(l);
    },
  };
}
