// Find recipes in aggregates. One readdir per directory looked at (with file types, so no stat per
// entry), or only a stat when the directory did not change since it was last listed (listing-cache.ts,
// which may have taken that stat ahead on another thread). Synchronous underneath: a small directory
// lists faster here than through the thread pool's round trip, and 25,000 feedstocks pay no promise
// per directory.
import { type Stats, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { RecipeFormat, RecipeRef } from '../model/types.ts';
import { listDir } from './listing-cache.ts';

export interface DiscoverOptions {
  /** Extra conda_build_config.yaml files stacked after the aggregate root's. */
  variantConfigs?: string[];
  /**
   * The recipe taken when one directory holds both meta.yaml and recipe.yaml (with a warning).
   * Default meta.yaml: a feedstock halfway through a v1 migration still builds with conda-build.
   */
  prefer?: RecipeFormat;
}

export interface DiscoverResult {
  recipes: RecipeRef[];
  warnings: { path: string; message: string }[];
}

/** An aggregate or recipe path that cannot be read or holds no recipe. */
export class RecipeDiscoveryError extends Error {
  override name = 'RecipeDiscoveryError';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

const CBC = 'conda_build_config.yaml';
const FORMATS: RecipeFormat[] = ['meta.yaml', 'recipe.yaml'];

/** Entry name → 'file' | 'dir' for one directory; symlinks are followed (one stat each). */
type Listing = Map<string, 'file' | 'dir'>;

/** `dir`'s entry `name` (dir is absolute and normalised; a listed name holds no separator). */
const child = (dir: string, name: string) => (dir.endsWith(sep) ? dir + name : dir + sep + name);

function list(dir: string): Listing {
  // Reused while the directory's stat is the same (listing-cache.ts).
  const out: Listing = new Map();
  for (const [name, kind] of listDir(dir)) {
    if (kind === 'dir' || kind === 'file') out.set(name, kind);
    else if (kind === 'symlink') {
      let s: Stats | undefined;
      try {
        s = statSync(child(dir, name), { throwIfNoEntry: false });
      } catch {
        s = undefined; // a loop, or no permission: as if absent
      }
      if (s?.isDirectory()) out.set(name, 'dir');
      else if (s?.isFile()) out.set(name, 'file');
    }
  }
  return out;
}

function describeError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error).message;
}

const feedstockName = (dirName: string) => dirName.replace(/-feedstock$/, '') || dirName;

interface Found {
  dir: string;
  format: RecipeFormat;
  listing: Listing;
}

/** The recipe file of a directory listing, choosing per `prefer` when both exist. */
function pickFormat(dir: string, listing: Listing, prefer: RecipeFormat, warnings: DiscoverResult['warnings']): RecipeFormat | undefined {
  const meta = listing.get('meta.yaml') === 'file';
  const v1 = listing.get('recipe.yaml') === 'file';
  if (meta && v1) {
    const other = prefer === 'meta.yaml' ? 'recipe.yaml' : 'meta.yaml';
    warnings.push({ path: dir, message: `both meta.yaml and recipe.yaml found; using ${prefer}, ignoring ${other}` });
    return prefer;
  }
  return meta ? 'meta.yaml' : v1 ? 'recipe.yaml' : undefined;
}

/** A recipe in `dir` itself, else in `dir/recipe`. */
function findIn(dir: string, listing: Listing, prefer: RecipeFormat, warnings: DiscoverResult['warnings']): Found | undefined {
  const here = pickFormat(dir, listing, prefer, warnings);
  if (here) return { dir, format: here, listing };
  if (listing.get('recipe') !== 'dir') return undefined;
  const recipeDir = child(dir, 'recipe');
  const inner = list(recipeDir);
  const format = pickFormat(recipeDir, inner, prefer, warnings);
  return format ? { dir: recipeDir, format, listing: inner } : undefined;
}

function toRef(found: Found, feedstock: string, aggregate: string, before: string[]): RecipeRef {
  const own = found.listing.get(CBC) === 'file' ? child(found.dir, CBC) : undefined;
  return {
    feedstock,
    dir: found.dir,
    file: child(found.dir, found.format),
    format: found.format,
    aggregate,
    // `before` holds no file twice (discoverRecipes).
    variantFiles: own === undefined || before.includes(own) ? before.slice() : [...before, own],
  };
}

async function existingFiles(paths: string[], warnings: DiscoverResult['warnings']): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths.map((x) => resolve(x))) {
    const s = await stat(p).catch(() => undefined);
    if (s?.isFile()) out.push(p);
    else warnings.push({ path: p, message: 'variant config not found; skipped' });
  }
  return out;
}

