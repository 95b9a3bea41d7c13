// Benchmark 1 — planning at scale: discover + render + graph + plan of generated aggregates of N
// feedstocks (bench/generate-aggregate.ts), each N in its own child process (peak RSS per size),
// REPEATS times per N: the median run is the figure.
// Baseline of the ratio: the linear extrapolation of the smallest size (t(N0) × N / N0), so a
// ratio above 1 is super-linear growth.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAggregate, type GeneratedAggregate } from './generate-aggregate.ts';
import { BENCH_DIR, ChildTimeoutError, medianRun, row, runChild, type Benchmark, type Row } from './measure.ts';

export interface PlanChildResult {
  recipes: number;
  discoverMs: number;
  renderMs: number;
  graphMs: number;
  totalMs: number;
  cpuMs: number;
  maxRssMb: number;
  counts: Record<string, number>;
  byKind: Record<string, number>;
  errors: number;
  firstError: string | null;
  stages: number;
  criticalPath: number;
  edges: number;
  notes: string[];
  /** sha256 of the plan's `rebuild plan --json` bytes. */
  planSha?: string;
  /** The build-order graph of the plan (planned ids, build-blocking deps). */
  shape?: { id: string; deps: string[] }[];
}

const SEED = 2018;

/** A generated aggregate of n feedstocks, cached in the temp dir per generator version (generation is not measured). */
export async function cachedAggregate(n: number): Promise<{ dir: string; stats: GeneratedAggregate }> {
  const version = createHash('sha256').update(readFileSync(join(BENCH_DIR, 'generate-aggregate.ts'))).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `rebuild-bench-aggregate-${version}-${SEED}-${n}`);
  const marker = join(dir, '.complete.json');
  if (existsSync(marker)) return { dir, stats: JSON.parse(readFileSync(marker, 'utf8')) };
  await rm(dir, { recursive: true, force: true });
  const stats = await generateAggregate({ n, dir, seed: SEED });
  await writeFile(marker, JSON.stringify(stats));
  return { dir, stats };
}

/** Per size, the child's result (the scheduling benchmark reuses the plans' shapes). */
export const planningResults = new Map<number, PlanChildResult>();

const TARGET_S: Record<number, number> = { 1000: 3, 25000: 20 };
/** Time limits per size, so the whole bench stays under 10 minutes; a stopped size is a lower bound. */
const LIMIT_S: Record<number, number> = { 200: 30, 1000: 60, 5000: 150, 25000: 180 };

/** Runs per size (the median run is reported): one run varies ±15% on a shared machine. */
const REPEATS = 3;

type Outcome = { n: number; result: PlanChildResult; runs: number[] } | { n: number; stopped: ChildTimeoutError };

