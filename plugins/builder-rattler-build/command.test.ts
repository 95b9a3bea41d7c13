import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rattlerBuildCommand } from './command.ts';
import { recipeFixture, recipeTask } from '../build-tool/test-fixtures.ts';

const cmd = suite<{ dir: string }>('rattlerBuildCommand', { dir: '' });
cmd.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-rb-cmd-'));
});
cmd.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cmd('builds recipe.yaml for the target platform and python, every variant file, the run channels', ({ dir }) => {
  const { recipe, channel } = recipeFixture(dir, 'recipe.yaml', { variantOverrides: { bootstrap: 'true' } });
  const task = recipeTask(dir, null, recipe, { channels: [channel, 'conda-forge'], target: { subdir: 'osx-arm64', python: '3.13' } });
  const c = rattlerBuildCommand(task, { command: 'rattler-build', extraArgs: ['--package-format', 'tar-bz2'] });
  assert.equal(c.argv, [
    'rattler-build', '--log-style', 'plain', 'build',
    '--recipe', recipe.file,
    '--target-platform', 'osx-arm64',
    '-m', join(dir, 'aggregate', 'conda_build_config.yaml'),
    '-m', join(recipe.dir, 'conda_build_config.yaml'),
    '--variant', 'python=3.13', '--variant', 'bootstrap=true',
    '-c', `file://${channel}`, '-c', 'conda-forge',
    '--output-dir', join(task.workDir, 'rattler-build', 'output'),
    '--test', 'skip',
    '--package-format', 'tar-bz2',
  ]);
  assert.equal(c.mounts, [
    { path: task.workDir, mode: 'rw' },
    { path: recipe.dir, mode: 'ro' },
    { path: join(dir, 'aggregate', 'conda_build_config.yaml'), mode: 'ro' },
    { path: join(recipe.dir, 'conda_build_config.yaml'), mode: 'ro' },
    { path: channel, mode: 'ro' },
  ]);
  assert.is(c.network, true, 'a named channel needs the network');
  assert.is(rattlerBuildCommand(recipeTask(dir, null, recipe, { channels: [channel] }), { command: 'rattler-build', extraArgs: [] }).network, false);
});

cmd('a forced variant value with a comma is refused: rattler-build would split it into two variants', ({ dir }) => {
  const { recipe } = recipeFixture(dir, 'recipe.yaml', { variantOverrides: { blas: 'mkl,openblas' } });
  assert.throws(() => rattlerBuildCommand(recipeTask(dir, null, recipe), { command: 'rattler-build', extraArgs: [] }), /splits --variant values at commas/);
});
cmd.run();
