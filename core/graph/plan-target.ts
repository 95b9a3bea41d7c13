// The plan pipeline of one target: discover → render (a few at a time, errors become error nodes)
// → run exports → nodes → output index → edges → `prepareSelect`/`select` vetoes → selection.only
// → `graph` hook → blocked propagation → python chain and bootstrap builds → cycle errors →
// stages and critical path → `planned` hook. `planRun` discovers once and plans every target.
import { targetKey, type PackageNode, type RecipeRef, type RenderWarning, type RenderedRecipe, type Target } from '../model/types.ts';
import { dedupeSharedWarnings } from './warnings.ts';
import type { Run } from '../engine/run.ts';
import { displayPath } from '../config/errors.ts';
import { discoverRecipes, recipeFromPath } from '../recipes/discover.ts';
import { listingCacheFile, loadListings, saveListings } from '../recipes/listing-cache.ts';
import { flushRenderCache, renderCacheDir, takeRenderingKey } from '../recipes/render-cache.ts';
import { applyRunExportsMemo, knownOrderInput, lazyIndex, lazyIndexOf } from '../recipes/run-exports-memo.ts';
import { applyRunExports } from '../recipes/run-exports.ts';
import { readRepodata } from '../conda/repodata-read.ts';
import { createPackageGraph, type PackageGraph } from './package-graph.ts';
import type { Plan, PlanError } from './plan.ts';
import { OutputIndex } from './output-index.ts';
import { EdgeBuilder, graphLookup } from './edges.ts';
import { buildEdgesMemo } from './edges-memo.ts';
import { applyOnly, applyOutputChoice, applySelectHook } from './selection.ts';
import { propagateBlocked } from './blocklist-propagation.ts';
import { unmatchedBlocklist, unmatchedBlocklistMessage, unmatchedBlocklistPointer } from './blocklist-unmatched.ts';
import { applyPythonChain, breakCycles, type BootstrapContext } from './bootstrap.ts';
import { formatCyclePath } from './cycles.ts';
import { buildOrderGraph, planStages } from './stages.ts';
import { criticalPath } from './critical-path.ts';
import { compareIds } from './compare.ts';
import { countStatuses, toPlanNodes } from './plan-nodes.ts';
import { referenceDiff } from './reference-diff.ts';
import { errorNode, nodeFromRendered, nodeId, renderRecipe, renderRecipes } from './render-nodes.ts';
import { NodeMemo } from './node-memo.ts';
import { type ExtraVersionFailure, type RecipeResolver, extraVersionRecipes, withoutExtraVersionDirs } from './extra-versions.ts';

export interface DiscoveredRecipes {
  recipes: RecipeRef[];
  warnings: RenderWarning[];
  /** extraVersions entries whose recipe could not be resolved: error nodes in every target. */
  failures: ExtraVersionFailure[];
}

export interface PlanOptions {
  /** Plan these recipes instead of discovering the aggregates (they still pass through `run.hooks.discover`). */
  recipes?: RecipeRef[];
  /** Already discovered (planRun shares one discovery between targets). */
  discovered?: DiscoveredRecipes;
  /** Per node id, expected build durations: weights of the critical path (default 1 per node). */
  durations?: Record<string, number>;
  /** Renders in flight at once (default 4). */
  renderConcurrency?: number;
  /** Resolves extra-version recipe paths (default: recipeFromPath from core/recipes/discover.ts). */
  resolveRecipe?: RecipeResolver;
}

/** The file of directory listings kept in the work dir, when the run uses its render cache. */
function listingsFile(run: Run): string | null {
  return run.options.renderCache !== false && run.config.workDir ? listingCacheFile(run.config.workDir) : null;
}

/** The render cache dir of the run, when it uses one (built-in renderers, run exports memo). */
function renderCache(run: Run): string | null {
  return run.options.renderCache !== false && run.config.workDir ? renderCacheDir(run.config.workDir) : null;
}

/** Discover the run's recipes (aggregates + extra versions) and pass them through `run.hooks.discover`. */
export async function discover(run: Run, options: PlanOptions = {}): Promise<DiscoveredRecipes> {
  const warnings: RenderWarning[] = [];
  let recipes: RecipeRef[];
  let failures: ExtraVersionFailure[] = [];
  if (options.recipes) {
    recipes = options.recipes;
  } else {
    // Listings kept with the render cache (and bypassed with it): an unchanged directory costs a stat.
    const listings = listingsFile(run);
    if (listings) loadListings(listings);
    const found = await discoverRecipes(run.config.aggregates, { variantConfigs: run.config.variantConfigs });
    if (listings) saveListings(listings);
    for (const w of found.warnings) warnings.push({ feedstock: '', file: w.path, message: w.message });
    const extras = await extraVersionRecipes(run.config, options.resolveRecipe ?? recipeFromPath);
    failures = extras.failures;
    recipes = [...withoutExtraVersionDirs(found.recipes, extras.recipes), ...extras.recipes];
  }
  recipes = await run.hooks.discover.promise(recipes);
  return { recipes, warnings, failures };
}

