// `rebuild ready [--arch A] [--json]`: per target, what can be built now, how much waits, and the
// top blockers (core/explain/README.md). Exit codes: 0 answered (whatever the counts); 64 usage
// errors (unknown --arch); 65 the state database cannot be read.
import type { GlobalOptions } from '../options.ts';
import type { Engine } from '../../engine/engine.ts';
import { loadEngine } from '../context.ts';
import type { PlanOptions } from '../../graph/plan-target.ts';
import { targetKey } from '../../model/types.ts';
import { planWithState } from '../../explain/plan-with-state.ts';
import { readySummary } from '../../explain/ready-summary.ts';
import { formatReadyText } from '../../explain/format-ready.ts';
import { NO_STATE } from '../../explain/target-state.ts';

export interface ExplainIo {
  write(text: string): void;
  /** Notes for humans (plan errors), kept out of --json output. */
  note(text: string): void;
}

const stdio: ExplainIo = { write: (t) => void process.stdout.write(t), note: (t) => void process.stderr.write(t) };

export async function readyCommand(_args: string[], opts: GlobalOptions): Promise<number> {
  return runReadyCommand(await loadEngine(opts), opts);
}

/** The command on an engine already made (tests and embedders). */
export async function runReadyCommand(engine: Engine, opts: GlobalOptions, io: ExplainIo = stdio, planOptions: PlanOptions = {}): Promise<number> {
  const { plans, states } = await planWithState(engine, opts.arch, planOptions);
  const summaries = plans.map((p) => readySummary(p, states.get(targetKey(p.target)) ?? NO_STATE));
  if (opts.json) io.write(JSON.stringify(summaries, null, 2) + '\n');
  else io.write(summaries.map(formatReadyText).join('\n'));
  for (const p of plans) {
    if (p.errors.length) io.note(`${targetKey(p.target)}: the plan has ${p.errors.length} error${p.errors.length === 1 ? '' : 's'} (see rebuild plan)\n`);
  }
  return 0;
}
