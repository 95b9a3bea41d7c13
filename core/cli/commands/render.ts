// `rebuild render <feedstock|path> [--arch A] [--python X.Y] [--aggregate DIR] [--all] [--json]`:
// render recipes for targets and print what conda-build would build (JSON shape documented in
// plugins/render-meta-yaml/README.md). Works without a config when given --arch, --python and a
// recipe path or --aggregate; a config found (or --config) supplies the defaults and the renderers.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { distance } from 'fastest-levenshtein';
import { EXIT } from '../../engine/exit-codes.ts';
import type { GlobalOptions } from '../options.ts';
import type { ResolvedConfig } from '../../config/resolved.ts';
import { targetPythons } from '../../config/pythons.ts';
import type { RecipeRef, RenderedRecipe, Subdir, Target } from '../../model/types.ts';
import { CONFIG_FILE_NAMES, searchedDirs } from '../../config/load.ts';
import { discoverRecipes, recipeFromPath } from '../../recipes/discover.ts';
import { renderMetaYaml } from '../../recipes/meta-yaml/render.ts';
import { renderRecipeYaml } from '../../recipes/recipe-yaml/render.ts';
import { applyRunExports } from '../../recipes/run-exports.ts';
import { expectRenders, prestartRenderPool, stopRenderPoolIfIdle } from '../../recipes/render-pool.ts';
import { mapLimit } from '../../recipes/map-limit.ts';
import { jsonArrayWriter, writeJson } from '../json-out.ts';

export interface RenderCommandOptions extends GlobalOptions {
  python?: string;
  aggregate?: string;
  all?: boolean;
  /** false with --no-cache: no render cache. */
  cache?: boolean;
}

export interface CommandIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  cwd: string;
}

/** Renders in flight (the render pool, when it runs, takes a few per worker). */
const IN_FLIGHT = 8;
/**
 * `render --all` (or `--aggregate`: every recipe is rendered for run_exports) starts the render
 * pool before discovery, so its workers load meanwhile; fewer renders than this stop it again (a
 * worker costs ~0.5–1 s of CPU to load and warm up: 400 small recipes are about that much work,
 * 400 real-size ones 2–4 s). Below it the pool's own rule still starts it when the renders' mean
 * time says they are worth it.
 */
const POOL_MIN_RENDERS = 400;

const SUBDIRS: Subdir[] = ['linux-64', 'linux-aarch64', 'linux-ppc64le', 'linux-s390x', 'osx-64', 'osx-arm64', 'win-64', 'noarch'] as Subdir[];

class UsageError extends Error {
  override name = 'UsageError';
}

/** The stable JSON of one rendered recipe and target. */
export interface RenderJson {
  feedstock: string;
  target: { subdir: string; python: string };
  variants: {
    variant: Record<string, string>;
    skip: boolean;
    /** A recipe with outputs: the top-level build/host requirements (the top-level build script's environment). */
    requirements?: { build: string[]; host: string[] };
    outputs: {
      name: string;
      version: string;
      build: string;
      noarch: string | null;
      requirements: { build: string[]; host: string[]; run: string[]; run_constrained: string[] };
      test: { requires: string[]; imports: string[]; commands: string[] };
    }[];
  }[];
  warnings: { file: string; line: number | null; message: string }[];
}

export interface RenderErrorJson {
  feedstock: string;
  target: { subdir: string; python: string };
  error: { file: string; line: number | null; message: string };
}

export function toRenderJson(r: RenderedRecipe): RenderJson {
  return {
    feedstock: r.feedstock,
    target: { subdir: r.target.subdir, python: r.target.python },
    variants: r.variants.map((v) => ({
      variant: v.variant,
      skip: v.skip,
      ...(v.requirements ? { requirements: { build: v.requirements.build, host: v.requirements.host } } : {}),
      outputs: v.outputs.map((o) => ({
        name: o.name,
        version: o.version,
        build: o.build,
        noarch: o.noarch,
        requirements: {
          build: o.requirements.build,
          host: o.requirements.host,
          run: o.requirements.run,
          run_constrained: o.requirements.run_constrained,
        },
        test: { requires: o.test.requires, imports: o.test.imports, commands: o.test.commands },
      })),
    })),
    warnings: r.warnings.map((w) => ({ file: w.file, line: w.line ?? null, message: w.message })),
  };
}

