// On a TTY: a live view redrawn in place (done / running / waiting / failed per arch, the running
// packages with their elapsed time, an ETA); failures are printed above it as permanent lines.
import type { Reporter } from './reporter.ts';
import { formatDuration, formatNotBuilt } from './reporter.ts';
import { COLUMNS, ProgressModel } from './progress-model.ts';
import { targetLabel } from '../../core/model/types.ts';

export interface TtyStream {
  write(text: string): unknown;
  columns?: number;
}

/** The live view's lines (no escape codes), for a model at time `now`. */
export function renderLiveView(model: ProgressModel, now: number, maxRunning = 8): string[] {
  const tally = model.tally();
  const total = Object.fromEntries(COLUMNS.map((c) => [c, tally.reduce((s, t) => s + t.counts[c], 0)]));
  const eta = model.eta(now);
  const lines = [
    `rebuild run ${model.runId}: ${COLUMNS.map((c) => `${c} ${total[c]}`).join(' · ')}${eta !== null && total.waiting + total.running ? ` · ETA ${formatDuration(eta)}` : ''}`,
  ];
  const width = Math.max(...tally.map((t) => t.subdir.length), 6);
  for (const t of tally) lines.push(`  ${t.subdir.padEnd(width)}  ${COLUMNS.map((c) => `${c} ${String(t.counts[c]).padStart(4)}`).join('  ')}`);
  const running = model.running(now);
  for (const r of running.slice(0, maxRunning)) lines.push(`  ▸ ${r.id} (${r.subdir}) ${formatDuration(r.elapsedMs)}`);
  if (running.length > maxRunning) lines.push(`  ▸ … ${running.length - maxRunning} more`);
  return lines;
}

export function ttyReporter(stream: TtyStream, options: { refreshMs?: number; clock?: () => number } = {}): Reporter {
  const clock = options.clock ?? Date.now;
  const model = new ProgressModel();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const clip = (line: string) => (stream.columns && line.length > stream.columns ? line.slice(0, stream.columns - 1) + '…' : line);
  const draw = (above: string[] = []) => {
    // Move to the start of the block, clear to the end of the screen, print, redraw.
    let out = drawn ? `\x1b[${drawn}F\x1b[J` : '';
    for (const l of above) out += l + '\n';
    const lines = renderLiveView(model, clock()).map(clip);
    out += lines.join('\n') + '\n';
    drawn = lines.length;
    stream.write(out);
  };
  return {
    start(s) {
      model.start(s, clock());
      draw();
      timer = setInterval(() => draw(), options.refreshMs ?? 1000);
      timer.unref();
    },
    taskEnd(r) {
      model.update(r, clock());
      const above: string[] = [];
      const who = `${targetLabel(r.target, model.severalPythons)} ${r.id}`;
      if (r.status === 'failed') above.push(`✗ ${who}: ${r.failure ?? 'build'}: ${r.reason ?? ''}${r.logFile ? ` (log ${r.logFile})` : ''}`);
      if (r.status === 'interrupted') above.push(`■ ${who}: interrupted`);
      draw(above);
    },
    end(s) {
      clearInterval(timer);
      draw([]);
      stream.write(`run ${s.runId} ${s.interrupted ? 'interrupted' : 'ended'}: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
      for (const l of formatNotBuilt(s, model.severalPythons)) stream.write(`${l}\n`);
    },
  };
}
