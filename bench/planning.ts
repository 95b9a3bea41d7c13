// Benchmark 1 — planning at scale: discover + render + graph + plan of generated aggregates of N
// feedstocks (bench/generate-aggregate.ts), each N in its own child process (peak RSS per size).
// Baseline of the ratio: the linear extrapolation of the smallest size (t(N0) × N / N0), so a
// ratio above 1 is super-linear growth.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAggregate, type GeneratedAggregate } from './generate-aggregate.ts';
import { BENCH_DIR, row, runChild, type Benchmark, type Row } from './measure.ts';

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

export const planning: Benchmark = async (ctx) => {
  const sizes = ctx.quick ? [200, 1000] : [1000, 5000, 25000];
  const rows: Row[] = [];
  const work = join(tmpdir(), `rebuild-bench-plan-work-${process.pid}`);
  await mkdir(work, { recursive: true });
  try {
    for (const n of sizes) {
      ctx.log(`planning: generating ${n} feedstocks`);
      const { dir, stats } = await cachedAggregate(n);
      ctx.log(`planning: planning ${n} feedstocks (${stats.metaYaml} meta.yaml, ${stats.recipeYaml} recipe.yaml, ${stats.multiOutput} multi-output)`);
      const shape = join(work, `shape-${n}.json`);
      const r = await runChild<PlanChildResult>('plan-child.ts', [dir, work, shape], { maxOldSpaceMb: 8192 });
      r.shape = JSON.parse(await readFile(shape, 'utf8'));
      planningResults.set(n, r);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const n0 = sizes[0];
  const r0 = planningResults.get(n0)!;
  for (const n of sizes) {
    const r = planningResults.get(n)!;
    const linear = (r0.totalMs * n) / n0;
    const note = `${r.counts.planned} planned, ${r.edges} edges, ${r.stages} stages; discover ${(r.discoverMs / 1000).toFixed(2)} s, render ${(r.renderMs / 1000).toFixed(2)} s, graph+plan ${(r.graphMs / 1000).toFixed(2)} s; CPU ${(r.cpuMs / 1000).toFixed(1)} s`;
    rows.push(
      row({
        benchmark: 'planning', figure: `plan ${n.toLocaleString('en-US')} feedstocks: wall`, value: r.totalMs / 1000, unit: 's',
        ...(TARGET_S[n] ? { max: TARGET_S[n] } : {}),
        baseline: n === n0 ? '' : `linear from ${n0.toLocaleString('en-US')}`, baselineValue: n === n0 ? null : linear / 1000, note,
      }),
      row({ benchmark: 'planning', figure: `plan ${n.toLocaleString('en-US')}: per feedstock`, value: r.totalMs / n, unit: 'ms', note: `render ${(r.renderMs / n).toFixed(2)} ms, graph+plan ${(r.graphMs / n).toFixed(2)} ms` }),
      row({ benchmark: 'planning', figure: `plan ${n.toLocaleString('en-US')}: CPU time`, value: r.cpuMs / 1000, unit: 's', baseline: 'wall', baselineValue: r.totalMs / 1000 }),
      row({ benchmark: 'planning', figure: `plan ${n.toLocaleString('en-US')}: peak RSS`, value: r.maxRssMb, unit: 'MB', max: 1536, target: '< 1.5 GB' }),
    );
    if (r.errors) rows.push(row({ benchmark: 'planning', figure: `plan ${n.toLocaleString('en-US')}: plan errors`, value: r.errors, unit: '', max: 0, note: r.firstError ?? '' }));
  }
  const nLast = sizes.at(-1)!;
  const rLast = planningResults.get(nLast)!;
  const slope = (a: number, b: number) => Math.log(planningResults.get(b)!.totalMs / planningResults.get(a)!.totalMs) / Math.log(b / a);
  const exponent = slope(n0, nLast);
  rows.push(
    row({
      benchmark: 'planning', figure: `growth exponent ${n0.toLocaleString('en-US')} → ${nLast.toLocaleString('en-US')} (wall)`, value: exponent, unit: '', max: 1.15,
      baseline: 'linear', baselineValue: 1,
      note: sizes.length > 2 ? sizes.slice(1).map((n, i) => `${sizes[i]}→${n}: ${slope(sizes[i], n).toFixed(3)}`).join(', ') : '',
    }),
    row({
      benchmark: 'planning', figure: `growth exponent ${n0.toLocaleString('en-US')} → ${nLast.toLocaleString('en-US')} (CPU)`, value: Math.log(rLast.cpuMs / r0.cpuMs) / Math.log(nLast / n0), unit: '',
      baseline: 'linear', baselineValue: 1,
    }),
  );
  return rows;
};
