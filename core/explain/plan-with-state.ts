// The input of `rebuild ready` and `rebuild why`: every target's plan (narrowed by --arch) and the
// recorded state of its nodes from `<workDir>/state.db` (read-only; none yet = nothing built).
import type { Engine } from '../engine/engine.ts';
import type { PlanOptions } from '../graph/plan-target.ts';
import type { Plan } from '../graph/plan.ts';
import { readTargetStates } from './read-state.ts';
import type { TargetState } from './target-state.ts';

export interface PlansWithState {
  plans: Plan[];
  /** Per `targetKey`. */
  states: Map<string, TargetState>;
}

export async function planWithState(engine: Engine, arches: readonly string[] | undefined, planOptions: PlanOptions = {}): Promise<PlansWithState> {
  // createRun refuses an --arch the config does not have (exit 64).
  const run = engine.createRun({ arches: arches ? [...arches] : undefined });
  const plans = await run.plan(planOptions);
  // A state database that cannot be read throws StateSchemaError / StateCorruptError (exit 65, core/cli/error-exit.ts).
  return { plans, states: readTargetStates(engine.config.workDir, plans.map((p) => p.target), { testsBlockDependents: !!engine.config.tests?.blocksDependents }) };
}
