// The input of `rebuild ready` and `rebuild why`: every target's plan (narrowed by --arch) and the
// recorded state of its nodes from `<workDir>/state.db` (read-only; none yet = nothing built).
import type { Engine } from '../engine/engine.ts';
import { UserError } from '../engine/errors.ts';
import { planRun, type PlanOptions } from '../graph/plan-target.ts';
import type { Plan } from '../graph/plan.ts';
import { StateSchemaError } from '../state/state-db.ts';
import { readTargetStates } from './read-state.ts';
import type { TargetState } from './target-state.ts';

export interface PlansWithState {
  plans: Plan[];
  /** Per `targetKey`. */
  states: Map<string, TargetState>;
}

export async function planWithState(engine: Engine, arches: readonly string[] | undefined, planOptions: PlanOptions = {}): Promise<PlansWithState> {
  const unknown = (arches ?? []).filter((a) => !engine.config.arches.includes(a as never));
  if (unknown.length) throw new UserError(`--arch ${unknown.join(', ')}: not an arch of the config (${engine.config.arches.join(', ')})`, 2);
  const run = engine.createRun({ arches: arches ? [...arches] : undefined });
  const plans = await planRun(run, planOptions);
  try {
    return { plans, states: readTargetStates(engine.config.workDir, plans.map((p) => p.target)) };
  } catch (err) {
    if (err instanceof StateSchemaError) throw new UserError(err.message, 1);
    throw err;
  }
}
