// Benchmark 6 — rendering real-size recipes, and planning again through the render cache.
//   1. Real-size render: every recipe of a real-size aggregate (generate-real-size.ts: a ~1,000-line,
//      ~460-key root variant config, recipes of 70–400 lines) rendered one after the other on one
//      thread (render-child.ts), in a fresh process: ms per recipe (target ≤ 1 ms). Baseline, in
//      the same run and the same way: the small generated recipes of the planning benchmark.
//   2. Cached re-plan: plan a generated aggregate (plan-child.ts --render-cache) with an empty
//      render cache, change one recipe (a comment), plan again: the second plan's wall time (target
//      < 2 s for 25,000 feedstocks); baseline the cold plan of the same run. Then a semantic edit:
//      a mid-graph recipe's version bumped (x.y -> x.(y+1): its pin_subpackage run_exports move its
//      python dependents' pins), planned again
//      through the cache (same target); baseline a plan without the cache. Each cached plan's
//      `plan --json` sha256 is compared with a plan of the same recipes without the cache. One
//      run each; a child stopped at its time limit gives a row saying so.
//   4. (below 3 in the code) `rebuild plan`, the real CLI with a config, on the same aggregate after one
//      recipe changed: wall and CPU from spawn to exit. Baseline: its cold plan (empty work dir).
//   3. `rebuild render --all` on 1,300 real-size recipes (the real CLI in a fresh process, with the
//      render pool as it decides, on this machine's cores): wall time from spawn to exit (target
//      < 0.75 s on 2 cores) and time to first result (first byte of output). Baseline, in the same
//      run: the same command with REBUILD_RENDER_THREADS=0 (one thread, no pool). Same output bytes.
// Runs are interleaved and medians are reported: on a shared machine single runs vary a lot.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { generateRealSizeAggregate, type RealSizeStats } from './generate-real-size.ts';
import { cachedAggregate, type PlanChildResult } from './planning.ts';
import { BENCH_DIR, ChildTimeoutError, REPO_DIR, freshBundles, median, row, runChild, type Benchmark, type Row } from './measure.ts';

interface RenderChildResult {
  recipes: number;
  renderMs: number;
  cpuMs: number;
  /** The main thread's CPU and the other threads' (Linux; null elsewhere). */
  mainThreadMs: number | null;
  otherThreadsMs: number | null;
  errors: number;
  warnings: number;
}

const SEED = 2018;

/** A real-size aggregate of n feedstocks, cached in the temp dir per generator version. */
async function cachedRealSize(n: number): Promise<{ dir: string; stats: RealSizeStats }> {
  const version = createHash('sha256')
    .update(readFileSync(join(BENCH_DIR, 'generate-real-size.ts')))
    .update(readFileSync(join(BENCH_DIR, 'generate-aggregate.ts')))
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `rebuild-bench-real-size-${version}-${SEED}-${n}`);
  const marker = join(dir, '.complete.json');
  if (existsSync(marker)) return { dir, stats: JSON.parse(readFileSync(marker, 'utf8')) };
  await rm(dir, { recursive: true, force: true });
  const stats = await generateRealSizeAggregate({ n, dir, seed: SEED });
  await writeFile(marker, JSON.stringify(stats));
  return { dir, stats };
}

interface CliRun {
  wallMs: number;
  /** From spawn to the first byte on stdout. */
  firstMs: number;
  /** User + system CPU of the process (all its threads), when /usr/bin/time is there. */
  cpuMs: number | null;
  digest: string;
}

/**
 * Run `rebuild <args>` (bin/rebuild.js) in a fresh process and time it from spawn to exit. `cwd` is
 * an empty folder with no config above it: run from the repo, render would load the repo's
 * rebuild.config.ts and answer from its render cache (.rebuild/cache) without rendering.
 */
