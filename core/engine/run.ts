// Run: one per `rebuild run|plan|ready|why|render` invocation. Declares the run hooks once;
// core code only awaits them. See core/engine/README.md for each hook's contract.
import {
  AsyncParallelHook,
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  HookMap,
  SyncBailHook,
  SyncHook,
} from 'tapable';
import type { Engine } from './engine.ts';
import { guardHooks } from './guard.ts';
import type {
  Artifact,
  BuildResult,
  BuildSource,
  BuildTask,
  ExecRequest,
  ExecutionStart,
  ExecResult,
  Exclusion,
  PackageNode,
  PublishFailure,
  PublishGroup,
  PublishResult,
  RecipeRef,
  RenderedRecipe,
  RunSummary,
  Target,
  TaskContext,
  TaskResult,
  TestReport,
  TestTask,
  TransmuteTask,
} from '../model/types.ts';
import type { PackageGraph } from '../graph/package-graph.ts';
import type { Plan } from '../graph/plan.ts';
import { planRun, type PlanOptions } from '../graph/plan-target.ts';
import { fillRecipeHashes } from '../recipes/recipe-hash.ts';
import { assertConfiguredArches } from '../config/arch-flag.ts';
import { targetPythons } from '../config/pythons.ts';
import type { ExecuteOptions, ExecuteOutcome } from './execute.ts';
import { LOCK_HELD_EXIT_CODE, LockHeldError, acquireLock, type WorkDirLock } from '../state/lock.ts';
import { UserError } from '../model/errors.ts';

export interface RunOptions {
  /** Restrict to these subdirs (CLI --arch). */
  arches?: string[];
  /** Abort signal for cancellation (Ctrl-C). */
  signal?: AbortSignal;
  /** Machine-readable output was asked for (--json): progress plugins in 'auto' mode write NDJSON. */
  json?: boolean;
  /**
   * The built-in renderers keep renderings in `<workDir>/cache/render` (core/recipes/render-cache.ts);
   * false renders everything again and stores nothing (CLI --no-cache). Default true.
   */
  renderCache?: boolean;
}

function createRunHooks() {
  return {
    /** Recipe sources add or remove recipes. */
    discover: new AsyncSeriesWaterfallHook<[RecipeRef[]]>(['recipes']),
    /** The first renderer that knows the recipe's format returns the rendering. */
    render: new AsyncSeriesBailHook<[RecipeRef, Target], RenderedRecipe | undefined>(['recipe', 'target']),
    /** Before `select` for a target: async preparation for the sync vetoes (read the target channel). */
    prepareSelect: new AsyncSeriesHook<[Target]>(['target']),
    /** Veto a node with a structured reason (blocklist, noarch, already present). */
    select: new SyncBailHook<[PackageNode], Exclusion | undefined>(['node']),
    /** Add nodes and edges (bootstrap chain, extra versions) to a target's graph. */
    graph: new AsyncSeriesHook<[PackageGraph, Target]>(['graph', 'target']),
    /** Read-only: a target's plan is ready (stages, critical path, cycles). */
    planned: new SyncHook<[Plan]>(['plan']),
    /**
     * Per planned build task, once per execution (all targets' plans given): build(X@target) is made
     * from X's build on another target (`from`: the task waits for that build and gets its artifacts
     * as `task.source`), or is built normally for the reason given (`from: null`). A conversion
     * plugin's hook (plugins/converter).
     */
    buildFrom: new SyncBailHook<[PackageNode, readonly Plan[]], BuildSource | undefined>(['node', 'plans']),
    /** Adjust a stage task before it runs (channels, output channel for bootstrap builds); `task.stage` says which. */
    prepareTask: new AsyncSeriesWaterfallHook<[TaskContext]>(['task']),
    /** Per subdir: the first builder that returns a result owns the task. */
    build: new HookMap((subdir: string) => new AsyncSeriesBailHook<[BuildTask], BuildResult | undefined>(['task'])),
    /** The first runner that returns executes the command (containers first, the host as fallback). */
    exec: new AsyncSeriesBailHook<[ExecRequest], ExecResult | undefined>(['request']),
    /** test(X@target): testers append checks; a check with ok=false fails the stage, none passes it. */
    test: new AsyncSeriesHook<[TestTask, TestReport]>(['task', 'report']),
    /** transmute(X@target): return the artifacts to publish (e.g. the .tar.bz2 plus its .conda). */
    transmute: new AsyncSeriesWaterfallHook<[Artifact[], TransmuteTask]>(['artifacts', 'task']),
    /** Veto publishing a group (false holds it; it is not attempted). */
    shouldPublish: new SyncBailHook<[PublishGroup], false | undefined>(['group']),
    /** publish(group): the first publisher that returns a result owns the group (every arch of a name-version). */
    publish: new AsyncSeriesBailHook<[PublishGroup], PublishResult | undefined>(['group']),
    /** A publisher could not publish a group: notices (markdown per feedstock, webhooks). */
    publishFailed: new AsyncSeriesHook<[PublishFailure]>(['failure']),
    /** The scheduler starts: every task with its starting status (resumed, waiting, failed, blocked). */
    executionStart: new SyncHook<[ExecutionStart]>(['start']),
    /** A stage task started (`task.stage`: build, test, transmute). */
    taskStart: new SyncHook<[TaskContext]>(['task']),
    /** Every task state change (with its `stage`): progress, reporters. */
    taskEnd: new SyncHook<[TaskResult]>(['result']),
    /** Report writers, in parallel, at the end of a run. */
    report: new AsyncParallelHook<[RunSummary]>(['summary']),
  };
}

