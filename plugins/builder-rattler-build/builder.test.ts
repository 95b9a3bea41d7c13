// rattler-build cannot run on this machine: a fake `rattler-build` script on PATH stands in for it, so
// the hook, task.exec through a runner, and the artifact collection run for real.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { testConfig } from '../runner-container/test-task.ts';
import { hostRunner } from '../runner-host/index.ts';
import { recipeFixture, recipeTask, writeFakeTool } from '../build-tool/test-fixtures.ts';
import { rattlerBuildBuilder } from './index.ts';

const PKG = 'demo-1.0-py313h0123abc_0.conda';

const builder = suite<{ dir: string; path: string }>('rattlerBuildBuilder', { dir: '', path: '' });
builder.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-rb-'));
  ctx.path = process.env.PATH ?? '';
});
builder.after.each((ctx) => {
  process.env.PATH = ctx.path;
  rmSync(ctx.dir, { recursive: true, force: true });
});

function fakeOnPath(dir: string, o: { package?: string; exit?: number; subdir?: string }): void {
  writeFakeTool(join(dir, 'fakebin', 'rattler-build'), { outputFlag: '--output-dir', subdir: 'linux-64', ...o });
  process.env.PATH = `${join(dir, 'fakebin')}${delimiter}${process.env.PATH}`;
}

builder('on the host: runs rattler-build from PATH and collects its package (a noarch one too)', async ({ dir }) => {
  fakeOnPath(dir, { package: PKG, subdir: 'noarch' });
  const { recipe, channel } = recipeFixture(dir, 'recipe.yaml');
  const run = new Engine(testConfig([rattlerBuildBuilder(), hostRunner()])).createRun();
  const task = recipeTask(dir, run, recipe, { channels: [channel] });
  const result = await run.hooks.build.for('linux-64').promise(task);
  assert.is(result?.builder, 'rebuild:builder-rattler-build');
  assert.equal(result?.artifacts.map((a) => [a.subdir, a.name, a.version, a.build, a.size]), [['noarch', 'demo', '1.0', 'py313h0123abc_0', `package bytes of ${PKG}\n`.length]]);
  assert.is(readFileSync(join(task.outputChannel, 'noarch', PKG), 'utf8'), `package bytes of ${PKG}\n`);
  const argv = readFileSync(join(task.workDir, 'rattler-build', 'argv.txt'), 'utf8').trim().split('\n');
  assert.equal(argv.slice(0, 4), ['--log-style', 'plain', 'build', '--recipe']);
});

builder('a failing rattler-build is a build failure; meta.yaml recipes are not claimed', async ({ dir }) => {
  fakeOnPath(dir, { exit: 1 });
  const { recipe } = recipeFixture(dir, 'recipe.yaml');
  const run = new Engine(testConfig([rattlerBuildBuilder(), hostRunner()])).createRun();
  await run.hooks.build.for('linux-64').promise(recipeTask(dir, run, recipe)).then(
    () => assert.unreachable(),
    (err) => {
      assert.is(err.cause.failure, 'build');
      assert.match(err.cause.message, 'rattler-build for demo (linux-64) exited with 1');
    },
  );
  const meta = recipeFixture(dir, 'meta.yaml').recipe;
  assert.is(await run.hooks.build.for('linux-64').promise(recipeTask(dir, run, meta)), undefined);
  assert.throws(() => rattlerBuildBuilder({ extraArgs: 'x' } as never), /options.extraArgs must be array/);
});
builder.run();
