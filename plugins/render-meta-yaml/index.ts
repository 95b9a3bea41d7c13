// rebuild:render-meta-yaml — renders meta.yaml (v0, conda-build format) recipes per target.
// Taps run.render; returns undefined for other formats so the next renderer gets them. See README.md.
import { Ajv } from 'ajv';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/engine/plugin.ts';
import { renderMetaYaml as render } from '../../core/recipes/meta-yaml/render.ts';

export const PLUGIN_NAME = 'rebuild:render-meta-yaml';

export interface RenderMetaYamlOptions {
  /** Variables `environ` / `os.environ` hold in recipes (default: none, so renders do not depend on the machine). */
  environ?: Record<string, string>;
}

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    environ: {
      type: 'object',
      description: 'Variables environ / os.environ hold in recipes (default: none, so renders do not depend on the machine).',
      additionalProperties: { type: 'string' },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(optionsSchema);

export class RenderMetaYamlOptionsError extends Error {
  override name = 'RenderMetaYamlOptionsError';
}

export function renderMetaYaml(options: RenderMetaYamlOptions = {}): Plugin {
  if (!validate(options)) {
    const problems = (validate.errors ?? []).map((e) =>
      e.keyword === 'additionalProperties'
        ? `options${e.instancePath.replace(/\//g, '.')}: unknown option '${(e.params as { additionalProperty: string }).additionalProperty}'`
        : `options${e.instancePath.replace(/\//g, '.')} ${e.message}`,
    );
    throw new RenderMetaYamlOptionsError(`invalid options for ${PLUGIN_NAME}: ${problems.join('; ')}`);
  }
  const env = options.environ ? { ...options.environ } : undefined;
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        run.hooks.render.tapPromise(PLUGIN_NAME, async (recipe, target) =>
          recipe.format === 'meta.yaml' ? render(recipe, target, { env }) : undefined,
        );
      });
    },
  };
}
