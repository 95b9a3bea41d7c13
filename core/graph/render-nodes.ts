// Rendering recipes into package nodes, a few at a time. A render failure becomes an error node
// naming the file and line; a recipe no renderer claims becomes 'no renderer for <format>'. Nothing
// here stops the other recipes.
import type { PackageNode, RecipeRef, RenderedRecipe, RenderedVariant, Target } from '../model/types.ts';
import type { Run } from '../engine/run.ts';
import { targetKey } from '../model/types.ts';
import { nodePythonDependency } from './python-dependency.ts';
import { expectRenders } from '../recipes/render-pool.ts';
import { withoutJinjaDebug } from '../recipes/render-error.ts';
import { mapLimit } from '../recipes/map-limit.ts';

/** A node from a rendering, with its initial status: planned, or excluded as skipped / no-python. */
export function nodeFromRendered(id: string, rendered: RenderedRecipe, bootstrap = false): PackageNode {
  const variants = rendered.variants.filter((v) => !v.skip);
  const outputs = [...new Set(variants.flatMap((v) => v.outputs.map((o) => o.name)))];
  const { dependency } = nodePythonDependency(variants);
  const node = nodeOf(id, rendered, bootstrap, outputs, dependency, !variants.length);
  node.variants = variants;
  return node;
}

/**
 * The same node from what node-memo.ts kept of the rendering last time (outputs, python dependency,
 * all skipped): its `variants` are read from the rendering when first read (the render cache parses
 * them then), so a node nothing looks into costs no parse.
 */
export function nodeFromSummary(id: string, rendered: RenderedRecipe, summary: { outputs: string[]; pythonDependency: string | null; skipped: boolean; allNoarch: boolean }): PackageNode {
  // An accessor in the literal, not Object.defineProperty: the node keeps V8's fast shape.
  let variants: RenderedVariant[] | undefined;
  const node: PackageNode = {
    id,
    feedstock: rendered.recipe.feedstock,
    target: rendered.target,
    outputs: [...summary.outputs],
    status: 'planned',
    reason: null,
    recipe: rendered.recipe,
    get variants() {
      return (variants ??= rendered.variants.filter((v) => !v.skip));
    },
    set variants(value: RenderedVariant[]) {
      variants = value;
      knownAllNoarch.delete(node);
    },
    bootstrap: false,
    ...(rendered.recipe.extraVersion !== undefined ? { extraVersion: rendered.recipe.extraVersion } : {}),
    pythonDependency: summary.pythonDependency,
    recipeHash: null,
  };
  knownAllNoarch.set(node, summary.allNoarch);
  return initialStatus(node, summary.pythonDependency, summary.skipped);
}

/** allNoarch of the nodes made from a summary, while their variants are the rendering's. */
const knownAllNoarch = new WeakMap<PackageNode, boolean>();

/**
 * Is every python-dependent output of the node `noarch: python` (nodePythonDependency's allNoarch)?
 * Known without reading the variants for a node made from a summary (the select hook's noarch veto
 * asks it of every planned node).
 */
export function nodeAllNoarch(node: PackageNode): boolean {
  return knownAllNoarch.get(node) ?? nodePythonDependency(node.variants).allNoarch;
}

function nodeOf(id: string, rendered: RenderedRecipe, bootstrap: boolean, outputs: string[], dependency: string | null, skipped: boolean): PackageNode {
  const node: PackageNode = {
    id,
    feedstock: rendered.recipe.feedstock,
    target: rendered.target,
    outputs,
    status: 'planned',
    reason: null,
    recipe: rendered.recipe,
    variants: [],
    bootstrap,
    ...(rendered.recipe.extraVersion !== undefined ? { extraVersion: rendered.recipe.extraVersion } : {}),
    pythonDependency: dependency,
    recipeHash: null,
  };
  return initialStatus(node, dependency, skipped);
}

