// rebuild:render-meta-yaml — renders meta.yaml (v0, conda-build format) recipes per target.
// Taps run.render; returns undefined for other formats so the next renderer gets them. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { renderMetaYaml as render } from '../../core/recipes/meta-yaml/render.ts';
import { allowedEnvironment } from '../../core/config/environment.ts';
import { cachedRender, renderCacheDir } from '../../core/recipes/render-cache.ts';

export const PLUGIN_NAME = 'rebuild:render-meta-yaml';

export interface RenderMetaYamlOptions {
  /**
   * Variables `environ` / `os.environ` hold in recipes. Default: the variables of this process's
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
      description: "Variables environ / os.environ hold in recipes (default: the process environment's variables that config environment.allow lets through).",
      additionalProperties: { type: 'string' },
    },
  },
} as const;

export function renderMetaYaml(options: RenderMetaYamlOptions = {}): Plugin {
  validatePluginOptions<RenderMetaYamlOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        // Never the whole process environment: a recipe must not read a token (core/config/environment.ts).
        const env = options.environ ? { ...options.environ } : allowedEnvironment(run.config.environment);
        const cache = run.options.renderCache !== false && run.config.workDir ? renderCacheDir(run.config.workDir) : null;
        run.hooks.render.tapPromise(PLUGIN_NAME, async (recipe, target) =>
          recipe.format === 'meta.yaml' ? cachedRender(cache, recipe, target, { env }, () => render(recipe, target, { env })) : undefined,
        );
      });
    },
  };
}
