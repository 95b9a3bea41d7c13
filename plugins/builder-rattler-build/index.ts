// rebuild:builder-rattler-build — builds recipe.yaml (v1) recipes with rattler-build, run through the
// task's runners (host or container), and copies the packages it made into the output channel. See README.md.
import type { Plugin } from '../../core/model/plugin.ts';
import { buildToolPlugin } from '../build-tool/build-tool.ts';
import { rattlerBuildCommand } from './command.ts';

export const PLUGIN_NAME = 'rebuild:builder-rattler-build';
export { BuildToolError } from '../build-tool/build-tool.ts';
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
  return buildToolPlugin({ plugin: PLUGIN_NAME, tool: 'rattler-build', format: 'recipe.yaml', optionsSchema, command: rattlerBuildCommand }, options);
}
