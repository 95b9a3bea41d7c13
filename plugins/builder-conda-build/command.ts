// The conda-build command line for one task. Flags (conda-build 3.x CLI reference):
//   <recipe dir>             conda-build takes the recipe folder (it reads meta.yaml and the folder's own
//                            conda_build_config.yaml itself, so that file is not passed again with -m)
//   --variants '{...}'       highest-priority variant values: python (the target), target_platform (the
//                            task's subdir: conda-build cross-compiles by this variant key, it has no
//                            --target-platform flag), and the recipe's variantOverrides (bootstrap keys);
//                            a YAML/JSON mapping of string lists, so 3.10 stays "3.10"
//   -m <file>                the stacked variant files outside the recipe folder (aggregate root, extras)
//   -c <channel>…            the task's channels in priority order (the run's own channels first);
//   --override-channels      and nothing from .condarc (only when channels are given: it requires -c)
//   --output-folder <dir>    packages land in <dir>/<subdir>/ (the folder must exist)
//   --croot <dir>            build root inside the task's scratch dir: parallel builds do not share one
//   --no-anaconda-upload     uploads are the uploader plugins' job
//   --no-test                tests are the tester plugin's job (and need the new python's channel)
import { dirname, join, resolve } from 'node:path';
import type { BuildTask } from '../../core/model/types.ts';
import { channelArg, localChannelDirs, needsNetwork, toolEnv, type BuildToolOptions, type ToolCommand } from '../build-tool/build-tool.ts';

/** The builder's options with their defaults applied. */
export type CondaBuildCommandOptions = Required<BuildToolOptions>;

/** The variant values forced on the build: python, target platform, then the recipe's overrides. */
export function forcedVariants(task: BuildTask): Record<string, string> {
  return { python: task.target.python, target_platform: task.target.subdir, ...(task.node.recipe?.variantOverrides ?? {}) };
}

export function condaBuildCommand(task: BuildTask, options: CondaBuildCommandOptions): ToolCommand {
  const recipe = task.node.recipe;
  if (!recipe) throw new Error(`task ${task.id} has no recipe to build`);
  const outputDir = join(task.workDir, 'conda-build', 'output');
  const croot = join(task.workDir, 'conda-build', 'croot');
  const recipeDir = resolve(recipe.dir);
  const variantFiles = recipe.variantFiles.filter((f) => dirname(resolve(f)) !== recipeDir);
  const variants = Object.fromEntries(Object.entries(forcedVariants(task)).map(([k, v]) => [k, [String(v)]]));
  const argv = [
    options.command,
    recipeDir,
    '--variants', JSON.stringify(variants),
    ...variantFiles.flatMap((f) => ['-m', f]),
    ...task.channels.flatMap((c) => ['-c', channelArg(c)]),
    ...(task.channels.length ? ['--override-channels'] : []),
    '--output-folder', outputDir,
    '--croot', croot,
    '--no-anaconda-upload',
    '--no-test',
    ...options.extraArgs,
  ];
  return {
    argv,
    cwd: task.workDir,
    // Unbuffered python output, so the log streams while conda-build runs.
    env: toolEnv({ PYTHONUNBUFFERED: '1' }),
    mounts: [
      { path: task.workDir, mode: 'rw' },
      { path: recipeDir, mode: 'ro' },
      ...variantFiles.map((f) => ({ path: f, mode: 'ro' as const })),
      ...localChannelDirs(task.channels).map((c) => ({ path: c, mode: 'ro' as const })),
    ],
    network: needsNetwork(task),
    outputDir,
    makeDirs: [outputDir, croot],
  };
}
