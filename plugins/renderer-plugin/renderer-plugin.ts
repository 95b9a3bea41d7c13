// The renderer plugin of one recipe format: what rebuild:render-meta-yaml and
// rebuild:render-recipe-yaml share (their options, the variables a recipe sees, the render cache),
// written once so the two cannot drift apart. Not a plugin itself. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { RecipeRef, RenderedRecipe, Target } from '../../core/model/types.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { allowedEnvironment } from '../../core/config/environment.ts';
import { cachedRender, renderCacheDir } from '../../core/recipes/render-cache.ts';

export interface RendererOptions {
  /**
   * Variables the recipes can read. Default: the variables of this process's environment that the
   * config's `environment.allow` lets through (none unless allowed).
   */
  environ?: Record<string, string>;
}

/** The options schema of a renderer plugin; `reads` says how its recipes read variables. */
export function rendererOptionsSchema(reads: string) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      environ: {
        type: 'object',
        description: `Variables ${reads} in recipes (default: the process environment's variables that config environment.allow lets through).`,
        additionalProperties: { type: 'string' },
      },
    },
  } as const;
}

export interface RendererSpec {
  name: string;
  format: RecipeRef['format'];
  schema: ReturnType<typeof rendererOptionsSchema>;
  render(recipe: RecipeRef, target: Target, options: { environ: Record<string, string> }): Promise<RenderedRecipe>;
}

/** A plugin tapping run.render for `spec.format` (undefined for other formats: the next renderer gets them). */
export function rendererPlugin(spec: RendererSpec, options: RendererOptions = {}): Plugin {
  validatePluginOptions<RendererOptions>(spec.name, spec.schema, options);
  return {
    name: spec.name,
    apply(engine: Engine) {
      engine.hooks.run.tap(spec.name, (run) => {
        // Never the whole process environment: a recipe must not read a token (core/config/environment.ts).
        const renderOptions = { environ: options.environ ? { ...options.environ } : allowedEnvironment(run.config.environment) };
        const cache = run.options.renderCache !== false && run.config.workDir ? renderCacheDir(run.config.workDir) : null;
        run.hooks.render.tapPromise(spec.name, async (recipe, target) =>
          recipe.format === spec.format ? cachedRender(cache, recipe, target, renderOptions, () => spec.render(recipe, target, renderOptions)) : undefined,
        );
      });
    },
  };
}
