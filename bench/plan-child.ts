// Child process of the planning benchmark: plan one generated aggregate for linux-64, python
// 3.12 → 3.13, with the real pipeline, and print one JSON line with the phase times and this
// process's peak RSS and CPU time.
//
// Phases: discover (core discovery + run.discover), render (every recipe through run.hooks.render
// with the planner's own renderRecipes, 4 in flight), graph (planTarget: nodes, output index, edges,
// select, bootstrap chain, cycles, stages, critical path — the renderings of the render phase are
// handed back by a first-stage tap, so nothing is rendered twice; bootstrap renders are real).
// Usage: node --import tsx bench/plan-child.ts <aggregate dir> <work dir> [shape.json] [--render-cache] [--plan-sha]
// With shape.json: also writes the build-order graph (planned ids and their build-blocking deps).
// The render cache (core/recipes/render-cache.ts, in the work dir) is off unless --render-cache.
// With --plan-sha: planSha is the sha256 of the plan's `rebuild plan --json` bytes (made after the
// timings), so that a plan through the cache can be compared with one without it.
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import { STAGE } from '../core/engine/stage.ts';
import type { RecipeRef, RenderedRecipe } from '../core/model/types.ts';
import { discover, planTarget } from '../core/graph/plan-target.ts';
import { renderRecipes } from '../core/graph/render-nodes.ts';
import { buildOrderGraph } from '../core/graph/stages.ts';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { toPlanJson } from '../core/graph/plan-json.ts';
import { writeJson } from '../core/cli/json-out.ts';
import { benchPlugins } from './bench-plugins.ts';
import { reportProgress } from './measure.ts';
import { renderCacheStats } from '../core/recipes/render-cache.ts';

const args = process.argv.slice(2);
const renderCache = args.includes('--render-cache');
const [aggregate, workDir, shapeFile] = args.filter((a) => !a.startsWith('--'));
const { plugins, notes } = await benchPlugins();
const config = resolveConfig(
  { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate, workDir, plugins },
  { configFile: null, profile: null, cwd: workDir },
);
const engine = new Engine(config);
const run = engine.createRun({ renderCache });
const target = run.targets[0];

// Progress for the parent's time limit: renders started, every 250.
let renders = 0;
run.hooks.render.tap({ name: 'bench:progress', stage: STAGE.PIN - 1 }, () => {
  if (++renders % 250 === 0) reportProgress(renders, performance.now() - t0);
  return undefined;
});
const c0 = process.cpuUsage();
const t0 = performance.now();
const discovered = await discover(run);
const t1 = performance.now();
const outcomes = await renderRecipes(run, discovered.recipes, target, 4);
const t2 = performance.now();

const rendered = new Map<RecipeRef, RenderedRecipe>();
outcomes.forEach((o, i) => o.rendered && rendered.set(discovered.recipes[i], o.rendered));
// Replays the render phase; error outcomes go to the real renderers again (same error, few of them).
run.hooks.render.tapPromise({ name: 'bench:rendered', stage: STAGE.PIN }, async (recipe) => rendered.get(recipe));
const plan = await planTarget(run, target, { discovered });
const t3 = performance.now();

if (shapeFile) {
  const order = buildOrderGraph(plan.graph);
  writeFileSync(shapeFile, JSON.stringify(order.mapNodes((id) => ({ id, deps: order.inNeighbors(id) }))));
}

const cpu = process.cpuUsage(c0);
let planSha: string | undefined;
if (args.includes('--plan-sha')) {
  const hash = createHash('sha256');
  writeJson([toPlanJson(plan)], (text) => hash.update(text));
  planSha = hash.digest('hex');
}
const byKind: Record<string, number> = {};
for (const n of plan.nodes) if (n.kind) byKind[n.kind] = (byKind[n.kind] ?? 0) + 1;
process.stdout.write(
  JSON.stringify({
    recipes: discovered.recipes.length,
    discoverMs: t1 - t0,
    renderMs: t2 - t1,
    graphMs: t3 - t2,
    totalMs: t3 - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    counts: plan.counts,
    byKind,
    errors: plan.errors.length,
    firstError: plan.errors[0]?.message ?? null,
    stages: plan.stages.length,
    criticalPath: plan.criticalPath.length,
    edges: plan.graph.size,
    notes,
    renderCache: renderCacheStats,
    planSha,
  }) + '\n',
);
