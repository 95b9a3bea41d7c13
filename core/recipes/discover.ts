// CONTRACT (to be implemented): find recipes in aggregates.
import type { RecipeRef } from '../engine/types.ts';

export interface DiscoverOptions {
  /** Extra conda_build_config.yaml files stacked after the aggregate root's. */
  variantConfigs?: string[];
}

export interface DiscoverResult {
  recipes: RecipeRef[];
  warnings: { path: string; message: string }[];
}

/**
 * Find recipes in each aggregate: `<name>-feedstock/recipe/{meta.yaml,recipe.yaml}`, a bare
 * `recipe/` dir, or a folder of recipe dirs. Variant files: aggregate-root conda_build_config.yaml,
 * then `variantConfigs`, then the recipe dir's own. Sorted by feedstock name.
 */
export function discoverRecipes(aggregates: string[], options?: DiscoverOptions): Promise<DiscoverResult> {
  throw new Error('not implemented yet');
}

/** Resolve one recipe path (feedstock dir, recipe dir or recipe file) to a RecipeRef. */
export function recipeFromPath(path: string, options?: DiscoverOptions & { aggregate?: string }): Promise<RecipeRef> {
  throw new Error('not implemented yet');
}
