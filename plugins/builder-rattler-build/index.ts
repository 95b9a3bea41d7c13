// rebuild:builder-rattler-build — builds recipe.yaml (v1) recipes with rattler-build, run through the
// task's runners (host or container), and copies the packages it made into the output channel. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/engine/plugin.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { validatePluginOptions } from '../runner-container/plugin-options.ts';
import { runBuildTool } from '../builder-conda-build/build-tool.ts';
import { rattlerBuildCommand } from './command.ts';

export const PLUGIN_NAME = 'rebuild:builder-rattler-build';
export { BuildToolError } from '../builder-conda-build/build-tool.ts';
export { rattlerBuildCommand, VariantOverrideError } from './command.ts';

export interface RattlerBuildBuilderOptions {
  /** The rattler-build executable: a name on the runner's PATH or an absolute path. Default `rattler-build`. */
  command?: string;
  /** Arguments appended to every `build` invocation (e.g. `['--package-format', 'tar-bz2']`). */
  extraArgs?: string[];
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    command: { description: 'The rattler-build executable: a name on PATH or an absolute path.', type: 'string', minLength: 1 },
    extraArgs: { description: 'Arguments appended to every rattler-build build invocation.', type: 'array', items: { type: 'string' } },
  },
} as const;

export function rattlerBuildBuilder(options: RattlerBuildBuilderOptions = {}): Plugin {
  const o = validatePluginOptions<RattlerBuildBuilderOptions>(PLUGIN_NAME, optionsSchema, options);
  const resolved = { command: o.command ?? 'rattler-build', extraArgs: [...(o.extraArgs ?? [])] };
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        for (const target of run.targets) {
          run.hooks.build.for(target.subdir).tapPromise({ name: PLUGIN_NAME, stage: STAGE.DEFAULT }, async (task) => {
            if (task.node.recipe?.format !== 'recipe.yaml') return undefined;
            const artifacts = await runBuildTool(task, 'rattler-build', rattlerBuildCommand(task, resolved));
            return { builder: PLUGIN_NAME, artifacts };
          });
        }
      });
    },
  };
}
