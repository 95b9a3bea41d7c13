import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../core/engine/engine.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { RecipeRef } from '../../core/model/types.ts';
import { testConfig } from '../runner-container/test-task.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { PLUGIN_NAME, renderRecipeYaml } from './index.ts';
import { clearSecrets } from '../../core/config/redactor.ts';

const AGG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'recipes', 'recipe-yaml', 'fixtures', 'agg');

function config(plugins: Plugin[]): ResolvedConfig {
  return testConfig(plugins, { rootDir: AGG, arches: ['linux-64'], aggregates: [AGG], timeouts: { buildSeconds: 10, hookMs: 20000 } });
}

const ref = (format: RecipeRef['format']): RecipeRef => ({
  feedstock: 'purepy',
  dir: join(AGG, 'purepy', 'recipe'),
  file: join(AGG, 'purepy', 'recipe', format),
  format,
  aggregate: AGG,
  variantFiles: [join(AGG, 'conda_build_config.yaml')],
});

const plugin = suite('renderRecipeYaml plugin');

plugin('renders recipe.yaml through run.render, with the environ option', async () => {
  const p = renderRecipeYaml({ environ: { PUREPY_EXTRA: 'yes' } });
  assert.is(p.name, PLUGIN_NAME);
  const run = new Engine(config([p])).createRun();
  const rendered = await run.hooks.render.promise(ref('recipe.yaml'), run.targets[0]);
  assert.ok(rendered);
  assert.is(rendered.feedstock, 'purepy');
  assert.equal(rendered.target, { subdir: 'linux-64', python: '3.13' });
  assert.equal(rendered.variants[0].outputs[0].requirements.run, ['python >=3.9', 'purepy-extra']);
});

plugin("by default env.get sees the process environment's variables the config allows, never the rest, never a secret matched by a prefix", async () => {
  process.env.PUREPY_EXTRA = 'yes';
  try {
    const runReqs = async (environment: ResolvedConfig['environment']) => {
      const run = new Engine(testConfig([renderRecipeYaml()], { ...config([]), environment, plugins: [renderRecipeYaml()] })).createRun();
      const rendered = await run.hooks.render.promise(ref('recipe.yaml'), run.targets[0]);
      return rendered!.variants[0].outputs[0].requirements.run;
    };
    assert.equal(await runReqs({ allow: [], secrets: [] }), ['python >=3.9']);
    assert.equal(await runReqs({ allow: ['PUREPY_EXTRA'], secrets: [] }), ['python >=3.9', 'purepy-extra']);
    assert.equal(await runReqs({ allow: ['PUREPY_*'], secrets: ['PUREPY_EXTRA'] }), ['python >=3.9']);
  } finally {
    delete process.env.PUREPY_EXTRA;
    clearSecrets();
  }
});

plugin('leaves meta.yaml to the next renderer', async () => {
  const run = new Engine(config([renderRecipeYaml()])).createRun();
  assert.is(await run.hooks.render.promise(ref('meta.yaml'), run.targets[0]), undefined);
});

plugin('rejects unknown options and non-string environ values', () => {
  assert.throws(() => renderRecipeYaml({ envrion: {} } as never), (e: Error) => e instanceof PluginOptionsError && /envrion/.test(e.message));
  assert.throws(() => renderRecipeYaml({ environ: { A: 1 } } as never), (e: Error) => e instanceof PluginOptionsError && /environ\.A/.test(e.message));
});

plugin.run();