function problem(node: PackageNode, message: string): RenderWarning {
  return { feedstock: node.feedstock, file: node.recipe?.file ?? '', message };
}

/** Plan one target: every recipe rendered for it, the rebuild set, the graph, its order. */
export async function planTarget(run: Run, target: Target, options: PlanOptions = {}): Promise<Plan> {
  const config = run.config;
  const discovered = options.discovered ?? (await discover(run, options));
  const warnings: RenderWarning[] = [...discovered.warnings];
  const errors: PlanError[] = [];

  // Render; the renderings get their run exports together (a host dependency's exports come from its own recipe).
  const outcomes = await renderRecipes(run, discovered.recipes, target, options.renderConcurrency ?? 4);
  // Per outcome, its rendering's render cache key (null: none, or no rendering): kept by index, not in
  // Maps keyed by the renderings (25,000 of them).
  const rendered: RenderedRecipe[] = [];
  const keys: (string | null)[] = [];
  const keyAt: (string | null)[] = outcomes.map((o) => {
    if (!o.rendered) return null;
    const key = takeRenderingKey(o.rendered) ?? null;
    rendered.push(o.rendered);
    keys.push(key);
    return key;
  });
  // With the render cache, the additions of recipes whose inputs did not change are replayed
  // (run-exports-memo.ts), and so are the edges into their nodes (edges-memo.ts).
  const cacheDir = renderCache(run);
  const replayed = applyRunExportsMemo(cacheDir, rendered, keys);
  const nodeKeys = new Map<string, string>();
  const replayedNodes = new Set<string>();
  outcomes.forEach((o, i) => {
    if (!o.rendered) return;
    const id = nodeId(discovered.recipes[i]);
    if (keyAt[i]) nodeKeys.set(id, keyAt[i]!);
    if (replayed.has(o.rendered)) replayedNodes.add(id);
  });

  const graph: PackageGraph = createPackageGraph();
  const add = (node: PackageNode) => {
    if (!graph.hasNode(node.id)) return void graph.addNode(node.id, node);
    const first = graph.getNodeAttributes(node.id);
    let n = 2;
    while (graph.hasNode(`${node.id}#${n}`)) n++;
    const id = `${node.id}#${n}`;
    const message = `two recipes for ${node.id}: ${first.recipe?.dir ?? '?'} and ${node.recipe?.dir ?? '?'} (rename one feedstock, or declare it in extraVersions)`;
    graph.addNode(id, errorNode(id, node.recipe, node.feedstock, target, message, 'duplicate-feedstock'));
    errors.push({ kind: 'duplicate-feedstock', message, nodes: [node.id, id] });
  };
  // Nodes of unchanged recipes come from what was kept of them (node-memo.ts): their variants are not read.
  const nodeMemo = new NodeMemo(cacheDir, targetKey(target));
  // Per rendering (in `rendered`'s order), its node's outputs: the bootstrap builds' run exports index them.
  const outputNames: string[][] = [];
  const nodes: PackageNode[] = outcomes.map((o, i) => {
    if (o.error) return o.error;
    const node = nodeMemo.node(nodeId(discovered.recipes[i]), o.rendered, keyAt[i], warnings);
    outputNames.push(node.outputs);
    return node;
  });
  for (const f of discovered.failures) {
    const id = `${f.feedstock}@${f.version}`;
    const message = `extra version ${f.version} of ${f.feedstock}: no recipe at ${f.path}: ${f.message}`;
    nodes.push(errorNode(id, null, f.feedstock, target, message, 'extra-version'));
    errors.push({ kind: 'extra-version', message, nodes: [id] });
  }
  for (const node of nodes.sort((a, b) => compareIds(a.id, b.id))) add(node);
  for (const u of unmatchedBlocklist(config.blocklist, graph, target)) {
    warnings.push({ feedstock: '', file: config.configFile ? displayPath(config.configFile) : '', message: `${unmatchedBlocklistPointer(u)}: ${unmatchedBlocklistMessage(u, [target.subdir])}` });
  }

  const index = new OutputIndex(
    graph.mapNodes((_, n) => n),
    { target, prefer: config.selection.prefer, versionsOf: (node) => nodeMemo.versions.get(node), warn: (message, id) => warnings.push(id ? problem(graph.getNodeAttributes(id), message) : { feedstock: '', file: '', message }) },
  );
  errors.push(...applyOutputChoice(graph, index, warnings));
  const edges = new EdgeBuilder(graphLookup(graph), index, (node, message) => warnings.push(problem(node, message)));
  buildEdgesMemo(cacheDir, JSON.stringify({ target, prefer: config.selection.prefer }), graph, edges, nodeKeys, replayedNodes, () => warnings.length);

  await run.hooks.prepareSelect.promise(target);
  applySelectHook(graph, run);
  applyOnly(graph, config.selection.only, warnings);
  await run.hooks.graph.promise(graph, target);
  propagateBlocked(graph);

  const ctx: BootstrapContext = {
    graph,
    target,
    config,
    edges,
    index,
    warnings,
    renderBootstrap: async (node, variant) => {
      if (!node.recipe) return { node: errorNode(`${node.id}@bootstrap`, null, node.feedstock, target, `no recipe to render the bootstrap build of ${node.id} from`, 'render-error'), warnings: [] };
      const recipe: RecipeRef = { ...node.recipe!, variantOverrides: { ...node.recipe!.variantOverrides, ...variant } };
      const outcome = await renderRecipe(run, recipe, target, true);
      if (outcome.error) return { node: outcome.error, warnings: [] };
      // The bootstrap build gets the exports of the others (they already have theirs). The outputs
      // by name are found from the nodes' outputs: a recipe is read only for a name its walks look up.
      const all = [...rendered, outcome.rendered];
      // With the run-exports memo, what the order reads of the others is known too (not read again).
      const known = knownOrderInput(all);
      const index = known ? lazyIndexOf(all, () => known) : lazyIndex(all, all.map((r, i) => (outputNames[i] ?? nodeFromRendered('', r).outputs).join('\0')));
      applyRunExports(all, new Set([outcome.rendered]), { additions: () => undefined, walked: () => {}, index, ...(known ? { orderInput: () => known } : {}) });
      return { node: nodeFromRendered(`${node.id}@bootstrap`, outcome.rendered, true), warnings: outcome.rendered.warnings };
    },
  };
  const chain = await applyPythonChain(ctx);
  const cycles = [...chain.cycles, ...(await breakCycles(ctx, chain.bootstrapped ? [chain.bootstrapped] : [], chain.remaining))];
  propagateBlocked(graph);

  for (const c of cycles) {
    if (c.brokenBy === null) errors.push({ kind: 'cycle', message: `dependency cycle ${formatCyclePath(c.path)}: ${c.suggestion}`, nodes: c.path });
  }
  graph.forEachNode((id, n) => {
    const kind = n.exclusion?.kind;
    if (n.status === 'error' && (kind === 'render-error' || kind === 'no-renderer')) errors.push({ kind: 'render-error', message: n.reason ?? 'render error', nodes: [id] });
  });

  const order = buildOrderGraph(graph);
  const stages = planStages(order);
  const planNodes = toPlanNodes(graph);
  const plan: Plan = {
    target,
    graph,
    nodes: planNodes,
    stages,
    criticalPath: criticalPath(order, stages, options.durations),
    cycles,
    // The aggregate's own config warnings once, not once per recipe that stacks it.
    warnings: dedupeSharedWarnings(warnings, discovered.recipes),
    counts: countStatuses(planNodes),
    errors,
  };
  if (config.channels.reference) {
    try {
      plan.reference = referenceDiff(config.channels.reference, config.python.from, await readRepodata(config.channels.reference, target.subdir), graph, index);
    } catch (err) {
      plan.warnings.push({ feedstock: '', file: config.channels.reference, message: `reference channel not read: ${(err as Error).message}` });
    }
  }
  // The render cache listed recipe dirs (and their subdirs) discovery did not: keep those too.
  const listings = listingsFile(run);
  if (listings) saveListings(listings);
  flushRenderCache();
  nodeMemo.save();
  run.hooks.planned.call(plan);
  return plan;
}

/** Plan every target of the run (one discovery, one graph per target: targets never merge). */
export async function planRun(run: Run, options: PlanOptions = {}): Promise<Plan[]> {
  const discovered = options.discovered ?? (await discover(run, options));
  const plans: Plan[] = [];
  for (const target of run.targets) plans.push(await planTarget(run, target, { ...options, discovered }));
  return plans;
}
