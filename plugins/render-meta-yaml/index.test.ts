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
import { PLUGIN_NAME, renderMetaYaml } from './index.ts';

const AGG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'recipes', 'meta-yaml', 'fixtures', 'agg');

function config(plugins: Plugin[]): ResolvedConfig {
  return testConfig(plugins, { rootDir: AGG, arches: ['linux-64'], aggregates: [AGG], timeouts: { buildSeconds: 10, hookMs: 20000 } });
}

const ref = (format: RecipeRef['format']): RecipeRef => ({
  feedstock: 'pyfoo',
  dir: join(AGG, 'pyfoo-feedstock', 'recipe'),
  file: join(AGG, 'pyfoo-feedstock', 'recipe', format),
  format,
  aggregate: AGG,
  variantFiles: [join(AGG, 'conda_build_config.yaml')],
});

const plugin = suite('render-meta-yaml plugin');

plugin('renders meta.yaml through run.render; leaves recipe.yaml to the next renderer', async () => {
  const p = renderMetaYaml({ environ: { PYFOO_BUILD: '9' } });
  assert.is(p.name, PLUGIN_NAME);
  const run = new Engine(config([p])).createRun();
  const target = run.targets[0];
  const r = await run.hooks.render.promise(ref('meta.yaml'), target);
  assert.ok(r);
  assert.is(r!.variants[0].outputs[0].name, 'pyfoo');
  assert.is(r!.variants[0].outputs[0].buildNumber, 9, 'environ option reaches os.environ');
  assert.is(await run.hooks.render.promise(ref('recipe.yaml'), target), undefined);
});

plugin('a render error names the plugin, the hook and the file:line', async () => {
  const run = new Engine(config([renderMetaYaml()])).createRun();
  const bad: RecipeRef = { ...ref('meta.yaml'), feedstock: 'bad-jinja', dir: join(AGG, '..', 'errors', 'bad-jinja', 'recipe'), file: join(AGG, '..', 'errors', 'bad-jinja', 'recipe', 'meta.yaml'), variantFiles: [] };
  try {
    await run.hooks.render.promise(bad, run.targets[0]);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /rebuild:render-meta-yaml/);
    assert.match((err as Error).message, /bad-jinja\/recipe\/meta\.yaml:7: jinja error/);
  }
});

plugin('options are validated :: unknown option, wrong type', () => {
  assert.throws(() => renderMetaYaml({ nope: 1 } as never), (e: unknown) => e instanceof PluginOptionsError && /unknown option 'nope'/.test((e as Error).message));
  assert.throws(() => renderMetaYaml({ environ: { A: 1 } } as never), (e: unknown) => e instanceof PluginOptionsError && /environ.A must be string/.test((e as Error).message));
});

plugin.run();
