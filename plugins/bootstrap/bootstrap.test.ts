import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { executeRun } from '../../core/engine/execute.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { StateDb } from '../../core/state/state-db.ts';
import { fakeBuilder } from '../../tests/fixtures/fake-builder.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakePlan } from '../../tests/fixtures/fake-plan.ts';
import { bootstrap, bootstrapAncestors, finalBuildOf } from './index.ts';

// The python chain as the planner wires it: python@bootstrap → certifi → setuptools → wheel → pip
// → python; `six` needs the final python; `attrs` needs setuptools only.
const CHAIN = {
  'python@bootstrap': [],
  certifi: ['python@bootstrap'],
  setuptools: ['python@bootstrap', 'certifi'],
  wheel: ['python@bootstrap', 'setuptools'],
  pip: ['python@bootstrap', 'setuptools', 'wheel'],
  python: ['certifi', 'setuptools', 'wheel', 'pip'],
  six: ['python'],
  attrs: ['setuptools'],
};

const boot = suite('bootstrap plugin');

boot.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-boot-'));
});
boot.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

async function runChain(dir: string, extra: Plugin[] = []) {
  const seen: { id: string; output: string; channels: string[] }[] = [];
  const published: string[] = [];
  const publisher: Plugin = {
    name: 'test:publisher',
    apply: (e) => e.hooks.run.tap('test:publisher', (run) => {
      run.hooks.publish.tapPromise('test:publisher', async (group) => {
        const artifacts = group.members.flatMap((m) => m.artifacts);
        published.push(...artifacts.map((a) => a.filename));
        return { publisher: 'test:publisher', published: artifacts, channel: 'test' };
      });
    }),
  };
  const engine = new Engine(fakeConfig(dir, [
    bootstrap(),
    fakeBuilder({ onBuild: (t) => void seen.push({ id: t.id, output: t.outputChannel, channels: t.channels }) }),
    publisher,
    ...extra,
  ]));
  const run = engine.createRun();
  const plan = fakePlan(run.targets[0], CHAIN);
  run.hooks.planned.call(plan); // as planTarget does
  const outcome = await executeRun(run, [plan], { indexChannel: async () => {}, notice: () => {} });
  return { outcome, seen, published };
}

boot('builds python@bootstrap, then certifi/setuptools/wheel/pip, then python', async (ctx) => {
  const { outcome, seen } = await runChain(ctx.dir);
  assert.is(outcome.exitCode, 0);
  const order = seen.map((s) => s.id);
  assert.is(order[0], 'python@bootstrap');
  const at = (id: string) => order.indexOf(id);
  assert.ok(at('certifi') < at('setuptools') && at('setuptools') < at('wheel') && at('wheel') < at('pip') && at('pip') < at('python'), order.join(' '));
  assert.ok(at('python') < at('six'));
});

boot('the bootstrap build writes into the bootstrap channel; dependents resolve from it until python is final', async (ctx) => {
  const { seen } = await runChain(ctx.dir);
  const out = join(ctx.dir, 'channel');
  const bootDir = join(ctx.dir, 'bootstrap-channel');
  const task = (id: string) => seen.find((s) => s.id === id)!;
  assert.is(task('python@bootstrap').output, bootDir);
  assert.ok(existsSync(join(bootDir, 'linux-64', 'python-1.0-py313_0_bootstrap.tar.bz2')));
  assert.ok(existsSync(join(out, 'linux-64', 'python-1.0-py313_0.tar.bz2')));
  // The members of the cycle python's final build closes are built against the bootstrap build:
  // its channel first. The others: after the output channel (the final build supersedes it).
  for (const id of ['certifi', 'setuptools', 'wheel', 'pip']) {
    assert.equal(task(id).channels, [bootDir, out, '/fake/conda-forge'], id);
    assert.is(task(id).output, out);
  }
  for (const id of ['python', 'attrs']) {
    assert.equal(task(id).channels, [out, bootDir, '/fake/conda-forge'], id);
    assert.is(task(id).output, out);
  }
  assert.equal(task('six').channels, [out, '/fake/conda-forge']);
});

