// The rattler-build command line for one task. Flags (rattler-build CLI reference, `build` subcommand):
//   --log-style plain          (global option) no progress bars in the log file
//   build --recipe <file>      the recipe.yaml itself
//   --target-platform <subdir> the task's subdir (cross-compiles when it differs from the build machine)
//   -m <file>                  every stacked variant file (rattler-build reads only variants.yaml next to
//                              the recipe by itself, not conda_build_config.yaml, so the recipe's own one
//                              is passed too)
//   --variant python=<x.y>     highest-priority variant values: the target python and the recipe's
//   --variant k=v              variantOverrides (bootstrap keys)
//   -c <channel>…              the task's channels in priority order (the run's own channels first)
//   --output-dir <dir>         packages land in <dir>/<subdir>/
//   --test skip                tests are the tester plugin's job
import { join, resolve } from 'node:path';
import type { BuildTask } from '../../core/model/types.ts';
import { channelArg, localChannelDirs, needsNetwork, toolEnv, type BuildToolOptions, type ToolCommand } from '../build-tool/build-tool.ts';

/** The builder's options with their defaults applied. */
export type RattlerBuildCommandOptions = Required<BuildToolOptions>;

/** A variant override rattler-build cannot take on its command line. */
export class VariantOverrideError extends Error {
  override name = 'VariantOverrideError';
  readonly failure = 'internal' as const;
}

export function rattlerBuildCommand(task: BuildTask, options: RattlerBuildCommandOptions): ToolCommand {
  const recipe = task.node.recipe;
  if (!recipe) throw new Error(`task ${task.id} has no recipe to build`);
  const outputDir = join(task.workDir, 'rattler-build', 'output');
  const forced: Record<string, string> = { python: task.target.python, ...(recipe.variantOverrides ?? {}) };
  const variantArgs = Object.entries(forced).flatMap(([k, v]) => {
    // `--variant k=a,b` means two variants: a value with a comma cannot be forced this way.
    if (String(v).includes(',')) throw new VariantOverrideError(`variant ${k}=${v} of ${task.id}: rattler-build splits --variant values at commas`);
    return ['--variant', `${k}=${v}`];
  });
  const argv = [
    options.command,
    '--log-style', 'plain',
    'build',
    '--recipe', resolve(recipe.file),
    '--target-platform', task.target.subdir,
    ...recipe.variantFiles.flatMap((f) => ['-m', f]),
    ...variantArgs,
    ...task.channels.flatMap((c) => ['-c', channelArg(c)]),
    '--output-dir', outputDir,
    '--test', 'skip',
    ...options.extraArgs,
  ];
  return {
    argv,
    cwd: task.workDir,
    env: toolEnv(),
    mounts: [
      { path: task.workDir, mode: 'rw' },
      { path: resolve(recipe.dir), mode: 'ro' },
      ...recipe.variantFiles.map((f) => ({ path: f, mode: 'ro' as const })),
      ...localChannelDirs(task.channels).map((c) => ({ path: c, mode: 'ro' as const })),
    ],
    network: needsNetwork(task),
    outputDir,
    makeDirs: [outputDir],
  };
}
