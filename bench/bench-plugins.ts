// The plugins a benchmark plans with: the real defaults (plugins/defaults.ts), completed with the
// built-in renderers and the select vetoes when the defaults do not carry them yet. Reports which
// came from where, so the figures say what they measured.
import type { Plugin } from '../core/model/plugin.ts';
import type { RecipeRef, Target } from '../core/model/types.ts';
import { defaultPlugins } from '../plugins/defaults.ts';
import { select } from '../plugins/select/index.ts';
import { renderRecipeYaml } from '../plugins/render-recipe-yaml/index.ts';
import { renderMetaYaml as renderMetaYamlCore } from '../core/recipes/meta-yaml/render.ts';

const META = 'rebuild:render-meta-yaml';

/** The meta.yaml renderer plugin when it exists; else the core renderer in a plugin of the same name and shape. */
async function metaYamlPlugin(): Promise<{ plugin: Plugin; from: string }> {
  const path = '../plugins/render-meta-yaml/index.ts';
  try {
    const mod = (await import(path)) as { renderMetaYaml?: () => Plugin };
    if (typeof mod.renderMetaYaml === 'function') return { plugin: mod.renderMetaYaml(), from: 'plugins/render-meta-yaml' };
  } catch {
    // not written yet in this checkout
  }
  const plugin: Plugin = {
    name: META,
    apply(engine) {
      engine.hooks.run.tap(META, (run) => {
        run.hooks.render.tapPromise(META, async (recipe: RecipeRef, target: Target) => (recipe.format === 'meta.yaml' ? renderMetaYamlCore(recipe, target) : undefined));
      });
    },
  };
  return { plugin, from: 'core/recipes/meta-yaml/render.ts (wrapped: plugins/render-meta-yaml has no index.ts yet)' };
}

export async function benchPlugins(): Promise<{ plugins: Plugin[]; notes: string[] }> {
  const plugins = defaultPlugins();
  const notes: string[] = [];
  const has = (name: string) => plugins.some((p) => p.name === name);
  if (!has(META)) {
    const meta = await metaYamlPlugin();
    plugins.push(meta.plugin);
    notes.push(`meta.yaml renderer: ${meta.from}`);
  }
  if (!has('rebuild:render-recipe-yaml')) {
    plugins.push(renderRecipeYaml());
    notes.push('recipe.yaml renderer added (not in plugins/defaults.ts)');
  }
  if (!has('rebuild:select')) {
    plugins.push(select());
    notes.push('select plugin added (not in plugins/defaults.ts)');
  }
  return { plugins, notes };
}
