import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { condaBuildCommand } from './command.ts';
import { recipeFixture, recipeTask } from '../build-tool/test-fixtures.ts';

const cmd = suite<{ dir: string }>('condaBuildCommand', { dir: '' });
cmd.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-cb-cmd-'));
});
cmd.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cmd('builds the recipe folder for the target python and subdir, with the run channels only', ({ dir }) => {
  const { recipe, channel } = recipeFixture(dir, 'meta.yaml');
  const task = recipeTask(dir, null, recipe, { channels: [channel, 'https://conda.anaconda.org/conda-forge'], target: { subdir: 'linux-aarch64', python: '3.13' } });
  const c = condaBuildCommand(task, { command: 'conda-build', extraArgs: ['--package-format', '.tar.bz2'] });
  assert.equal(c.argv, [
    'conda-build', recipe.dir,
    '--variants', '{"python":["3.13"],"target_platform":["linux-aarch64"]}',
    // the recipe folder's own conda_build_config.yaml is read by conda-build itself
    '-m', join(dir, 'aggregate', 'conda_build_config.yaml'),
    '-c', `file://${channel}`, '-c', 'https://conda.anaconda.org/conda-forge', '--override-channels',
    '--output-folder', join(task.workDir, 'conda-build', 'output'),
    '--croot', join(task.workDir, 'conda-build', 'croot'),
    '--no-anaconda-upload', '--no-test',
    '--package-format', '.tar.bz2',
  ]);
  assert.is(c.cwd, task.workDir);
  assert.equal(c.env, { PATH: process.env.PATH, ...(process.env.HOME ? { HOME: process.env.HOME } : {}), PYTHONUNBUFFERED: '1' });
  assert.equal(c.mounts, [
    { path: task.workDir, mode: 'rw' },
    { path: recipe.dir, mode: 'ro' },
    { path: join(dir, 'aggregate', 'conda_build_config.yaml'), mode: 'ro' },
    { path: channel, mode: 'ro' },
  ]);
  assert.is(c.network, true, 'a remote channel needs the network');
  assert.is(c.outputDir, join(task.workDir, 'conda-build', 'output'));
});

cmd('bootstrap overrides join the forced variants; local channels and local sources need no network', ({ dir }) => {
  const { recipe, channel } = recipeFixture(dir, 'meta.yaml', { variantOverrides: { bootstrap: 'true' } });
  const task = recipeTask(dir, null, recipe, { channels: [channel] });
  task.node.variants = [{ variant: {}, skip: false, outputs: [], source: [{ path: '../src' }], script: null, buildNumber: 0, about: {} }];
  const c = condaBuildCommand(task, { command: '/opt/conda/bin/conda-build', extraArgs: [] });
  assert.is(c.argv[0], '/opt/conda/bin/conda-build');
  assert.is(c.argv[c.argv.indexOf('--variants') + 1], '{"python":["3.13"],"target_platform":["linux-64"],"bootstrap":["true"]}');
  assert.is(c.network, false);
  task.node.variants[0].source = [{ url: ['https://example.org/demo-1.0.tar.gz'], sha256: 'ab' }];
  assert.is(condaBuildCommand(task, { command: 'conda-build', extraArgs: [] }).network, true);
});

cmd('no channels: conda-build keeps its configured ones (no --override-channels), which needs the network', ({ dir }) => {
  const { recipe } = recipeFixture(dir, 'meta.yaml');
  const c = condaBuildCommand(recipeTask(dir, null, recipe, { channels: [] }), { command: 'conda-build', extraArgs: [] });
  assert.not.ok(c.argv.includes('--override-channels'));
  assert.not.ok(c.argv.includes('-c'));
  assert.is(c.network, true);
});

cmd('a task without a recipe is an error', ({ dir }) => {
  const { recipe } = recipeFixture(dir, 'meta.yaml');
  const task = recipeTask(dir, null, recipe);
  task.node.recipe = null;
  assert.throws(() => condaBuildCommand(task, { command: 'conda-build', extraArgs: [] }), /has no recipe/);
});

cmd.run();
