// rebuild:builder-conda-build — builds meta.yaml recipes with conda-build, run through the task's
// runners (host or container), and copies the packages it made into the output channel. See README.md.
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/engine/plugin.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { validatePluginOptions } from '../runner-container/plugin-options.ts';
import { runBuildTool } from './build-tool.ts';
import { condaBuildCommand } from './command.ts';

export const PLUGIN_NAME = 'rebuild:builder-conda-build';
export { BuildToolError } from './build-tool.ts';
export { condaBuildCommand } from './command.ts';

export interface CondaBuildBuilderOptions {
  /** The conda-build executable: a name on the runner's PATH or an absolute path. Default `conda-build`. */
  command?: string;
  /** Arguments appended to every invocation (e.g. `['--package-format', '.tar.bz2']`). */
  extraArgs?: string[];
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    command: { description: 'The conda-build executable: a name on PATH or an absolute path.', type: 'string', minLength: 1 },
    extraArgs: { description: 'Arguments appended to every conda-build invocation.', type: 'array', items: { type: 'string' } },
  },
} as const;

export function condaBuildBuilder(options: CondaBuildBuilderOptions = {}): Plugin {
  const o = validatePluginOptions<CondaBuildBuilderOptions>(PLUGIN_NAME, optionsSchema, options);
  const resolved = { command: o.command ?? 'conda-build', extraArgs: [...(o.extraArgs ?? [])] };
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        for (const target of run.targets) {
          run.hooks.build.for(target.subdir).tapPromise({ name: PLUGIN_NAME, stage: STAGE.DEFAULT }, async (task) => {
            if (task.node.recipe?.format !== 'meta.yaml') return undefined;
            const artifacts = await runBuildTool(task, 'conda-build', condaBuildCommand(task, resolved));
            return { builder: PLUGIN_NAME, artifacts };
          });
        }
      });
    },
  };
}