export type RunHooks = ReturnType<typeof createRunHooks>;

export class Run {
  readonly hooks: Readonly<RunHooks> = Object.freeze(createRunHooks());
  readonly config;
  /** Targets of this run: arches (config arches, narrowed by --arch) × pythons (`python.to`, one or a list), arch-major. */
  readonly targets: Target[];

  constructor(
    readonly engine: Engine,
    readonly options: RunOptions = {},
  ) {
    this.config = engine.config;
    // Builds and their commands run for up to timeouts.buildSeconds (the executor aborts task.signal
    // then); hookMs would cut every build longer than it, so those two hooks get the build limit,
    // and `test` the test stage's (tests.timeoutSeconds).
    const { build, exec, test, ...others } = this.hooks;
    guardHooks('run', others as any, { timeoutMs: () => this.config.timeouts.hookMs });
    guardHooks('run', { build, exec } as any, {
      timeoutMs: () => Math.max(this.config.timeouts.hookMs, this.config.timeouts.buildSeconds * 1000 + 60_000),
    });
    guardHooks('run', { test } as any, {
      timeoutMs: () => Math.max(this.config.timeouts.hookMs, this.config.tests.timeoutSeconds * 1000 + 60_000),
    });
    // --arch narrows to arches of the config; one outside it is a usage error (exit 64).
    assertConfiguredArches(options.arches, this.config);
    const arches = options.arches?.length ? this.config.arches.filter((a) => options.arches!.includes(a)) : this.config.arches;
    const pythons = targetPythons(this.config.python);
    this.targets = arches.flatMap((subdir) => pythons.map((python) => ({ subdir, python })));
  }

  /** The plans of every target of this run (core/graph/plan-target.ts). */
  plan(options: PlanOptions = {}): Promise<Plan[]> {
    return planRun(this, options);
  }

  /**
   * The work dir's lock for this run, taken now (before a long plan): a second run is refused with
   * exit 75 naming the holder; a stale lock (its pid gone) is taken over, said through `notice`.
   */
  lock(notice: (message: string) => void = () => {}): WorkDirLock {
    try {
      return acquireLock(this.config.workDir, {
        onStale: (s, path) => notice(`taking over stale lock ${path} (pid ${s.pid} is gone, since ${s.started})`),
      });
    } catch (err) {
      if (err instanceof LockHeldError) throw new UserError(err.message, LOCK_HELD_EXIT_CODE);
      throw err;
    }
  }

  /**
   * Execute plans (core/engine/execute.ts): each node's recipe hash is computed first (resume
   * rebuilds a changed recipe with its dependents); the lock is taken unless `options.lock` holds it.
   */
  async execute(plans: readonly Plan[], options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
    fillRecipeHashes(plans.flatMap((p) => p.graph.mapNodes((_, n) => n)));
    // The executor (scheduler, stage runner, state writer) is loaded by the commands that execute only.
    const { executeRun } = await import('./execute.ts');
    return executeRun(this, plans, options);
  }
}