/** The file, line and message of a render failure, looking through plugin wrappers (`cause`). */
export function describeRenderError(err: unknown, recipe: RecipeRef): RenderErrorJson['error'] {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const x = e as { file?: unknown; line?: unknown; detail?: unknown; message?: unknown };
    if (typeof x.file === 'string') {
      return { file: x.file, line: typeof x.line === 'number' ? x.line : null, message: String(x.detail ?? x.message) };
    }
  }
  return { file: recipe.file, line: null, message: err instanceof Error ? err.message : String(err) };
}

/**
 * Could a config be found from `cwd` (a config file name in a searched folder, or a package.json
 * naming rebuild)? When not, render skips loading the config machinery (the engine and every
 * plugin: ~0.3 s of module loading). A yes only means the config loader looks.
 */
function configMayExist(cwd: string): boolean {
  for (const dir of searchedDirs(cwd)) {
    if (CONFIG_FILE_NAMES.some((name) => existsSync(join(dir, name)))) return true;
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && readFileSync(pkg, 'utf8').includes('"rebuild"')) return true;
  }
  return false;
}

async function tryConfig(opts: RenderCommandOptions, cwd: string): Promise<ResolvedConfig | null> {
  if (!opts.config && !configMayExist(cwd)) return null;
  const { loadResolvedConfig } = await import('../context.ts');
  try {
    return await loadResolvedConfig(opts, cwd);
  } catch (err) {
    // No config anywhere is fine for render; a config that exists but is broken is not.
    const issues = (err as { issues?: { file: string | null }[] }).issues;
    if (!opts.config && (err as Error).name === 'ConfigError' && issues?.every((i) => i.file === null)) return null;
    throw err;
  }
}

function closeNames(name: string, names: string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return names
    .map((n) => [n, n.includes(name) || name.includes(n) ? 0 : distance(name, n)] as const)
    .filter(([, d]) => d <= limit)
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([n]) => n);
}

/** Direct dispatch when no engine (no config): the built-in renderer of the recipe's format. */
function directRender(recipe: RecipeRef, target: Target): Promise<RenderedRecipe> {
  if (recipe.format === 'meta.yaml') return renderMetaYaml(recipe, target);
  if (recipe.format === 'recipe.yaml') return renderRecipeYaml(recipe, target);
  throw new Error(`no renderer for recipes of the format '${recipe.format}' (a plugin of the config renders them: is it loaded?)`);
}

/**
 * One recipe's text block. `shown`: the warnings printed for the recipes before (file, line,
 * message), not printed again — every recipe of an aggregate repeats its conda_build_config.yaml's.
 */
