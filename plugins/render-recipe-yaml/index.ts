// rebuild:render-recipe-yaml — renders recipe.yaml (v1, rattler-build format) recipes per target.
// Taps run.render; returns undefined for other formats so the next renderer gets them. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/engine/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { renderRecipeYaml as render } from '../../core/recipes/recipe-yaml/render.ts';
import { cachedRender, renderCacheDir } from '../../core/recipes/render-cache.ts';

export const PLUGIN_NAME = 'rebuild:render-recipe-yaml';

export interface RenderRecipeYamlOptions {
  /** Variables `env.get()` / `env.exists()` read in recipes; defaults to the process environment. */
  environ?: Record<string, string>;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    environ: {
      type: 'object',
      description: 'Variables env.get() / env.exists() read in recipes; defaults to the process environment.',
      additionalProperties: { type: 'string' },
    },
  },
} as const;

export function renderRecipeYaml(options: RenderRecipeYamlOptions = {}): Plugin {
  validatePluginOptions<RenderRecipeYamlOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        const cache = run.options.renderCache !== false && run.config.workDir ? renderCacheDir(run.config.workDir) : null;
        run.hooks.render.tapPromise(PLUGIN_NAME, async (recipe, target) =>
          recipe.format === 'recipe.yaml'
            ? cachedRender(cache, recipe, target, { environ: options.environ }, () => render(recipe, target, { environ: options.environ }))
            : undefined,
        );
      });
    },
  };
}
