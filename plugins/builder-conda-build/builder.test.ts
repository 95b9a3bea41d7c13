// conda-build cannot run on this machine (no conda): a fake `conda-build` script stands in for it, so
// the builder's real path is exercised — the hook, task.exec through a runner, collecting the package
// from the output folder, copying it into the output channel — on the host and in a podman container.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { PluginHookError } from '../../core/model/errors.ts';
import { containerRunner } from '../runner-container/index.ts';
import { ensureTestImage } from '../runner-container/test-image.ts';
import { testConfig } from '../runner-container/test-task.ts';
import { hostRunner } from '../runner-host/index.ts';
import { BuildToolError, condaBuildBuilder } from './index.ts';
import { env } from '../../core/config/secret.ts';
import { clearSecrets } from '../../core/config/redactor.ts';
import type { RenderedVariant } from '../../core/model/types.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { recipeFixture, recipeTask, writeFakeTool } from '../build-tool/test-fixtures.ts';

const PKG = 'demo-1.0-py313h0123abc_0.tar.bz2';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const builder = suite<{ dir: string; path: string }>('condaBuildBuilder', { dir: '', path: '' });
builder.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-cb-'));
  ctx.path = process.env.PATH ?? '';
});
builder.after.each((ctx) => {
  process.env.PATH = ctx.path;
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** Put a fake conda-build first on PATH (the builder passes its PATH to the runner). */
function fakeOnPath(dir: string, o: { package?: string; exit?: number }): void {
  writeFakeTool(join(dir, 'fakebin', 'conda-build'), { outputFlag: '--output-folder', subdir: 'linux-64', ...o });
  process.env.PATH = `${join(dir, 'fakebin')}${delimiter}${process.env.PATH}`;
}

builder('on the host: runs conda-build from PATH, collects its package into the output channel', async ({ dir }) => {
  fakeOnPath(dir, { package: PKG });
  const { recipe, channel } = recipeFixture(dir, 'meta.yaml');
  const run = new Engine(testConfig([condaBuildBuilder(), hostRunner()])).createRun();
  const task = recipeTask(dir, run, recipe, { channels: [channel] });
  const result = await run.hooks.build.for('linux-64').promise(task);
  assert.is(result?.builder, 'rebuild:builder-conda-build');
  const content = `package bytes of ${PKG}\n`;
  assert.equal(result?.artifacts, [{
    path: join(task.outputChannel, 'linux-64', PKG), filename: PKG, subdir: 'linux-64',
    name: 'demo', version: '1.0', build: 'py313h0123abc_0', sha256: sha(content), size: content.length,
  }]);
  assert.is(readFileSync(join(task.outputChannel, 'linux-64', PKG), 'utf8'), content);
  // the tool got the command line the builder made
  const argv = readFileSync(join(task.workDir, 'conda-build', 'argv.txt'), 'utf8').trim().split('\n');
  assert.is(argv[0], recipe.dir);
  assert.ok(argv.includes('--no-test') && argv.includes(`file://${channel}`));
  assert.match(readFileSync(task.logFile, 'utf8'), 'fake tool: building into');
});

builder('a failing conda-build is a build failure naming the exit code and the log', async ({ dir }) => {
  fakeOnPath(dir, { exit: 2 });
  const { recipe, channel } = recipeFixture(dir, 'meta.yaml');
  const run = new Engine(testConfig([condaBuildBuilder(), hostRunner()])).createRun();
  const task = recipeTask(dir, run, recipe, { channels: [channel] });
  try {
    await run.hooks.build.for('linux-64').promise(task);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PluginHookError);
    const cause = (err as PluginHookError).cause as BuildToolError;
    assert.instance(cause, BuildToolError);
    assert.is(cause.failure, 'build');
    assert.is(cause.exitCode, 2);
    assert.match(cause.message, `exited with 2 (log: ${task.logFile})`);
  }
  assert.not.ok(existsSync(task.outputChannel));
});

builder('exit 0 without a package, or with only packages that were there before, is a build failure', async ({ dir }) => {
  fakeOnPath(dir, { package: PKG });
  const { recipe, channel } = recipeFixture(dir, 'meta.yaml');
  const run = new Engine(testConfig([condaBuildBuilder(), hostRunner()])).createRun();
  const task = recipeTask(dir, run, recipe, { channels: [channel] });
  await run.hooks.build.for('linux-64').promise(task);
  // Same output folder, tool writes nothing new this time.
  fakeOnPath(dir, {});
  const again = run.hooks.build.for('linux-64').promise(task);
  await again.then(
    () => assert.unreachable(),
    (err) => {
      assert.is(err.cause.failure, 'build');
      assert.match(err.cause.message, 'succeeded but wrote no package');
    },
  );
});

builder('timeouts and cancels reported by the runner keep their failure class', async ({ dir }) => {
  const { recipe } = recipeFixture(dir, 'meta.yaml');
  const run = new Engine(testConfig([condaBuildBuilder()])).createRun();
  for (const [flag, failure] of [['timedOut', 'timeout'], ['cancelled', 'cancelled']] as const) {
    const task = recipeTask(dir, null, recipe);
    task.exec = async () => ({ exitCode: 137, signal: null, timedOut: flag === 'timedOut', cancelled: flag === 'cancelled', runner: 'test' });
    await run.hooks.build.for('linux-64').promise(task).then(
      () => assert.unreachable(),
      (err) => assert.is(err.cause.failure, failure),
    );
  }
});

builder('claims meta.yaml recipes only, on every target of the run', async ({ dir }) => {
  const { recipe } = recipeFixture(dir, 'recipe.yaml');
  const run = new Engine(testConfig([condaBuildBuilder()])).createRun();
  assert.is(await run.hooks.build.for('linux-64').promise(recipeTask(dir, null, recipe)), undefined);
  assert.ok(run.hooks.build.get('linux-aarch64')?.taps.some((t) => t.name === 'rebuild:builder-conda-build'));
  assert.throws(() => condaBuildBuilder({ comand: 'x' } as never), /unknown option 'comand'/);
});

/** A variant whose recipe lists `scriptEnv` (build: script_env). */
const withScriptEnv = (scriptEnv: string[]): RenderedVariant => ({ variant: {}, skip: false, outputs: [], source: [], script: null, buildNumber: 0, about: {}, scriptEnv });
const HOST_VARS = { FEATURE_FLAG: 'on', MY_REGION: 'eu-west', MY_TOKEN: 'cb-token-5150', UNLISTED_VAR: 'other' };
const POLICY = { environment: { allow: ['FEATURE_FLAG', 'MY_*'], secrets: [] } };

/** Run the fake conda-build with HOST_VARS in this process's env and env('MY_TOKEN') known; returns the tool's env. */
async function toolEnvOf(dir: string, plugins: Plugin[], makeTool: (task: ReturnType<typeof recipeTask>) => void) {
  Object.assign(process.env, HOST_VARS);
  try {
    env('MY_TOKEN'); // a config's secret handle: MY_TOKEN is a secret from now on
    const { recipe, channel } = recipeFixture(dir, 'meta.yaml');
    const run = new Engine(testConfig(plugins, POLICY)).createRun();
    const task = recipeTask(dir, run, recipe, { channels: [channel] });
    task.node = { ...task.node, variants: [withScriptEnv(['FEATURE_FLAG', 'MY_REGION', 'MY_TOKEN', 'UNLISTED_VAR'])] };
    makeTool(task);
    await run.hooks.build.for('linux-64').promise(task);
    const log = readFileSync(task.logFile, 'utf8');
    assert.match(log, "script_env: not passed (not allowed by the config's environment.allow): MY_TOKEN UNLISTED_VAR");
    return readFileSync(join(task.workDir, 'conda-build', 'env.txt'), 'utf8');
  } finally {
    for (const k of Object.keys(HOST_VARS)) delete process.env[k];
    clearSecrets();
  }
}

builder('script_env: the tool gets the listed variables the config allows; never the secret (a prefix does not match it), never the unlisted', async ({ dir }) => {
  const env = await toolEnvOf(dir, [condaBuildBuilder(), hostRunner()], () => fakeOnPath(dir, { package: PKG }));
  assert.match(env, /^FEATURE_FLAG=on$/m);
  assert.match(env, /^MY_REGION=eu-west$/m);
  assert.not.match(env, /MY_TOKEN|UNLISTED_VAR|cb-token-5150/);
});

builder('script_env in a podman container: the same rule (the container runner passes what the config allows)', async ({ dir }) => {
  const image = await ensureTestImage();
  const tool = join(dir, 'work', 'tools', 'conda-build');
  const env = await toolEnvOf(dir, [condaBuildBuilder({ command: tool }), containerRunner({ images: { 'linux-64': image } })], (task) => {
    mkdirSync(task.workDir, { recursive: true });
    writeFakeTool(tool, { outputFlag: '--output-folder', subdir: 'linux-64', package: PKG });
  });
  assert.match(env, /^FEATURE_FLAG=on$/m);
  assert.match(env, /^MY_REGION=eu-west$/m);
  assert.not.match(env, /MY_TOKEN|UNLISTED_VAR|cb-token-5150/);
});

builder('in a podman container: the builder paths work unchanged through the container runner', async ({ dir }) => {
  const image = await ensureTestImage();
  const { recipe, channel } = recipeFixture(dir, 'meta.yaml');
  const run = new Engine(testConfig([condaBuildBuilder({ command: join(dir, 'work', 'tools', 'conda-build') }), containerRunner({ images: { 'linux-64': image } })])).createRun();
  const task = recipeTask(dir, run, recipe, { channels: [channel] });
  // The tool lives in the task's work dir, which the builder mounts read-write.
  mkdirSync(task.workDir, { recursive: true });
  writeFakeTool(join(task.workDir, 'tools', 'conda-build'), { outputFlag: '--output-folder', subdir: 'linux-64', package: PKG });
  writeFileSync(join(recipe.dir, 'build.sh'), 'echo hi\n');
  const result = await run.hooks.build.for('linux-64').promise(task);
  assert.equal(result?.artifacts.map((a) => a.filename), [PKG]);
  assert.is(readFileSync(join(task.outputChannel, 'linux-64', PKG), 'utf8'), `package bytes of ${PKG}\n`);
  const log = readFileSync(task.logFile, 'utf8');
  assert.match(log, '[rebuild:runner-container] podman run');
  assert.match(log, '--network none');
  assert.match(log, 'fake tool: building into');
});

builder.run();
