// `rebuild plan [--arch A] [--json] [--format text|json|dot|scripts] [--out DIR]`: what must be
// rebuilt, in which order, and why, per target. Exit codes: 0 the plans are usable; 1 some plan has
// errors (render errors, ambiguous outputs, unbroken cycles, missing extra-version recipes) — the
// output is still written; 2 usage errors.
import { resolve } from 'node:path';
import type { GlobalOptions } from '../options.ts';
import type { Engine } from '../../engine/engine.ts';
import { UserError } from '../../model/errors.ts';
import { loadEngine, useChannelSource } from '../context.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import type { PlanOptions } from '../../graph/plan-target.ts';
import { toPlanJson } from '../../graph/plan-json.ts';
import { formatPlanText } from '../../graph/format-text.ts';
import { formatPlanDot } from '../../graph/format-dot.ts';
import { writePlanScripts } from '../../graph/format-scripts.ts';
import type { Plan } from '../../graph/plan.ts';
import type { Run } from '../../engine/run.ts';
import { writeJson } from '../json-out.ts';

export type PlanFormat = 'text' | 'json' | 'dot' | 'scripts';

export interface PlanCommandOptions extends GlobalOptions {
  format?: PlanFormat;
  out?: string;
  channel?: string;
  /** --warnings: list every warning (text output). */
  warnings?: boolean;
  /** false with --no-cache: no render cache. */
  cache?: boolean;
}

export interface PlanIo {
  write(text: string): void;
  cwd?: string;
}

const FORMATS: PlanFormat[] = ['text', 'json', 'dot', 'scripts'];

export async function planCommand(_args: string[], opts: PlanCommandOptions): Promise<number> {
  // Channel-only planning reads no aggregate: its paths are not checked.
  const engine = await loadEngine(opts, undefined, { paths: !opts.channel });
  if (!opts.channel) return runPlanCommand(engine, opts);
  // Channel-only planning: the channel's package names replace the aggregate's recipes.
  const channel = opts.channel;
  return runPlanCommand(engine, opts, undefined, {}, (run) => {
    // `--channel` brings in the channel-source plugin for this run (core/cli/context.ts).
    useChannelSource(run, channel);
    return run.plan({ recipes: [] });
  });
}

/** The command on an engine already made (tests and embedders). */
export async function runPlanCommand(
  engine: Engine,
  opts: PlanCommandOptions,
  io: PlanIo = { write: (t) => void process.stdout.write(t) },
  planOptions: PlanOptions = {},
  plan: (run: Run) => Promise<Plan[]> = (run) => run.plan(planOptions),
): Promise<number> {
  const format: PlanFormat = opts.json ? 'json' : (opts.format ?? 'text');
  if (!FORMATS.includes(format)) throw new UserError(`unknown plan format '${format}' (one of ${FORMATS.join(', ')})`, EXIT.USAGE);
  if (format === 'scripts' && !opts.out) throw new UserError('plan --format scripts needs --out DIR', EXIT.USAGE);

  const run = engine.createRun({ arches: opts.arch, renderCache: opts.cache !== false });
  const plans = await plan(run);
  // Written in chunks: a real aggregate's plan JSON may exceed a string's length (json-out.ts).
  if (format === 'json') writeJson(plans.map(toPlanJson), (text) => io.write(text));
  else if (format === 'dot') io.write(plans.map(formatPlanDot).join('\n'));
  else if (format === 'text') io.write(plans.map((p) => formatPlanText(p, { allWarnings: !!opts.warnings }) + buildSourcesText(run, p, plans)).join('\n'));
  else {
    const out = resolve(io.cwd ?? process.cwd(), opts.out!);
    const files = await writePlanScripts(plans, out);
    io.write(`wrote ${files.length} files under ${out}\n`);
    for (const p of plans) {
      if (p.errors.length) io.write(`${p.target.subdir}: ${p.errors.length} plan errors (see rebuild plan)\n`);
    }
  }
  return plans.some((p) => p.errors.length) ? 1 : 0;
}

/**
 * Text of one target's answers of run.hooks.buildFrom (a conversion plugin): the builds made from
 * another target's build, grouped by reason, and those built normally with why. Empty when no plugin taps it.
 */
export function buildSourcesText(run: Run, plan: Plan, plans: readonly Plan[]): string {
  if (!run.hooks.buildFrom.taps.length) return '';
  const made = new Map<string, string[]>();
  const normal: string[] = [];
  plan.graph.forEachNode((id, node) => {
    if (node.status !== 'planned') return;
    const s = run.hooks.buildFrom.call(node, plans);
    if (!s) return;
    if (!s.from) return void normal.push(`  ${id} (${s.reason})`);
    const ids = made.get(s.reason) ?? [];
    made.set(s.reason, [...ids, id]);
  });
  if (!made.size && !normal.length) return '';
  const lines: string[] = [];
  if (made.size) {
    lines.push("made from another target's build (the build's own files are checked again then: one it declines is built):");
    for (const [reason, ids] of [...made].sort()) lines.push(`  ${reason}: ${ids.sort().join(' ')}`);
  }
  if (normal.length) lines.push('built normally:', ...normal.sort());
  return lines.join('\n') + '\n';
}