function initialStatus(node: PackageNode, dependency: string | null, skipped: boolean): PackageNode {
  if (skipped) {
    node.status = 'excluded';
    node.reason = `every variant is skipped for ${targetKey(node.target)}`;
    node.exclusion = { status: 'excluded', kind: 'skipped', reason: node.reason };
  } else if (!dependency) {
    node.status = 'excluded';
    node.reason = 'does not depend on python';
    node.exclusion = { status: 'excluded', kind: 'no-python', reason: node.reason };
  }
  return node;
}

/** A node in error (render failure, missing extra-version recipe, ...). */
export function errorNode(id: string, recipe: RecipeRef | null, feedstock: string, target: Target, reason: string, kind = 'render-error'): PackageNode {
  return {
    id,
    feedstock,
    target,
    outputs: [],
    status: 'error',
    reason,
    exclusion: { status: 'error', kind, reason },
    recipe,
    variants: [],
    bootstrap: false,
    ...(recipe?.extraVersion !== undefined ? { extraVersion: recipe.extraVersion } : {}),
    pythonDependency: null,
    recipeHash: null,
  };
}

/** "render error in /agg/x/recipe/meta.yaml:12: message" — the file and line come from the error (or its causes) when known. */
export function renderErrorReason(recipe: RecipeRef, err: unknown): string {
  let file: string | undefined;
  let line: number | undefined;
  let message = err instanceof Error ? err.message : String(err);
  for (let e: any = err, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause, depth++) {
    file ??= typeof e.file === 'string' ? e.file : typeof e.path === 'string' ? e.path : undefined;
    line ??= typeof e.line === 'number' ? e.line : undefined;
    // RecipeRenderError keeps the message without its location prefix in `detail`.
    if (typeof e.detail === 'string') message = e.detail;
    else if (depth > 0 && e instanceof Error) message = e.message;
  }
  const where = `${file ?? recipe.file}${line !== undefined ? `:${line}` : ''}`;
  return `render error in ${where}: ${withoutJinjaDebug(message)}`;
}

/** The node id of a recipe: the feedstock, `feedstock@version` for extra versions, `@bootstrap` for bootstrap builds. */
export function nodeId(recipe: RecipeRef, bootstrap = false): string {
  const base = recipe.extraVersion !== undefined ? `${recipe.feedstock}@${recipe.extraVersion}` : recipe.feedstock;
  return bootstrap ? `${base}@bootstrap` : base;
}

/** A recipe's rendering for a target, or the error node standing for it. */
export type RenderOutcome = { rendered: RenderedRecipe; error?: undefined } | { rendered?: undefined; error: PackageNode };

/** Render one recipe through `run.hooks.render` (never throws for a recipe's own failure). */
export async function renderRecipe(run: Run, recipe: RecipeRef, target: Target, bootstrap = false): Promise<RenderOutcome> {
  const id = nodeId(recipe, bootstrap);
  let rendered: RenderedRecipe | undefined;
  try {
    rendered = await run.hooks.render.promise(recipe, target);
  } catch (err) {
    return { error: errorNode(id, recipe, recipe.feedstock, target, renderErrorReason(recipe, err)) };
  }
  if (!rendered) {
    return { error: errorNode(id, recipe, recipe.feedstock, target, `no renderer for ${recipe.format} (${recipe.file})`, 'no-renderer') };
  }
  // Keep the recipe as asked for (extra version, bootstrap overrides) even if a renderer dropped fields.
  // A rendering that has them all is kept as it is: the render cache's parse their variants when
  // first read, which a copy would do at once.
  if (rendered.recipe === recipe && rendered.target === target && Array.isArray(rendered.warnings)) return { rendered };
  return { rendered: { ...rendered, recipe, target, warnings: rendered.warnings ?? [] } };
}

/** Render many recipes with at most `concurrency` renders in flight; results in input order. */
export async function renderRecipes(run: Run, recipes: RecipeRef[], target: Target, concurrency = 4): Promise<RenderOutcome[]> {
  expectRenders(recipes.length);
  return mapLimit(recipes, concurrency, (recipe) => {
    run.options.signal?.throwIfAborted();
    return renderRecipe(run, recipe, target);
  });
}