function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'cpu-seconds %U %S'] : [];
  const argv = [...time, process.execPath, join(REPO_DIR, 'bin', 'rebuild.js'), ...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstMs = -1;
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const digest = createHash('sha256');
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (firstMs < 0) firstMs = performance.now() - t0;
      digest.update(d);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`rebuild ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
      const m = err.match(/cpu-seconds ([\d.]+) ([\d.]+)/);
      resolve({ wallMs, firstMs, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : null, digest: digest.digest('hex').slice(0, 16) });
    });
  });
}

// CPU time, not wall: on a machine shared with other work, wall time measures the neighbours (the
// figure is per core; the note gives the wall times).
const perRecipe = (r: RenderChildResult) => r.cpuMs / r.recipes;
const wallPerRecipe = (r: RenderChildResult) => r.renderMs / r.recipes;
/** Per recipe, the main thread's CPU and the other threads' (JIT compilers, GC), when known. */
const threadSplit = (runs: RenderChildResult[]) =>
  runs.every((r) => r.mainThreadMs !== null && r.otherThreadsMs !== null)
    ? `main thread ${runs.map((r) => (r.mainThreadMs! / r.recipes).toFixed(2)).join(', ')} ms + other threads ${runs.map((r) => (r.otherThreadsMs! / r.recipes).toFixed(2)).join(', ')} ms, `
    : '';

export const render: Benchmark = async (ctx) => {
  const rows: Row[] = [];
  const reps = ctx.quick ? 1 : 3;

  // 1. Real-size recipes against the small generated ones, interleaved.
  const real = await cachedRealSize(ctx.quick ? 100 : 400);
  const small = await cachedAggregate(ctx.quick ? 200 : 1000);
  const realRuns: RenderChildResult[] = [];
  const smallRuns: RenderChildResult[] = [];
  for (let i = 0; i < reps; i++) {
    ctx.log(`render: real-size recipes, run ${i + 1} of ${reps}`);
    realRuns.push(await runChild<RenderChildResult>('render-child.ts', [real.dir, '3.13'], { timeoutMs: 300_000 }));
    smallRuns.push(await runChild<RenderChildResult>('render-child.ts', [small.dir, '3.13'], { timeoutMs: 300_000 }));
  }
  const realMs = median(realRuns.map(perRecipe));
  const smallMs = median(smallRuns.map(perRecipe));
  const s = real.stats;
  rows.push(
    row({
      benchmark: 'render', figure: 'render a real-size recipe (one core, CPU)', value: realMs, unit: 'ms', max: 1,
      baseline: 'small generated recipe', baselineValue: smallMs,
      note:
        `${s.feedstocks} recipes (${s.lines.min}–${s.lines.max} lines, median ${s.lines.median}; ${s.selectors.median} selectors median; ${s.multiOutput} multi-output; ` +
        `${s.localConfigs} recipe-dir configs), root config ${s.configLines} lines, ${s.configKeys} keys; CPU per recipe, median of ${reps} (${realRuns.map((r) => perRecipe(r).toFixed(2)).join(', ')} ms), ` +
        `wall ${realRuns.map((r) => wallPerRecipe(r).toFixed(2)).join(', ')} ms, ${threadSplit(realRuns)}${realRuns[0].errors} errors; baseline ${smallRuns[0].recipes} small meta.yaml recipes (CPU ${smallRuns.map((r) => perRecipe(r).toFixed(2)).join(', ')} ms, wall ${smallRuns.map((r) => wallPerRecipe(r).toFixed(2)).join(', ')} ms)`,
    }),
  );

  // 3. `rebuild render --all` on 1,300 real-size recipes, with the pool and on one thread, interleaved.
  {
    const all = await cachedRealSize(ctx.quick ? 100 : 1300);
    const args = ['render', '--all', '--aggregate', all.dir, '--arch', 'linux-64', '--python', '3.11', '--json'];
    const pooled: CliRun[] = [];
    const single: CliRun[] = [];
    // The CLI and the render worker run from their plain-JS bundles once built.
    await freshBundles('core/cli/main.ts', 'core/recipes/render-worker.ts');
    // No config (none in it or above it: /tmp and / hold none), so every recipe is rendered.
    const cwd = mkdtempSync(join(tmpdir(), 'rebuild-bench-render-all-'));
    try {
      for (let i = 0; i < reps; i++) {
        ctx.log(`render: rebuild render --all (${all.stats.feedstocks} real-size recipes), run ${i + 1} of ${reps}`);
        pooled.push(await runCli(args, {}, cwd));
        single.push(await runCli(args, { REBUILD_RENDER_THREADS: '0' }, cwd));
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    const s1 = (ms: number) => (ms / 1000).toFixed(2);
    const cpu = (r: CliRun) => (r.cpuMs === null ? '?' : s1(r.cpuMs));
    const same = new Set([...pooled, ...single].map((r) => r.digest)).size === 1;
    rows.push(
      row({
        benchmark: 'render', figure: `rebuild render --all, ${all.stats.feedstocks.toLocaleString('en-US')} real-size recipes (wall)`, value: median(pooled.map((r) => r.wallMs)) / 1000, unit: 's',
        ...(ctx.quick ? {} : { max: 0.75, target: '< 0.75 s' }), baseline: 'one thread, no render pool', baselineValue: median(single.map((r) => r.wallMs)) / 1000,
        note:
          `linux-64, python 3.11, --aggregate (run_exports applied), --json, no config (no render cache); ${reps} runs each, interleaved: wall ${pooled.map((r) => s1(r.wallMs)).join(', ')} s ` +
          `(first result ${pooled.map((r) => s1(r.firstMs)).join(', ')} s; CPU ${pooled.map(cpu).join(', ')} s), one thread ${single.map((r) => s1(r.wallMs)).join(', ')} s ` +
          `(CPU ${single.map(cpu).join(', ')} s); same output: ${same ? 'yes' : 'NO'}`,
      }),
    );
  }

  // 2. Plan, change one recipe, plan again through the render cache; then bump a mid-graph recipe's version.
  const n = ctx.quick ? 1000 : 25000;
  const { dir } = await cachedAggregate(n);
  const work = join(tmpdir(), `rebuild-bench-render-cache-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const feedstock = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'recipe', 'meta.yaml'))).sort()[0];
  const changed = join(dir, feedstock, 'recipe', 'meta.yaml');
  const original = readFileSync(changed);
  const bump = midGraphRecipe(dir);
  const figures = [
    `re-plan ${n.toLocaleString('en-US')} feedstocks, one recipe changed (render cache)`,
    `re-plan ${n.toLocaleString('en-US')} feedstocks, a mid-graph recipe's version bumped (render cache)`,
  ];
  const limitMs = 600_000;
  const plan = (dirs: string[], flags: string[]) => runChild<PlanChildResult>('plan-child.ts', [...dirs, ...flags, '--plan-sha'], { maxOldSpaceMb: 8192, timeoutMs: limitMs });
  const s2 = (ms: number) => (ms / 1000).toFixed(2);
  const phases = (r: PlanChildResult) => {
    const c = (r as PlanChildResult & { renderCache?: { hits: number; misses: number } }).renderCache;
    return `discover ${s2(r.discoverMs)} s, render ${s2(r.renderMs)} s, graph+plan ${s2(r.graphMs)} s` + (c ? `; cache ${c.hits} hits, ${c.misses} misses` : '');
  };
  try {
    ctx.log(`render: plan ${n.toLocaleString('en-US')} feedstocks with an empty render cache`);
    const cold = await plan([dir, work], ['--render-cache']);
    writeFileSync(changed, Buffer.concat([original, Buffer.from('# changed by the render-cache benchmark\n')]));
    ctx.log(`render: plan again after ${feedstock}'s recipe changed (a comment), then without the cache`);
    const warm = await plan([dir, work], ['--render-cache']);
    const uncached = await plan([dir, join(work, 'no-cache')], []);
    rows.push(
      row({
        benchmark: 'render', figure: figures[0], value: warm.totalMs / 1000, unit: 's',
        ...(ctx.quick ? {} : { max: 2, target: '< 2 s' }), baseline: 'cold plan', baselineValue: cold.totalMs / 1000,
        note: `${phases(warm)}; cold: render ${s2(cold.renderMs)} s, graph+plan ${s2(cold.graphMs)} s; same plan (plan --json sha256) as without the cache: ${warm.planSha === uncached.planSha ? 'yes' : 'NO'}`,
      }),
    );
    if (bump) {
      writeFileSync(bump.file, bump.edited);
      ctx.log(`render: plan again after ${bump.feedstock}'s version was bumped (${bump.dependents} recipes with python host it unpinned), then without the cache`);
      const bumped = await plan([dir, work], ['--render-cache']);
      const bumpedUncached = await plan([dir, join(work, 'no-cache')], []);
      rows.push(
        row({
          benchmark: 'render', figure: figures[1], value: bumped.totalMs / 1000, unit: 's',
          ...(ctx.quick ? {} : { max: 2, target: '< 2 s' }), baseline: 'plan without the cache', baselineValue: bumpedUncached.totalMs / 1000,
          note: `${bump.feedstock} ${bump.from} -> ${bump.to} (${bump.dependents} recipes with python host it unpinned), after the comment above; ${phases(bumped)}; same plan (plan --json sha256) as without the cache: ${bumped.planSha === bumpedUncached.planSha ? 'yes' : 'NO'}; the bump changes the plan: ${bumped.planSha !== warm.planSha ? 'yes' : 'NO'}`,
        }),
      );
    }
  } catch (err) {
    if (!(err instanceof ChildTimeoutError)) throw err;
    ctx.log(`render: ${err.message}`);
    for (const figure of figures.slice(rows.filter((r) => figures.includes(r.figure)).length))
      rows.push(row({ benchmark: 'render', figure, value: limitMs / 1000, unit: 's', atLeast: true, note: `stopped at the ${limitMs / 1000} s limit (${err.message})` }));
  } finally {
    writeFileSync(changed, original);
    if (bump) writeFileSync(bump.file, bump.original);
    await rm(work, { recursive: true, force: true });
  }
  rows.push(await cliReplan(ctx, n, dir, changed, original));
  return rows;
};

