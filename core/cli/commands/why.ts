// `rebuild why <name> [--arch A] [--json]`: per target, why a package (node id, feedstock or output
// name) is in the rebuild set, what it waits on, or why it is out (core/explain/README.md).
// Exit codes: 0 explained; 64 usage errors (unknown name, with the closest one — the same line as
// `rebuild logs`; unknown --arch); 65 the state database cannot be read.
import type { GlobalOptions } from '../options.ts';
import type { Engine } from '../../engine/engine.ts';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { loadEngine } from '../context.ts';
import type { PlanOptions } from '../../graph/plan-target.ts';
import { planWithState } from '../../explain/plan-with-state.ts';
import { whyReport } from '../../explain/why-report.ts';
import { formatWhyText } from '../../explain/format-why.ts';
import { classifyFailure, compileRules } from '../../report/classify.ts';
import type { ExplainIo } from './ready.ts';

const stdio: Pick<ExplainIo, 'write'> = { write: (t) => void process.stdout.write(t) };

export async function whyCommand(args: string[], opts: GlobalOptions): Promise<number> {
  return runWhyCommand(await loadEngine(opts), args[0], opts);
}

/** The command on an engine already made (tests and embedders). */
export async function runWhyCommand(
  engine: Engine,
  name: string | undefined,
  opts: GlobalOptions,
  io: Pick<ExplainIo, 'write'> = stdio,
  planOptions: PlanOptions = {},
): Promise<number> {
  if (!name) throw new UserError('why needs a package name (node id, feedstock or output)', EXIT.USAGE);
  const { plans, states } = await planWithState(engine, opts.arch, planOptions);
  const report = whyReport(plans, states, name);
  // A failure says its class (the report's rules over its log): what broke, not only that it did.
  const rules = compileRules(engine.config.report.classes, engine.config.configFile);
  for (const t of report)
    for (const n of t.nodes) {
      const s = n.state;
      if (s?.status !== 'failed' || !s.failure) continue;
      const c = classifyFailure(s.logPath ?? null, { stage: s.stage ?? null, failure: s.failure, reason: s.reason }, rules);
      s.class = c.class;
      s.classLine = c.line;
    }
  io.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatWhyText(report));
  return 0;
}