/**
 * Find recipes in each aggregate. Layouts, all accepted in one aggregate:
 * - the aggregate is a recipe dir (holds meta.yaml/recipe.yaml) or a feedstock (a bare `recipe/`);
 *   the feedstock name is the aggregate dir's name minus `-feedstock`; its children are then
 *   not searched when it is a recipe dir itself;
 * - each child dir `<name>-feedstock/` or `<name>/` holding `recipe/{meta.yaml,recipe.yaml}` or the
 *   recipe file directly; the feedstock name is the child's name minus `-feedstock`.
 * Hidden dirs are skipped; a `*-feedstock` dir without a recipe is a warning, other dirs without
 * one are ignored. Variant files: aggregate-root conda_build_config.yaml, then `variantConfigs`
 * (missing ones warn), then the recipe dir's own. Sorted by feedstock name (then dir); the same
 * feedstock name found twice is kept twice, with a warning. An unreadable aggregate throws
 * RecipeDiscoveryError naming it.
 */
export async function discoverRecipes(aggregates: string[], options: DiscoverOptions = {}): Promise<DiscoverResult> {
  const prefer = options.prefer ?? 'meta.yaml';
  const warnings: DiscoverResult['warnings'] = [];
  const extraConfigs = await existingFiles(options.variantConfigs ?? [], warnings);
  const recipes: RecipeRef[] = [];

  for (const aggregateArg of aggregates) {
    const aggregate = resolve(aggregateArg);
    let root: Listing;
    try {
      root = list(aggregate);
    } catch (err) {
      throw new RecipeDiscoveryError(aggregate, `cannot read aggregate: ${describeError(err)}`);
    }
    const before = [...new Set([...(root.get(CBC) === 'file' ? [join(aggregate, CBC)] : []), ...extraConfigs])];
    const rootName = feedstockName(basename(aggregate));

    let atRoot: Found | undefined;
    try {
      atRoot = findIn(aggregate, root, prefer, warnings);
    } catch (err) {
      warnings.push({ path: join(aggregate, 'recipe'), message: `cannot read: ${describeError(err)}` });
    }
    if (atRoot) recipes.push(toRef(atRoot, rootName, aggregate, before));
    if (atRoot?.dir === aggregate) continue;

    for (const [name, kind] of root) {
      if (kind !== 'dir' || name === 'recipe' || name.startsWith('.')) continue;
      const dir = child(aggregate, name);
      try {
        const hit = findIn(dir, list(dir), prefer, warnings);
        if (!hit && name.endsWith('-feedstock')) warnings.push({ path: dir, message: 'no meta.yaml or recipe.yaml in the feedstock or its recipe/ dir' });
        if (hit) recipes.push(toRef(hit, feedstockName(name), aggregate, before));
      } catch (err) {
        warnings.push({ path: dir, message: `cannot read: ${describeError(err)}` });
      }
    }
  }

  recipes.sort((a, b) => (a.feedstock < b.feedstock ? -1 : a.feedstock > b.feedstock ? 1 : a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  for (let i = 1; i < recipes.length; i++) {
    if (recipes[i].feedstock === recipes[i - 1].feedstock) {
      warnings.push({ path: recipes[i].dir, message: `feedstock '${recipes[i].feedstock}' also found at ${recipes[i - 1].dir}` });
    }
  }
  return { recipes, warnings };
}

/**
 * Resolve one recipe path (feedstock dir, recipe dir or recipe file) to a RecipeRef. The aggregate
 * defaults to the feedstock's parent dir; variant files as in discoverRecipes. Throws
 * RecipeDiscoveryError when the path is missing or holds no recipe.
 */
export async function recipeFromPath(
  path: string,
  options: DiscoverOptions & { aggregate?: string; warnings?: DiscoverResult['warnings'] } = {},
): Promise<RecipeRef> {
  const warnings = options.warnings ?? [];
  const abs = resolve(path);
  const s = await stat(abs).catch((err) => {
    throw new RecipeDiscoveryError(abs, `cannot read recipe path: ${describeError(err)}`);
  });
  let found: Found | undefined;
  try {
    if (s.isFile()) {
      const name = basename(abs);
      if (!FORMATS.includes(name as RecipeFormat)) throw new RecipeDiscoveryError(abs, 'a recipe file must be named meta.yaml or recipe.yaml');
      found = { dir: dirname(abs), format: name as RecipeFormat, listing: list(dirname(abs)) };
    } else {
      found = findIn(abs, list(abs), options.prefer ?? 'meta.yaml', warnings);
    }
  } catch (err) {
    if (err instanceof RecipeDiscoveryError) throw err;
    throw new RecipeDiscoveryError(abs, `cannot read recipe path: ${describeError(err)}`);
  }
  if (!found) throw new RecipeDiscoveryError(abs, 'no meta.yaml or recipe.yaml here or in its recipe/ dir');
  const feedstockDir = basename(found.dir) === 'recipe' ? dirname(found.dir) : found.dir;
  const aggregate = options.aggregate ? resolve(options.aggregate) : dirname(feedstockDir);
  const rootCbc = join(aggregate, CBC);
  const hasRootCbc = (await stat(rootCbc).catch(() => undefined))?.isFile() ?? false;
  const before = [...new Set([...(hasRootCbc ? [rootCbc] : []), ...(await existingFiles(options.variantConfigs ?? [], warnings))])];
  return toRef(found, feedstockName(basename(feedstockDir)), aggregate, before);
}