/**
 * A mid-graph recipe of a generated aggregate and its recipe with the version bumped so that its
 * dependents' run_exports pins move: among the meta.yaml recipes whose run_exports pin their own
 * package (`pin_subpackage`), that name another recipe's package, and whose package at least two
 * recipes with a python host dependency name in their host requirements without a version (the
 * spec still resolves to the bumped output, so its new pin is what they get), the one with the
 * median number of such dependents (ties by feedstock). The bump moves the second version
 * component (x.y[.z] -> x.(y+1)[.0]): a `max_pin='x.x'` pin moves with it, a patch bump would not.
 * Undefined when none (the bench's row then says the bump changes nothing).
 */
function midGraphRecipe(dir: string): { feedstock: string; file: string; original: Buffer; edited: Buffer; from: string; to: string; dependents: number } | undefined {
  const recipes = readdirSync(dir)
    .sort()
    .flatMap((feedstock) => {
      const file = join(dir, feedstock, 'recipe', 'meta.yaml');
      if (!existsSync(file)) return [];
      const text = readFileSync(file, 'utf8');
      const name = /{% set name = "([^"]+)" %}/.exec(text)?.[1]?.toLowerCase();
      const version = /{% set version = "(\d+\.\d+(?:\.\d+)?)" %}/.exec(text)?.[1];
      const requirements = text.split(/^requirements:$/m)[1]?.split(/^\S/m)[0] ?? '';
      const names = [...requirements.matchAll(/^ {4}- ([A-Za-z0-9_.-]+)/gm)].map((m) => m[1].toLowerCase());
      const host = requirements.split(/^  host:$/m)[1]?.split(/^ {0,2}\S/m)[0] ?? '';
      const unpinnedHost = [...host.matchAll(/^ {4}- ([A-Za-z0-9_.-]+)\s*(?:#.*)?$/gm)].map((m) => m[1].toLowerCase());
      const exports = /run_exports:\n(?: {4}- .*\n)*? {4}- {{ pin_subpackage\(/.test(text);
      return name && version ? [{ feedstock, file, text, name, version, names, unpinnedHost, pythonHost: unpinnedHost.includes('python'), exports }] : [];
    });
  const dependents = new Map<string, number>();
  for (const r of recipes) if (r.pythonHost) for (const name of new Set(r.unpinnedHost)) dependents.set(name, (dependents.get(name) ?? 0) + 1);
  const built = new Set(recipes.map((r) => r.name));
  const mid = recipes.filter((r) => r.exports && (dependents.get(r.name) ?? 0) >= 2 && r.names.some((x) => x !== r.name && built.has(x)));
  if (!mid.length) return undefined;
  mid.sort((a, b) => dependents.get(a.name)! - dependents.get(b.name)! || (a.feedstock < b.feedstock ? -1 : 1));
  const r = mid[Math.floor(mid.length / 2)];
  const parts = r.version.split('.').map(Number);
  const to = [parts[0], parts[1] + 1, ...parts.slice(2).map(() => 0)].join('.');
  const edited = r.text.replace(`{% set version = "${r.version}" %}`, `{% set version = "${to}" %}`);
  return { feedstock: r.feedstock, file: r.file, original: Buffer.from(r.text), edited: Buffer.from(edited), from: r.version, to, dependents: dependents.get(r.name)! };
}

/**
 * 4. What a user runs: `rebuild plan` (the CLI from its bundle, a fresh process) on the same generated
 * aggregate with a config (python, arches, aggregate; it imports `rebuild` as a real one does),
 * with an empty work dir (baseline: the cold plan), then again after one recipe changed. Wall time
 * from spawn to exit, and CPU (user + system, all threads). Text output; both runs print the same
 * plan (the change is a comment).
 */
async function cliReplan(ctx: Parameters<Benchmark>[0], n: number, aggregate: string, changed: string, original: Buffer): Promise<Row> {
  const figure = `rebuild plan (CLI) after one recipe changed, ${n.toLocaleString('en-US')} feedstocks`;
  await freshBundles('core/cli/main.ts');
  const project = mkdtempSync(join(tmpdir(), 'rebuild-bench-cli-replan-'));
  try {
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
    await mkdir(join(project, 'node_modules'));
    symlinkSync(REPO_DIR, join(project, 'node_modules', 'rebuild'), 'dir');
    writeFileSync(
      join(project, 'rebuild.config.ts'),
      `import { defineConfig } from 'rebuild';\n\nexport default defineConfig({\n  python: { from: '3.12', to: '3.13' },\n  arches: ['linux-64'],\n  aggregate: ${JSON.stringify(aggregate)},\n});\n`,
    );
    ctx.log(`render: rebuild plan (CLI), ${n.toLocaleString('en-US')} feedstocks, empty work dir`);
    const cold = await runCli(['plan'], {}, project);
    writeFileSync(changed, Buffer.concat([original, Buffer.from('# changed by the render-cache benchmark (CLI)\n')]));
    ctx.log('render: rebuild plan (CLI) again after one recipe changed');
    const warm = await runCli(['plan'], {}, project);
    const s1 = (ms: number | null) => (ms === null ? '?' : (ms / 1000).toFixed(2));
    return row({
      benchmark: 'render', figure, value: warm.wallMs / 1000, unit: 's',
      ...(ctx.quick ? {} : { max: 2, target: '< 2 s' }), baseline: 'cold plan (CLI, empty work dir)', baselineValue: cold.wallMs / 1000,
      note: `bundled CLI, config importing rebuild, text output; CPU ${s1(warm.cpuMs)} s (cold ${s1(cold.cpuMs)} s); same output: ${warm.digest === cold.digest ? 'yes' : 'NO'}`,
    });
  } finally {
    writeFileSync(changed, original);
    rmSync(project, { recursive: true, force: true });
  }
}