export const planning: Benchmark = async (ctx) => {
  const sizes = ctx.quick ? [200, 1000] : [1000, 5000, 25000];
  const rows: Row[] = [];
  const work = join(tmpdir(), `rebuild-bench-plan-work-${process.pid}`);
  await mkdir(work, { recursive: true });
  const outcomes: Outcome[] = [];
  try {
    for (const n of sizes) {
      ctx.log(`planning: generating ${n} feedstocks`);
      const { dir, stats } = await cachedAggregate(n);
      ctx.log(`planning: planning ${n} feedstocks (${stats.metaYaml} meta.yaml, ${stats.recipeYaml} recipe.yaml, ${stats.multiOutput} multi-output), limit ${LIMIT_S[n]} s`);
      const shape = join(work, `shape-${n}.json`);
      const repeats = ctx.quick ? 1 : REPEATS;
      try {
        const runs: PlanChildResult[] = [];
        for (let rep = 0; rep < repeats; rep++) {
          if (repeats > 1) ctx.log(`planning: ${n} feedstocks, run ${rep + 1} of ${repeats}`);
          runs.push(await runChild<PlanChildResult>('plan-child.ts', [dir, work, shape], { maxOldSpaceMb: 8192, timeoutMs: LIMIT_S[n] * 1000 }));
        }
        const r = medianRun(runs, (x) => x.totalMs);
        r.shape = JSON.parse(await readFile(shape, 'utf8'));
        planningResults.set(n, r);
        outcomes.push({ n, result: r, runs: runs.map((x) => x.totalMs / 1000) });
      } catch (err) {
        if (!(err instanceof ChildTimeoutError)) throw err;
        ctx.log(`planning: ${err.message}`);
        outcomes.push({ n, stopped: err });
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const done = outcomes.filter((o): o is Extract<Outcome, { result: PlanChildResult }> => 'result' in o);
  const first = done[0];
  for (const o of outcomes) {
    const n = o.n;
    const label = n.toLocaleString('en-US');
    const linear = first && first.n !== n ? { baseline: `linear from ${first.n.toLocaleString('en-US')}`, baselineValue: (first.result.totalMs * n) / first.n / 1000 } : {};
    if ('stopped' in o) {
      const p = o.stopped.progress;
      rows.push(
        row({
          benchmark: 'planning', figure: `plan ${label} feedstocks: wall`, value: LIMIT_S[n], unit: 's', atLeast: true,
          ...(TARGET_S[n] ? { max: TARGET_S[n] } : {}), ...linear,
          note: `stopped at the ${LIMIT_S[n]} s limit${p ? `: ${p.done} of ${n} recipes rendered after ${(p.ms / 1000).toFixed(1)} s (${(p.ms / p.done).toFixed(1)} ms each so far)` : ''}`,
        }),
      );
      if (TARGET_S[n]) rows[rows.length - 1].ok = false;
      continue;
    }
    const r = o.result;
    const runs = o.runs.length > 1 ? `median of ${o.runs.length} runs (${o.runs.map((v) => v.toFixed(2)).join(', ')} s); ` : '';
    const note = `${runs}${r.counts.planned} planned, ${r.edges} edges, ${r.stages} stages; discover ${(r.discoverMs / 1000).toFixed(2)} s, render ${(r.renderMs / 1000).toFixed(2)} s, graph+plan ${(r.graphMs / 1000).toFixed(2)} s; CPU ${(r.cpuMs / 1000).toFixed(1)} s`;
    rows.push(
      row({ benchmark: 'planning', figure: `plan ${label} feedstocks: wall`, value: r.totalMs / 1000, unit: 's', ...(TARGET_S[n] ? { max: TARGET_S[n] } : {}), ...linear, note }),
      row({ benchmark: 'planning', figure: `plan ${label}: per feedstock`, value: r.totalMs / n, unit: 'ms', note: `render ${(r.renderMs / n).toFixed(2)} ms, graph+plan ${(r.graphMs / n).toFixed(2)} ms` }),
      row({ benchmark: 'planning', figure: `plan ${label}: CPU time`, value: r.cpuMs / 1000, unit: 's', baseline: 'wall', baselineValue: r.totalMs / 1000 }),
      row({ benchmark: 'planning', figure: `plan ${label}: peak RSS`, value: r.maxRssMb, unit: 'MB', max: 1536, target: '< 1.5 GB' }),
    );
    if (r.errors) rows.push(row({ benchmark: 'planning', figure: `plan ${label}: plan errors`, value: r.errors, unit: '', max: 0, note: r.firstError ?? '' }));
  }
  // Growth: log-log slope of wall time from the smallest size; a stopped size gives a lower bound.
  const last = outcomes.at(-1)!;
  if (first && last.n !== first.n) {
    const lastMs = 'result' in last ? last.result.totalMs : LIMIT_S[last.n] * 1000;
    const exponent = Math.log(lastMs / first.result.totalMs) / Math.log(last.n / first.n);
    const pairs = done.slice(1).map((o, i) => `${done[i].n}→${o.n}: ${(Math.log(o.result.totalMs / done[i].result.totalMs) / Math.log(o.n / done[i].n)).toFixed(3)}`);
    rows.push(
      row({
        benchmark: 'planning', figure: `growth exponent ${first.n.toLocaleString('en-US')} → ${last.n.toLocaleString('en-US')} (wall)`, value: exponent, unit: '', max: 1.15,
        atLeast: !('result' in last), baseline: 'linear', baselineValue: 1, note: pairs.join(', '),
      }),
    );
    if (!('result' in last) && exponent <= 1.15) rows[rows.length - 1].ok = null; // a lower bound under the target proves nothing
    const lastDone = done.at(-1)!;
    if (lastDone.n !== first.n) {
      rows.push(
        row({
          benchmark: 'planning', figure: `growth exponent ${first.n.toLocaleString('en-US')} → ${lastDone.n.toLocaleString('en-US')} (CPU)`, unit: '',
          value: Math.log(lastDone.result.cpuMs / first.result.cpuMs) / Math.log(lastDone.n / first.n), baseline: 'linear', baselineValue: 1,
        }),
      );
    }
  }
  return rows;
};
