// rebuild:builder-conda-build — builds meta.yaml recipes with conda-build, run through the task's
// runners (host or container), and copies the packages it made into the output channel. See README.md.
import type { Plugin } from '../../core/model/plugin.ts';
import { buildToolPlugin } from '../build-tool/build-tool.ts';
import { condaBuildCommand } from './command.ts';

export const PLUGIN_NAME = 'rebuild:builder-conda-build';
export { BuildToolError } from '../build-tool/build-tool.ts';
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
  return buildToolPlugin({ plugin: PLUGIN_NAME, tool: 'conda-build', format: 'meta.yaml', optionsSchema, command: condaBuildCommand }, options);
}
