// rebuild:render-recipe-yaml — renders recipe.yaml (v1, rattler-build format) recipes per target.
// Taps run.render; returns undefined for other formats so the next renderer gets them. See README.md.
import type { Plugin } from '../../core/model/plugin.ts';
import { renderRecipeYaml as render } from '../../core/recipes/recipe-yaml/render.ts';
import { rendererOptionsSchema, rendererPlugin, type RendererOptions } from '../renderer-plugin/renderer-plugin.ts';

export const PLUGIN_NAME = 'rebuild:render-recipe-yaml';

/** `environ`: the variables `env.get()` / `env.exists()` read in recipes (default: the allowed ones). */
export type RenderRecipeYamlOptions = RendererOptions;

export const optionsSchema = rendererOptionsSchema('env.get() / env.exists() read');

export function renderRecipeYaml(options: RenderRecipeYamlOptions = {}): Plugin {
  return rendererPlugin({ name: PLUGIN_NAME, format: 'recipe.yaml', schema: optionsSchema, render }, options);
}
