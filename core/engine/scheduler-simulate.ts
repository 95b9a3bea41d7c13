// Simulated execution of a task graph with virtual time: the same Scheduler the executor uses,
// with every task taking its given duration. Used to compare policies (critical path vs stages)
// without building anything; the benchmark and the scheduler tests rely on it.
import { Scheduler, type SchedTask, type SchedulePolicy } from './scheduler.ts';
import { buildTaskGraph } from './task-graph.ts';
import type { Plan } from '../graph/plan.ts';

/** The scheduler tasks of some plans (keys `<subdir>/py<python>/<id>`, as the executor uses). */
export function schedTasksOf(plans: readonly Plan[]): SchedTask[] {
  return [...buildTaskGraph(plans).values()].map((t) => ({ id: t.key, deps: t.deps, resources: [`arch:${t.target.subdir}`] }));
}

export interface SimulationOptions {
  /** Caps per resource name (see SchedTask.resources). */
  limits?: Record<string, number>;
  /**
   * Durations the scheduler believes (its priorities); defaults to the real `durations`. Pass a
   * different map to simulate wrong estimates (e.g. every task "1" when no history is known).
   */
  estimates?: ReadonlyMap<string, number>;
  defaultEstimate?: number;
}

export interface SimulationResult {
  /** Virtual time when the last task finished. */
  makespan: number;
  /** Start time per task key. */
  starts: Map<string, number>;
  /** Task keys in start order. */
  order: string[];
}

/**
 * Run `tasks` on `workers` slots; each task takes `durations.get(id)` (default 1) time units.
 * Returns the makespan and the start schedule. Deterministic.
 */
export function simulateSchedule(
  tasks: readonly SchedTask[],
  durations: ReadonlyMap<string, number>,
  workers: number,
  policy: SchedulePolicy,
  options: SimulationOptions = {},
): SimulationResult {
  if (!(workers >= 1)) throw new RangeError(`simulateSchedule: workers must be >= 1, got ${workers}`);
  const scheduler = new Scheduler(tasks, {
    policy,
    durations: options.estimates ?? durations,
    defaultDuration: options.defaultEstimate ?? 1,
    limits: options.limits,
  });
  const running: { id: string; end: number }[] = [];
  const starts = new Map<string, number>();
  const order: string[] = [];
  let now = 0;
  while (!scheduler.finished) {
    while (running.length < workers) {
      const id = scheduler.next();
      if (id === null) break;
      starts.set(id, now);
      order.push(id);
      running.push({ id, end: now + (durations.get(id) ?? 1) });
    }
    if (!running.length) throw new Error('simulateSchedule: nothing can run (a resource limit of 0?)');
    now = Math.min(...running.map((r) => r.end));
    // Finish everything ending now, in id order so ties are deterministic.
    const done = running.filter((r) => r.end === now).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const r of done) {
      running.splice(running.indexOf(r), 1);
      scheduler.succeed(r.id);
    }
  }
  return { makespan: now, starts, order };
}