boot('bootstrap artifacts are never published; everything is visible in the state', async (ctx) => {
  const { published } = await runChain(ctx.dir);
  assert.not.ok(published.some((f) => f.includes('bootstrap')), published.join(' '));
  assert.ok(published.includes('python-1.0-py313_0.tar.bz2'));
  const db = StateDb.open(ctx.dir, { readonly: true });
  try {
    const row = db.getPackage({ node: 'python@bootstrap', subdir: 'linux-64', python: '3.13' })!;
    assert.is(row.status, 'built');
    assert.is(db.getPackage({ node: 'python', subdir: 'linux-64', python: '3.13' })!.status, 'published');
  } finally {
    db.close();
  }
});

boot('a resumed run knows python is final: a new dependent of setuptools gets no bootstrap channel', async (ctx) => {
  await runChain(ctx.dir);
  const seen: { id: string; channels: string[] }[] = [];
  const engine = new Engine(fakeConfig(ctx.dir, [bootstrap(), fakeBuilder({ onBuild: (t) => void seen.push({ id: t.id, channels: t.channels }) })]));
  const run = engine.createRun();
  const plan = fakePlan(run.targets[0], { ...CHAIN, toml: ['setuptools'] });
  run.hooks.planned.call(plan);
  await executeRun(run, [plan], { indexChannel: async () => {}, notice: () => {} });
  assert.equal(seen, [{ id: 'toml', channels: [join(ctx.dir, 'channel'), '/fake/conda-forge'] }]);
});

boot('a chain member rebuilt after python is final (its artifact was deleted) still resolves from the bootstrap channel first', async (ctx) => {
  await runChain(ctx.dir);
  const seen: { id: string; channels: string[] }[] = [];
  const engine = new Engine(fakeConfig(ctx.dir, [bootstrap(), fakeBuilder({ onBuild: (t) => void seen.push({ id: t.id, channels: t.channels }) })]));
  const run = engine.createRun();
  // certifi's recipe changed: rebuilt alone (with its dependents), while python's final build is in the channel.
  const plan = fakePlan(run.targets[0], { ...CHAIN, certifi: { deps: ['python@bootstrap'], recipeHash: 'certifi-v2' } });
  run.hooks.planned.call(plan);
  await executeRun(run, [plan], { indexChannel: async () => {}, notice: () => {} });
  const certifi = seen.find((s) => s.id === 'certifi');
  assert.ok(certifi, seen.map((s) => s.id).join(' '));
  assert.equal(certifi!.channels, [join(ctx.dir, 'bootstrap-channel'), join(ctx.dir, 'channel'), '/fake/conda-forge']);
});

boot('graph helpers :: bootstrap ancestors over build edges; the final build of a bootstrap node', () => {
  const plan = fakePlan({ subdir: 'linux-64', python: '3.13' }, { ...CHAIN, docs: { deps: [], runDeps: ['python@bootstrap'] } });
  assert.equal(bootstrapAncestors(plan.graph, 'attrs').map((n) => n.id), ['python@bootstrap']);
  assert.equal(bootstrapAncestors(plan.graph, 'docs'), []);
  assert.is(finalBuildOf(plan.graph, plan.graph.getNodeAttributes('python@bootstrap')), 'python');
});

boot.run();

const opts = suite('bootstrap options');

opts('bad options fail at the factory, naming the plugin and the option', () => {
  assert.throws(() => bootstrap({ channelDir: 7 } as never), (e: Error) => e instanceof PluginOptionsError && /invalid options for rebuild:bootstrap:\n  - options\.channelDir must be string/.test(e.message));
  assert.throws(() => bootstrap({ channel: '/x' } as never), (e: Error) => e instanceof PluginOptionsError && /rebuild:bootstrap[\s\S]*unknown option 'channel'/.test(e.message));
  assert.is(bootstrap({ channelDir: '/tmp/boot' }).name, 'rebuild:bootstrap');
});

opts.run();
