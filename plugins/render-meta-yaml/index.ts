// rebuild:render-meta-yaml — renders meta.yaml (v0, conda-build format) recipes per target.
// Taps run.render; returns undefined for other formats so the next renderer gets them. See README.md.
import type { Plugin } from '../../core/model/plugin.ts';
import { renderMetaYaml as render } from '../../core/recipes/meta-yaml/render.ts';
import { rendererOptionsSchema, rendererPlugin, type RendererOptions } from '../renderer-plugin/renderer-plugin.ts';

export const PLUGIN_NAME = 'rebuild:render-meta-yaml';

/** `environ`: the variables `environ` / `os.environ` hold in recipes (default: the allowed ones). */
export type RenderMetaYamlOptions = RendererOptions;

export const optionsSchema = rendererOptionsSchema('environ / os.environ hold');

export function renderMetaYaml(options: RenderMetaYamlOptions = {}): Plugin {
  return rendererPlugin({ name: PLUGIN_NAME, format: 'meta.yaml', schema: optionsSchema, render }, options);
}
