// `rebuild run [--json] [--concurrency N] [--retry-failed] [--retry N...] [--only N...] [--from N]
// [--fail-fast] [--arch A]`: plan every target, then build with the scheduler and the durable state.
// Exit codes: 0 everything in scope is built; 1 something failed or is blocked by a failure;
// 75 another run holds the work dir (EX_TEMPFAIL); 130 interrupted (Ctrl-C / SIGTERM).
import type { GlobalOptions } from '../options.ts';
import { hasSeveralPythons, targetLabel } from '../../model/types.ts';
import type { Engine } from '../../engine/engine.ts';
import { displayPath } from '../../config/errors.ts';
import { ensureProgress, loadEngine } from '../context.ts';
import type { PlanOptions } from '../../graph/plan-target.ts';
import type { Plan } from '../../graph/plan.ts';
import type { ExecuteOptions } from '../../engine/execute.ts';
import { handleInterrupts } from '../../engine/interrupt.ts';
import type { Writable } from 'node:stream';
import { queueSettings } from '../../queue/connection.ts';
import { queueCoordinator, type QueueCoordinator } from '../../queue/coordinator.ts';

export interface RunCommandOptions extends GlobalOptions {
  retryFailed?: boolean;
  retry?: string[];
  only?: string[];
  from?: string;
  failFast?: boolean;
  /** false with --no-cache: no render cache. */
  cache?: boolean;
  /** --queue URL: build on workers (core/queue); beats queue.url. */
  queue?: string;
}

export interface RunIo {
  /** Progress output (default: stdout for --json, stderr otherwise). */
  progress?: Writable;
  notice?: (message: string) => void;
  /** Interrupt signal; default: SIGINT/SIGTERM handlers of this process. */
  signal?: AbortSignal;
  argv?: string[];
}

export async function runCommand(_args: string[], opts: RunCommandOptions): Promise<number> {
  return runRunCommand(await loadEngine(opts), opts);
}

/** The command on an engine already made (tests and embedders). */
export async function runRunCommand(
  engine: Engine,
  opts: RunCommandOptions,
  io: RunIo = {},
  hooks: { plan?: (run: ReturnType<Engine['createRun']>) => Promise<Plan[]>; planOptions?: PlanOptions; execute?: Partial<ExecuteOptions> } = {},
): Promise<number> {
  const notice = io.notice ?? ((m: string) => void process.stderr.write(`rebuild: ${m}\n`));
  const interrupts = io.signal ? null : handleInterrupts({ notice });
  const signal = io.signal ?? interrupts!.signal;
  let lock: ReturnType<ReturnType<Engine['createRun']>['lock']> | undefined;
  let coordinator: QueueCoordinator | undefined;
  try {
    // The progress reporter, unless the config brings its own (it follows --json through run.options.json).
    ensureProgress(engine, io.progress);
    // --queue / queue.url: builds go to workers (core/queue); everything else stays here.
    const queue = queueSettings(engine.config, opts.queue);
    if (queue) {
      (coordinator = queueCoordinator(queue, { notice })).apply(engine);
      await coordinator.start();
    }
    const run = engine.createRun({ arches: opts.arch, signal, json: !!opts.json, renderCache: opts.cache !== false });
    // Refuse a second run before planning (which can take a while), not after.
    lock = run.lock(notice);
    const plans = hooks.plan ? await hooks.plan(run) : await run.plan(hooks.planOptions);
    // What the config sets that does nothing (a blocklist entry matching no package: the package is
    // built) is said here too, not only by `plan`; other plan warnings are counted.
    const config = new Set<string>();
    let others = 0;
    for (const w of plans.flatMap((p) => p.warnings ?? [])) {
      if (!w.feedstock && w.file && engine.config.configFile && w.file === displayPath(engine.config.configFile)) config.add(`${w.file}: ${w.message}`);
      else others++;
    }
    for (const m of config) notice(`warning: ${m}`);
    if (others) notice(`${others} plan warning(s) (rebuild plan --warnings lists them)`);
    const severalPythons = hasSeveralPythons(run.targets);
    for (const p of plans) {
      if (p.errors.length) notice(`${targetLabel(p.target, severalPythons)}: ${p.errors.length} plan error(s); their packages and dependents are not built (see rebuild plan)`);
    }
    const outcome = await run.execute(plans, {
      argv: io.argv ?? process.argv.slice(2),
      failFast: opts.failFast,
      retryFailed: opts.retryFailed,
      retry: opts.retry,
      only: opts.only,
      from: opts.from,
      signal,
      lock,
      notice,
      ...hooks.execute,
    });
    return outcome.exitCode;
  } finally {
    interrupts?.dispose();
    lock?.release();
    await coordinator?.close();
  }
}
