// Benchmark 3 — scheduling efficiency: the real Scheduler (core/engine/scheduler.ts) driven in
// virtual time by core/engine/scheduler-simulate.ts, on real plan shapes (a generated aggregate's
// plan and the defaults-2018 channel plan), with seeded log-normal build durations (heavy tail:
// median 5 min, σ = 1.5). Per W workers: makespan ÷ lower bound, where the lower bound is
// max(critical path in time, total work ÷ W), for our policy ('critical-path') and for
// stage-by-stage execution ('stages'), both measured here on the same durations. Median of 5 seeds.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateSchedule } from '../core/engine/scheduler-simulate.ts';
import type { SchedTask } from '../core/engine/scheduler.ts';
import { buildOrderGraph } from '../core/graph/stages.ts';
import { median, normal, row, runChild, seeded, type Benchmark, type Row } from './measure.ts';
import { cachedAggregate, planningResults, type PlanChildResult } from './planning.ts';
import { realChannel, realEngine, realPlan } from './real-metadata.ts';
import { planFromChannel } from '../plugins/source-channel/index.ts';

export type Shape = { id: string; deps: string[] }[];

export const SEEDS = [1, 2, 3, 4, 5];
const WORKERS = [4, 16, 64];

/** Seeded log-normal durations in seconds: median 300 s, σ 1.5 (a few builds take hours). */
export function durations(ids: string[], seed: number): Map<string, number> {
  const rand = seeded(seed);
  return new Map(ids.map((id) => [id, Math.max(10, Math.round(300 * Math.exp(1.5 * normal(rand))))]));
}

/** Longest dependency chain in time (tasks listed in any order; the graph is acyclic). */
export function criticalPathTime(tasks: Shape, d: ReadonlyMap<string, number>): number {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const memo = new Map<string, number>();
  const finish = (id: string): number => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    // Iterative deepening would be safer for very deep graphs; plan depths here are < 100.
    const t = byId.get(id)!;
    const start = t.deps.reduce((m, dep) => (byId.has(dep) ? Math.max(m, finish(dep)) : m), 0);
    const end = start + (d.get(id) ?? 1);
    memo.set(id, end);
    return end;
  };
  return tasks.reduce((m, t) => Math.max(m, finish(t.id)), 0);
}

export async function generatedShape(quick: boolean): Promise<{ name: string; shape: Shape }> {
  // The largest plan of the planning benchmark up to 5,000 (1,000 with --quick), else plan 1,000 here.
  const cap = quick ? 1000 : 5000;
  const have = [...planningResults].filter(([k, r]) => k <= cap && r.shape).sort(([a], [b]) => b - a)[0];
  if (have) return { name: `generated ${have[0].toLocaleString('en-US')}`, shape: have[1].shape! };
  const n = 1000;
  const { dir } = await cachedAggregate(n);
  const work = join(tmpdir(), `rebuild-bench-sched-${process.pid}`);
  await mkdir(work, { recursive: true });
  try {
    await runChild<PlanChildResult>('plan-child.ts', [dir, work, join(work, 'shape.json')], { timeoutMs: 120_000 });
    return { name: `generated ${n.toLocaleString('en-US')}`, shape: JSON.parse(await readFile(join(work, 'shape.json'), 'utf8')) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function realShape(): Promise<{ name: string; shape: Shape }> {
  let plan = realPlan;
  if (!plan) {
    const channel = realChannel();
    try {
      [plan] = await planFromChannel(realEngine(channel.dir), channel.dir);
    } finally {
      channel.dispose();
    }
  }
  const order = buildOrderGraph(plan.graph);
  return { name: 'defaults-2018', shape: order.mapNodes((id) => ({ id, deps: order.inNeighbors(id) })) };
}

export const scheduling: Benchmark = async (ctx) => {
  const rows: Row[] = [];
  for (const { name, shape } of [await realShape(), await generatedShape(ctx.quick)]) {
    const tasks: SchedTask[] = shape.map((t) => ({ id: t.id, deps: t.deps }));
    ctx.log(`scheduling: ${name} (${tasks.length} tasks)`);
    for (const w of WORKERS) {
      const ours: number[] = [];
      const staged: number[] = [];
      const speedups: number[] = [];
      const blind: number[] = [];
      for (const seed of SEEDS) {
        const d = durations(tasks.map((t) => t.id), seed);
        const total = [...d.values()].reduce((a, b) => a + b, 0);
        const bound = Math.max(criticalPathTime(shape, d), total / w);
        const a = simulateSchedule(tasks, d, w, 'critical-path').makespan;
        const b = simulateSchedule(tasks, d, w, 'stages').makespan;
        // No build history yet: the scheduler's estimates are all equal (it still sees the graph).
        const c = simulateSchedule(tasks, d, w, 'critical-path', { estimates: new Map(), defaultEstimate: 1 }).makespan;
        ours.push(a / bound);
        staged.push(b / bound);
        blind.push(c / bound);
        speedups.push(b / a);
      }
      rows.push(
        row({
          benchmark: 'scheduling', figure: `${name}, W=${w}: makespan ÷ lower bound`, value: median(ours), unit: '', max: 1.05,
          baseline: 'stage-by-stage ÷ LB', baselineValue: median(staged), ratio: median(speedups),
          note: `ratio = stage-by-stage makespan ÷ ours; without build history (equal estimates): ${median(blind).toFixed(3)} × LB`,
        }),
      );
      if (w === 16) {
        rows.push(row({ benchmark: 'scheduling', figure: `${name}, W=16: speed-up over stage-by-stage`, value: median(speedups), unit: '×', min: 1.3, target: '≥ 1.3×' }));
      }
    }
  }
  return rows;
};
