// `rebuild ready` for one target: what can be built now, how much waits, and the top blockers.
// The JSON shape (`rebuild ready --json`, one per target) is documented in README.md; fields are
// only ever added.
import type { Target } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import type { TargetState } from './target-state.ts';
import { progressView } from './progress.ts';
import { mostNeeded, type MostNeeded } from './most-needed.ts';
import { lastBlockers, type LastBlocker } from './last-blockers.ts';

export interface ReadySummary {
  target: Target;
  /** Planned, unbuilt, not failed, every planned build-blocking dependency built: most needed first, then by id. */
  ready: string[];
  /** Planned, unbuilt, not failed, not ready, not blocked by a failure. */
  waiting: number;
  /** Planned and built (state: built/tested/published). */
  built: number;
  /** Planned, the state db says failed at its build (sorted). */
  failed: string[];
  /**
   * Built packages by where their later stages stand: 'tested', 'published', 'test failed',
   * 'publish failed', 'test blocked', ... → node ids (sorted). Empty when no stage after the build ran.
   */
  stages: Record<string, string[]>;
  /**
   * Not buildable until something else is fixed: plan status 'blocked' (depends on a blocklisted or
   * broken node) plus planned nodes blocked by a failed dependency — the count `rebuild status` shows.
   */
  blocked: number;
  /** Already in the target channel (plan status 'present'). */
  present: number;
  /** Plan errors (render errors, cycles, ...): nodes with plan status 'error'. */
  error: number;
  mostNeeded: MostNeeded[];
  lastBlockers: LastBlocker[];
}

function laterStages(plan: Plan, state: TargetState): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  plan.graph.forEachNode((id, node) => {
    const s = state.get(id);
    if (node.status !== 'planned' || !s?.stage || s.stage === 'build') return;
    const key = s.status === 'failed' || s.status === 'blocked' ? `${s.stage} ${s.status}` : s.status;
    (out[key] ??= []).push(id);
  });
  for (const list of Object.values(out)) list.sort();
  return out;
}

export function readySummary(plan: Plan, state: TargetState): ReadySummary {
  const view = progressView(plan, state);
  const needed = mostNeeded(view);
  const score = new Map(needed.map((m) => [m.id, m.waiting]));
  const of = (p: string) => [...view.progress].filter(([, v]) => v === p).map(([id]) => id);
  const ready = of('ready').sort((a, b) => (score.get(b) ?? 0) - (score.get(a) ?? 0) || a.localeCompare(b));
  return {
    target: { subdir: plan.target.subdir, python: plan.target.python },
    ready,
    waiting: of('waiting').length,
    built: of('built').length,
    failed: of('failed').sort(),
    blocked: plan.counts.blocked + of('blocked').length,
    present: plan.counts.present,
    error: plan.counts.error,
    mostNeeded: needed,
    lastBlockers: lastBlockers(view),
    stages: laterStages(plan, state),
  };
}