function textSummary(entry: RenderJson | RenderErrorJson, cwd: string, shown = new Set<string>()): string {
  const rel = (f: string) => (f.startsWith(cwd) ? relative(cwd, f) : f);
  const head = `${entry.feedstock} (${entry.target.subdir}, python ${entry.target.python})`;
  if ('error' in entry) return `${head}: FAILED\n  ${rel(entry.error.file)}${entry.error.line ? `:${entry.error.line}` : ''}: ${entry.error.message}\n`;
  const lines = [`${head}: ${entry.variants.length} variant${entry.variants.length === 1 ? '' : 's'}`];
  for (const v of entry.variants) {
    const keys = Object.entries(v.variant).map(([k, x]) => `${k}=${x}`).join(' ');
    lines.push(`  [${keys}]${v.skip ? '  (skipped)' : ''}`);
    for (const section of ['build', 'host'] as const) {
      if (v.requirements?.[section].length) lines.push(`    top-level ${section}: ${v.requirements[section].join(', ')}`);
    }
    for (const o of v.outputs) {
      lines.push(`    ${o.name}-${o.version}-${o.build}${o.noarch ? `  (noarch: ${o.noarch})` : ''}`);
      for (const section of ['build', 'host', 'run', 'run_constrained'] as const) {
        if (o.requirements[section].length) lines.push(`      ${section}: ${o.requirements[section].join(', ')}`);
      }
      if (o.test.requires.length) lines.push(`      test requires: ${o.test.requires.join(', ')}`);
    }
  }
  for (const w of entry.warnings) {
    const key = `${w.file}\0${w.line ?? ''}\0${w.message}`;
    if (shown.has(key)) continue;
    shown.add(key);
    lines.push(`  warning: ${rel(w.file)}${w.line ? `:${w.line}` : ''}: ${w.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Exit codes: 0 rendered, 1 a recipe failed to render (render errors, as in a plan), 64 usage (unknown feedstock, missing --python/--arch). */
export async function renderCommand(args: string[], opts: RenderCommandOptions, io: CommandIO = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  try {
    return await run(args, opts, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`rebuild render: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
}

async function run(args: string[], opts: RenderCommandOptions, io: CommandIO): Promise<number> {
  const cwd = io.cwd;
  if (opts.all || opts.aggregate) prestartRenderPool();
  const config = await tryConfig(opts, cwd);
  // --python picks one; without it, every python of the config's `python.to` (one or a list).
  const pythons = opts.python !== undefined ? [opts.python] : config ? targetPythons(config.python) : [];
  if (!pythons.length) throw new UsageError('no python version: pass --python X.Y (no config found)');
  for (const python of pythons) if (!/^\d+\.\d+$/.test(python)) throw new UsageError(`--python must be major.minor (e.g. 3.13), got '${python}'`);
  const arches = (opts.arch?.length ? opts.arch : config?.arches) ?? [];
  if (!arches.length) throw new UsageError('no arch: pass --arch SUBDIR (e.g. linux-64) (no config found)');
  for (const a of arches) {
    if (!SUBDIRS.includes(a as Subdir)) {
      const near = closeNames(a, SUBDIRS);
      throw new UsageError(`unknown arch '${a}'${near.length ? `; did you mean ${near.join(', ')}?` : ''} (known: ${SUBDIRS.join(', ')})`);
    }
  }
  const targets: Target[] = arches.flatMap((subdir) => pythons.map((python) => ({ subdir: subdir as Subdir, python })));
  const aggregates = opts.aggregate ? [resolve(cwd, opts.aggregate)] : (config?.aggregates ?? []);
  const variantConfigs = config?.variantConfigs ?? [];

  // With a config, the configured plugins answer: discovery passes through `run.hooks.discover`
  // (recipes a plugin adds, extra versions) and the renderer plugins render (the built-ins when none does).
  const run = config ? new (await import('../../engine/engine.ts')).Engine(config).createRun({ arches, renderCache: opts.cache !== false }) : null;
  let all: RecipeRef[] | null = null;
  const discoverAll = async () => {
    if (!aggregates.length) throw new UsageError('no aggregate: pass --aggregate DIR (no config found)');
    if (!all) all = run && !opts.aggregate ? (await (await import('../../graph/plan-target.ts')).discover(run)).recipes : (await discoverRecipes(aggregates, { variantConfigs })).recipes;
    return all;
  };
  let wanted: RecipeRef[];
  if (opts.all) wanted = await discoverAll();
  else {
    const arg = args[0];
    if (!arg) throw new UsageError('name a feedstock or a recipe path, or pass --all');
    const path = resolve(cwd, arg);
    if (existsSync(path)) wanted = [await recipeFromPath(path, { aggregate: opts.aggregate ? aggregates[0] : undefined, variantConfigs })];
    else {
      const recipes = await discoverAll();
      const hit = recipes.filter((r) => r.feedstock === arg);
      if (!hit.length) {
        const near = closeNames(arg, [...new Set(recipes.map((r) => r.feedstock))]);
        throw new UsageError(`unknown feedstock '${arg}' in ${aggregates.join(', ')}${near.length ? `; did you mean: ${near.join(', ')}?` : ''}`);
      }
      wanted = hit;
    }
  }

  const renderOne = async (recipe: RecipeRef, target: Target): Promise<RenderedRecipe> =>
    ((await run?.hooks.render.promise(recipe, target)) as RenderedRecipe | undefined) ?? directRender(recipe, target);

  // run_exports need every package of the aggregate rendered for the target.
  const withExports = !!opts.aggregate;
  const toRender = withExports ? [...new Map([...(await discoverAll()), ...wanted].map((r) => [r.file, r])).values()] : wanted;
  const wantedFiles = new Set(wanted.map((r) => r.file));
  const entries: (RenderJson | RenderErrorJson)[] = [];
  let failed = false;
  // Several renders in flight, so the render pool's workers have work (results keep their order).
  expectRenders(toRender.length * targets.length);
  if (toRender.length * targets.length < POOL_MIN_RENDERS) stopRenderPoolIfIdle();
  // Without run_exports to apply (toRender is wanted): each recipe is printed as soon as it and
  // those before it are rendered, so the first result shows while the rest render — as text, or as
  // the next entry of the --json array (written entry by entry: the same bytes as all at once).
  const single = !opts.all && wanted.length * targets.length === 1;
  const jsonOut = opts.json && !single ? jsonArrayWriter((text) => io.stdout.write(text), 2) : null;
  const stream = !withExports && (!opts.json || jsonOut !== null);
  const shown = new Set<string>();
  const print = (e: RenderJson | RenderErrorJson) => {
    if (jsonOut) jsonOut.push(e);
    else ('error' in e ? io.stderr : io.stdout).write(textSummary(e, cwd, shown));
  };
  for (const target of targets) {
    const ready: (RenderedRecipe | RenderErrorJson | null)[] = stream ? new Array(toRender.length).fill(null) : [];
    let next = 0;
    const outcomes = await mapLimit(toRender, IN_FLIGHT, async (recipe, i): Promise<RenderedRecipe | RenderErrorJson> => {
      let r: RenderedRecipe | RenderErrorJson;
      try {
        r = await renderOne(recipe, target);
      } catch (err) {
        r = { feedstock: recipe.feedstock, target: { subdir: target.subdir, python: target.python }, error: describeRenderError(err, recipe) };
      }
      if (stream) {
        ready[i] = r;
        for (let x = ready[next]; x; x = ready[next]) {
          ready[next++] = null;
          if ('error' in x) failed = true;
          print('error' in x ? x : toRenderJson(x));
        }
      }
      return r;
    });
    if (stream) continue;
    const rendered: RenderedRecipe[] = [];
    const byFile = new Map<string, RenderedRecipe | RenderErrorJson>();
    toRender.forEach((recipe, i) => {
      const r = outcomes[i];
      if (!('error' in r)) rendered.push(r);
      byFile.set(recipe.file, r);
    });
    if (withExports) applyRunExports(rendered);
    for (const recipe of wanted) {
      if (!wantedFiles.has(recipe.file)) continue;
      const r = byFile.get(recipe.file)!;
      if ('error' in r) failed = true;
      entries.push('error' in r ? r : toRenderJson(r));
    }
  }
  // Written in chunks: the JSON of a large aggregate's renderings may exceed a string's length.
  if (jsonOut) {
    for (const e of entries) jsonOut.push(e);
    jsonOut.end();
  } else if (opts.json) writeJson(entries[0], (text) => io.stdout.write(text), 2);
  else for (const e of entries) print(e);
  return failed ? 1 : 0;
}
