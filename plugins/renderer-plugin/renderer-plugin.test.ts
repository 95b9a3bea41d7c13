// Both built-in renderer plugins come from rendererPlugin: each case below runs for both, so their
// option handling, the variables their recipes see and their cache keys cannot drift apart again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../core/engine/engine.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { RecipeRef, RenderedRecipe } from '../../core/model/types.ts';
import { renderCacheStats } from '../../core/recipes/render-cache.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import * as metaYaml from '../render-meta-yaml/index.ts';
import * as recipeYaml from '../render-recipe-yaml/index.ts';

const RECIPES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'recipes');

interface Case {
  name: string;
  plugin: (options?: { environ?: Record<string, string> }) => Plugin;
  ref: RecipeRef;
  /** The variable the fixture recipe reads, and what the rendering shows of it. */
  variable: string;
  seen: (r: RenderedRecipe) => unknown;
}

function ref(agg: string, feedstock: string, dir: string, format: RecipeRef['format']): RecipeRef {
  return { feedstock, dir: join(agg, dir, 'recipe'), file: join(agg, dir, 'recipe', format), format, aggregate: agg, variantFiles: [join(agg, 'conda_build_config.yaml')] };
}

const META_AGG = join(RECIPES, 'meta-yaml', 'fixtures', 'agg');
const V1_AGG = join(RECIPES, 'recipe-yaml', 'fixtures', 'agg');
const CASES: Case[] = [
  // meta.yaml: `{% set build_number = os.environ.get('PYFOO_BUILD', '3') %}`
  { name: metaYaml.PLUGIN_NAME, plugin: metaYaml.renderMetaYaml, ref: ref(META_AGG, 'pyfoo', 'pyfoo-feedstock', 'meta.yaml'), variable: 'PYFOO_BUILD', seen: (r) => r.variants[0].outputs[0].buildNumber },
  // recipe.yaml: `env.get('PUREPY_EXTRA')` adds a run requirement
  { name: recipeYaml.PLUGIN_NAME, plugin: recipeYaml.renderRecipeYaml, ref: ref(V1_AGG, 'purepy', 'purepy', 'recipe.yaml'), variable: 'PUREPY_EXTRA', seen: (r) => r.variants[0].outputs[0].requirements.run.join(',') },
];

const VALUES: Record<string, [string, unknown, unknown]> = {
  // variable's value, what the rendering shows with it, and without it
  PYFOO_BUILD: ['9', 9, 3],
  PUREPY_EXTRA: ['yes', 'python >=3.9,purepy-extra', 'python >=3.9'],
};

const factory = suite('rendererPlugin (both built-in renderers)');

factory.before.each((ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'renderer-plugin-'));
});
factory.after.each((ctx) => {
  rmSync(ctx.workDir, { recursive: true, force: true });
  for (const c of CASES) delete process.env[c.variable];
});

async function render(c: Case, plugin: Plugin, workDir: string, environment: ResolvedConfig['environment']): Promise<RenderedRecipe> {
  const agg = c.ref.aggregate;
  const run = new Engine(fakeConfig(workDir, [plugin], { rootDir: agg, aggregates: [agg], environment })).createRun();
  const r = await run.hooks.render.promise(c.ref, run.targets[0]);
  assert.ok(r, `${c.name} rendered`);
  return r!;
}

for (const c of CASES) {
  const [value, withIt, without] = VALUES[c.variable];

  factory(`${c.name} :: by default recipes see the allowed variables of the process environment, and only those`, async ({ workDir }) => {
    process.env[c.variable] = value;
    assert.is(c.seen(await render(c, c.plugin(), workDir, { allow: [], secrets: [] })), without);
    assert.is(c.seen(await render(c, c.plugin(), workDir, { allow: [c.variable], secrets: [] })), withIt);
  });

  factory(`${c.name} :: the environ option replaces the default`, async ({ workDir }) => {
    process.env[c.variable] = 'ignored';
    assert.is(c.seen(await render(c, c.plugin({ environ: { [c.variable]: value } }), workDir, { allow: [], secrets: [] })), withIt);
  });

  factory(`${c.name} :: the render cache is keyed by what the recipe can read (a changed variable is a miss)`, async ({ workDir }) => {
    const allow = { allow: [c.variable], secrets: [] };
    const before = { ...renderCacheStats };
    process.env[c.variable] = value;
    assert.is(c.seen(await render(c, c.plugin(), workDir, allow)), withIt);
    assert.is(c.seen(await render(c, c.plugin(), workDir, allow)), withIt);
    delete process.env[c.variable];
    assert.is(c.seen(await render(c, c.plugin(), workDir, allow)), without);
    assert.is(renderCacheStats.hits - before.hits, 1, 'the second render is a hit');
    assert.is(renderCacheStats.misses - before.misses, 2, 'the first and the changed one are misses');
  });

  factory(`${c.name} :: leaves the other format to the next renderer`, async ({ workDir }) => {
    const other: RecipeRef = { ...c.ref, format: c.ref.format === 'meta.yaml' ? 'recipe.yaml' : 'meta.yaml' };
    const run = new Engine(fakeConfig(workDir, [c.plugin()])).createRun();
    assert.is(await run.hooks.render.promise(other, run.targets[0]), undefined);
  });
}

factory.run();
