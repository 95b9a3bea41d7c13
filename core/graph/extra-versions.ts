// Extra versions: `extraVersions[feedstock] = [{ version, recipe? }]` are older versions built next to
// the main one, each its own node `<feedstock>@<version>`. The recipe dir defaults to
// `<aggregate>/<feedstock>-<version>-feedstock` (the first aggregate holding it). Such dirs are
// dropped from plain discovery so they do not show up a second time as a feedstock of their own.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecipeRef } from '../model/types.ts';
import type { ResolvedConfig } from '../config/resolved.ts';

export type RecipeResolver = (path: string, options: { variantConfigs?: string[]; aggregate?: string }) => Promise<RecipeRef>;

export interface ExtraVersionFailure {
  feedstock: string;
  version: string;
  path: string;
  message: string;
}

export interface ExtraVersionRecipes {
  recipes: RecipeRef[];
  failures: ExtraVersionFailure[];
}

/** The recipe dir of one entry: its `recipe`, else `<aggregate>/<feedstock>-<version>-feedstock`. */
export function extraVersionPath(config: Pick<ResolvedConfig, 'aggregates'>, feedstock: string, entry: { version: string; recipe?: string }): string {
  if (entry.recipe) return entry.recipe;
  const name = `${feedstock}-${entry.version}-feedstock`;
  const found = config.aggregates.map((a) => join(a, name)).find((p) => existsSync(p));
  return found ?? join(config.aggregates[0] ?? '.', name);
}

/** Resolve every extraVersions entry to a RecipeRef (feedstock and extraVersion set); failures are kept, not thrown. */
export async function extraVersionRecipes(
  config: Pick<ResolvedConfig, 'aggregates' | 'extraVersions' | 'variantConfigs' | 'rootDir'>,
  resolveRecipe: RecipeResolver,
): Promise<ExtraVersionRecipes> {
  const recipes: RecipeRef[] = [];
  const failures: ExtraVersionFailure[] = [];
  for (const feedstock of Object.keys(config.extraVersions).sort()) {
    for (const entry of config.extraVersions[feedstock]) {
      const path = resolve(config.rootDir, extraVersionPath(config, feedstock, entry));
      try {
        const ref = await resolveRecipe(path, { variantConfigs: config.variantConfigs, aggregate: config.aggregates[0] });
        recipes.push({ ...ref, feedstock, extraVersion: entry.version });
      } catch (err) {
        failures.push({ feedstock, version: entry.version, path, message: (err as Error)?.message ?? String(err) });
      }
    }
  }
  return { recipes, failures };
}

/** Drop discovered recipes that are extra-version recipes (same recipe dir or its feedstock dir). */
export function withoutExtraVersionDirs(discovered: RecipeRef[], extras: RecipeRef[]): RecipeRef[] {
  // None (most configs): 25,000 paths not resolved for nothing.
  if (!extras.length) return discovered.slice();
  const dirs = new Set(extras.map((r) => resolve(r.dir)));
  return discovered.filter((r) => !dirs.has(resolve(r.dir)));
}
