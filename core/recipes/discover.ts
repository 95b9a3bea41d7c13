// Find recipes in aggregates. One readdir per directory looked at (with file types, so no stat per
// entry), or only a stat when the directory did not change since it was last listed (listing-cache.ts);
// directories are read a few dozen at a time, which keeps 25,000 feedstocks cheap.
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RecipeFormat, RecipeRef } from '../model/types.ts';
import { listDir } from './listing-cache.ts';
import { mapLimit } from './map-limit.ts';

export interface DiscoverOptions {
  /** Extra conda_build_config.yaml files stacked after the aggregate root's. */
  variantConfigs?: string[];
  /**
   * The recipe taken when one directory holds both meta.yaml and recipe.yaml (with a warning).
   * Default meta.yaml: a feedstock halfway through a v1 migration still builds with conda-build.
   */
  prefer?: RecipeFormat;
  /** Directories read at the same time (default 32). */
  concurrency?: number;
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

async function list(dir: string): Promise<Listing> {
  // Synchronous: a small directory lists faster here than through the thread pool's round trip.
  // Reused while the directory's stat is the same (listing-cache.ts).
  const out: Listing = new Map();
  for (const [name, kind] of listDir(dir)) {
    if (kind === 'dir' || kind === 'file') out.set(name, kind);
    else if (kind === 'symlink') {
      const s = await stat(join(dir, name)).catch(() => undefined);
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
  const present = FORMATS.filter((f) => listing.get(f) === 'file');
  if (present.length > 1) {
    const other = present.find((f) => f !== prefer);
    warnings.push({ path: dir, message: `both meta.yaml and recipe.yaml found; using ${prefer}, ignoring ${other}` });
    return prefer;
  }
  return present[0];
}

/** A recipe in `dir` itself, else in `dir/recipe`. */
async function findIn(dir: string, listing: Listing, prefer: RecipeFormat, warnings: DiscoverResult['warnings']): Promise<Found | undefined> {
  const here = pickFormat(dir, listing, prefer, warnings);
  if (here) return { dir, format: here, listing };
  if (listing.get('recipe') !== 'dir') return undefined;
  const recipeDir = join(dir, 'recipe');
  const inner = await list(recipeDir);
  const format = pickFormat(recipeDir, inner, prefer, warnings);
  return format ? { dir: recipeDir, format, listing: inner } : undefined;
}

function toRef(found: Found, feedstock: string, aggregate: string, before: string[]): RecipeRef {
  const own = found.listing.get(CBC) === 'file' ? [join(found.dir, CBC)] : [];
  return {
    feedstock,
    dir: found.dir,
    file: join(found.dir, found.format),
    format: found.format,
    aggregate,
    variantFiles: [...new Set([...before, ...own])],
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
  const limit = Math.max(1, options.concurrency ?? 32);
  const warnings: DiscoverResult['warnings'] = [];
  const extraConfigs = await existingFiles(options.variantConfigs ?? [], warnings);
  const recipes: RecipeRef[] = [];

  for (const aggregateArg of aggregates) {
    const aggregate = resolve(aggregateArg);
    let root: Listing;
    try {
      root = await list(aggregate);
    } catch (err) {
      throw new RecipeDiscoveryError(aggregate, `cannot read aggregate: ${describeError(err)}`);
    }
    const before = [...(root.get(CBC) === 'file' ? [join(aggregate, CBC)] : []), ...extraConfigs];
    const rootName = feedstockName(basename(aggregate));

    const atRoot = await findIn(aggregate, root, prefer, warnings).catch((err) => {
      warnings.push({ path: join(aggregate, 'recipe'), message: `cannot read: ${describeError(err)}` });
      return undefined;
    });
    if (atRoot) recipes.push(toRef(atRoot, rootName, aggregate, before));
    if (atRoot?.dir === aggregate) continue;

    const children = [...root].filter(([name, kind]) => kind === 'dir' && name !== 'recipe' && !name.startsWith('.')).map(([name]) => name);
    const found = await mapLimit(children, limit, async (name) => {
      const dir = join(aggregate, name);
      try {
        const hit = await findIn(dir, await list(dir), prefer, warnings);
        if (!hit && name.endsWith('-feedstock')) warnings.push({ path: dir, message: 'no meta.yaml or recipe.yaml in the feedstock or its recipe/ dir' });
        return hit && toRef(hit, feedstockName(name), aggregate, before);
      } catch (err) {
        warnings.push({ path: dir, message: `cannot read: ${describeError(err)}` });
        return undefined;
      }
    });
    for (const ref of found) if (ref) recipes.push(ref);
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
      found = { dir: dirname(abs), format: name as RecipeFormat, listing: await list(dirname(abs)) };
    } else {
      found = await findIn(abs, await list(abs), options.prefer ?? 'meta.yaml', warnings);
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
  const before = [...(hasRootCbc ? [rootCbc] : []), ...(await existingFiles(options.variantConfigs ?? [], warnings))];
  return toRef(found, feedstockName(basename(feedstockDir)), aggregate, before);
}
