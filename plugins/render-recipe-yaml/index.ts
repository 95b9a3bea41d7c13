// rebuild:render-recipe-yaml — renders recipe.yaml (v1, rattler-build format) recipes per target.
// Taps run.render; returns undefined for other formats so the next renderer gets them. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { renderRecipeYaml as render } from '../../core/recipes/recipe-yaml/render.ts';
import { allowedEnvironment } from '../../core/config/environment.ts';
import { cachedRender, renderCacheDir } from '../../core/recipes/render-cache.ts';

export const PLUGIN_NAME = 'rebuild:render-recipe-yaml';

export interface RenderRecipeYamlOptions {
  /**
   * Variables `env.get()` / `env.exists()` read in recipes. Default: the variables of this process's
   * environment that the config's `environment.allow` lets through (none unless allowed).
   */
  environ?: Record<string, string>;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    environ: {
      type: 'object',
      description: "Variables env.get() / env.exists() read in recipes (default: the process environment's variables that config environment.allow lets through).",
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
        // Never the whole process environment: a recipe must not read a token (core/config/environment.ts).
        const environ = options.environ ? { ...options.environ } : allowedEnvironment(run.config.environment);
        const cache = run.options.renderCache !== false && run.config.workDir ? renderCacheDir(run.config.workDir) : null;
        run.hooks.render.tapPromise(PLUGIN_NAME, async (recipe, target) =>
          recipe.format === 'recipe.yaml' ? cachedRender(cache, recipe, target, { environ }, () => render(recipe, target, { environ })) : undefined,
        );
      });
    },
  };
}
