import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import type { PackageRecord } from '../../core/conda/repodata.ts';
import type { Plan } from '../../core/graph/plan.ts';
import { testConfig } from '../../core/graph/fixtures/recipes.ts';
import { select } from '../select/index.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { channelSource, planFromChannel } from './index.ts';
import { builtForPython } from './channel-records.ts';
import { retargetSpec } from './render-record.ts';
import { writeDefaults2018Channel } from '../../data/defaults-2018/channel.ts';


function rec(name: string, version: string, build: string, depends: string[], extra: Partial<PackageRecord> = {}): [string, PackageRecord] {
  return [`${name}-${version}-${build}.tar.bz2`, { name, version, build, build_number: Number(build.split('_').pop()) || 0, depends, subdir: 'linux-64', ...extra }];
}

function writeChannel(root: string, subdir: string, records: [string, PackageRecord][]): void {
  mkdirSync(join(root, subdir), { recursive: true });
  const packages = Object.fromEntries(records.map(([f, r]) => [f, { ...r, subdir }]));
  writeFileSync(join(root, subdir, 'repodata.json'), JSON.stringify({ info: { subdir }, packages, 'packages.conda': {}, repodata_version: 1 }));
}

const PY36 = 'python >=3.6,<3.7.0a0';

/** A tiny channel: a C library, python 3.6 and 3.7, packages built for 2.7 and/or 3.6, a noarch one. */
function tinyChannel(root: string): void {
  writeChannel(root, 'linux-64', [
    rec('libfoo', '1.2', 'h1_0', ['libgcc-ng >=7']),
    rec('python', '3.6.5', 'hc3d631a_2', ['libfoo', 'openssl >=1.0.2o']),
    rec('python', '3.7.0', 'hc3d631a_0', ['libfoo', 'openssl >=1.1']),
    rec('cpkg', '1.0', 'py36h1_0', ['libfoo >=1.2', PY36]),
    rec('dep-a', '1.0', 'py36h1_0', [PY36]),
    rec('dep-a', '2.0', 'py36h1_1', [PY36]),
    rec('dep-a', '3.0', 'py27h1_0', ['python >=2.7,<2.8.0a0']),
    rec('app', '0.5', 'py36_0', ['dep-a >=2', 'cpkg', 'python 3.6*', 'purepy']),
    rec('oldonly', '4.0', 'py27_0', ['python >=2.7,<2.8.0a0']),
    rec('tool', '1.0', 'h2_0', ['python', 'libfoo']),
  ]);
  writeChannel(root, 'noarch', [
    rec('purepy', '2.1', 'py_0', ['python >=3.5'], { noarch: 'python' }),
    rec('py2only', '1.0', 'py_0', ['python <3'], { noarch: 'python' }),
  ]);
}

function engine(overrides: Partial<ResolvedConfig> = {}): Engine {
  return new Engine(testConfig({ python: { from: '3.6', to: '3.7' }, plugins: [select()], ...overrides }));
}

const node = (p: Plan, id: string) => {
  const n = p.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id} in ${p.nodes.map((x) => x.id).join(', ')}`);
  return n;
};
const stageOf = (p: Plan, id: string) => p.stages.findIndex((s) => s.includes(id));

// ------------------------------------------------------------------ unit helpers

const helpers = suite('source-channel helpers');

helpers('builtForPython: a python pin, a py36 build string, a noarch record admitting it', () => {
  const r = (build: string, depends: string[], extra: Partial<PackageRecord> = {}) => rec('x', '1', build, depends, extra)[1];
  assert.ok(builtForPython(r('py36h1_0', [PY36]), '3.6'));
  assert.ok(builtForPython(r('h1_0', ['python 3.6*']), '3.6'));
  assert.ok(builtForPython(r('py36_0', []), '3.6'));
  assert.not.ok(builtForPython(r('py27_0', ['python >=2.7,<2.8.0a0']), '3.6'));
  // `python` without a pin is not built for one python (a tool using python at run time).
  assert.not.ok(builtForPython(r('h1_0', ['python']), '3.6'));
  assert.ok(builtForPython(r('py_0', ['python >=3.5'], { noarch: 'python' }), '3.6'));
  assert.not.ok(builtForPython(r('py_0', ['python <3'], { noarch: 'python' }), '3.6'));
});

helpers('retargetSpec moves python pins of arch records only', () => {
  assert.is(retargetSpec(PY36, '3.7', null), 'python 3.7.*');
  assert.is(retargetSpec('python 3.6*', '3.7', null), 'python 3.7.*');
  assert.is(retargetSpec('python_abi 3.6.* *_cp36m', '3.7', null), 'python_abi 3.7.*');
  assert.is(retargetSpec('python-dateutil >=2.5', '3.7', null), 'python-dateutil >=2.5');
  assert.is(retargetSpec('python >=3.5', '3.7', 'python'), 'python >=3.5');
});

helpers('options are validated', () => {
  assert.throws(() => channelSource({} as never), (e: Error) => e instanceof PluginOptionsError && /channel/.test(e.message));
});

helpers.run();

// ------------------------------------------------------------------ a tiny channel

const tiny = suite('source-channel: tiny channel', { root: '' });

tiny.before((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-source-channel-'));
  tinyChannel(ctx.root);
});
tiny.after((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

tiny('one recipe per name built for the old python, rendered from its newest such record', async ({ root }) => {
  const [plan] = await planFromChannel(engine(), root);
  assert.equal(plan.nodes.map((n) => n.id).sort(), ['app', 'cpkg', 'dep-a', 'purepy', 'python', 'python@bootstrap']);
  const depA = plan.graph.getNodeAttributes('dep-a');
  assert.is(depA.variants[0].outputs[0].version, '2.0');
  assert.is(depA.recipe?.format, 'repodata');
  const app = plan.graph.getNodeAttributes('app').variants[0].outputs[0];
  assert.equal(app.requirements.host, ['dep-a >=2', 'cpkg', 'python 3.7.*', 'purepy']);
  assert.equal(app.requirements.run, app.requirements.host);
  assert.is(node(plan, 'app').pythonDependency, 'host: python 3.7.*');
});

tiny('python is planned at the target version and bootstrapped; noarch: python is excluded', async ({ root }) => {
  const [plan] = await planFromChannel(engine(), root);
  assert.is(plan.graph.getNodeAttributes('python').variants[0].outputs[0].version, '3.7.0');
  assert.is(node(plan, 'purepy').status, 'excluded');
  assert.is(node(plan, 'purepy').kind, 'noarch');
  assert.is(plan.graph.getNodeAttributes('purepy').variants[0].outputs[0].noarch, 'python');
  assert.equal(plan.errors, []);
});

tiny('edges from depends block builds: dependencies come first', async ({ root }) => {
  const [plan] = await planFromChannel(engine(), root);
  assert.ok(plan.graph.getEdgeAttributes('dep-a', 'app').blocksBuild);
  assert.ok(stageOf(plan, 'python') < stageOf(plan, 'cpkg'));
  assert.ok(stageOf(plan, 'cpkg') < stageOf(plan, 'app'));
  assert.ok(stageOf(plan, 'dep-a') < stageOf(plan, 'app'));
  assert.equal(plan.criticalPath.slice(-2), [plan.criticalPath.at(-2), 'app']);
  assert.is(plan.counts.planned, 5);
});

tiny('a name without an old-python build in a target subdir is skipped there', async ({ root }) => {
  writeChannel(join(root, 'multi'), 'linux-64', [rec('dep-a', '2.0', 'py36h1_1', [PY36])]);
  writeChannel(join(root, 'multi'), 'osx-64', [rec('mac-only', '1.0', 'py36_0', [PY36])]);
  const plans = await planFromChannel(engine({ arches: ['linux-64', 'osx-64'] }), join(root, 'multi'));
  const [linux, osx] = plans;
  assert.is(node(linux, 'mac-only').kind, 'skipped');
  assert.is(node(osx, 'mac-only').status, 'planned');
  assert.is(node(osx, 'dep-a').kind, 'skipped');
});

tiny('the plugin in a config replaces the aggregates through run.hooks.discover', async ({ root }) => {
  const e = engine({ plugins: [channelSource({ channel: `file://${root}` }), select()] });
  const run = e.createRun();
  const recipes = await run.hooks.discover.promise([]);
  assert.equal(recipes.map((r) => r.feedstock), ['app', 'cpkg', 'dep-a', 'purepy', 'python']);
  assert.ok(recipes.every((r) => r.format === 'repodata' && r.aggregate === root));
});

tiny('an unreadable channel fails with its path', async () => {
  await planFromChannel(engine(), '/nonexistent/channel').then(
    () => assert.unreachable('should fail'),
    (err: Error) => assert.match(String(err.message), /\/nonexistent\/channel/),
  );
});

tiny.run();

// ------------------------------------------------------------------ the real 2018 channel

const real = suite('source-channel: defaults 2018, python 3.6 → 3.7', { root: '', plan: null as unknown as Plan });

real.before(async (ctx) => {
  // The data carried in the repo (data/defaults-2018), laid out as a channel.
  ctx.root = writeDefaults2018Channel(mkdtempSync(join(tmpdir(), 'rebuild-defaults-2018-')));
  [ctx.plan] = await planFromChannel(engine(), ctx.root);
});
real.after((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

real('python-dependent packages are planned; C libraries are not in the rebuild', ({ plan }) => {
  for (const id of ['six', 'cffi', 'cryptography', 'pandas', 'python']) assert.ok(plan.nodes.some((n) => n.id === id), id);
  assert.is(node(plan, 'cffi').status, 'planned');
  assert.is(node(plan, 'six').status, 'planned');
  // openssl and zlib have no python pin in any build: no node at all (met from the channel).
  assert.not.ok(plan.nodes.some((n) => n.id === 'openssl' || n.id === 'zlib'));
  // cryptography 2.3 py36 is the newest build for 3.6.
  assert.is(plan.graph.getNodeAttributes('cryptography').variants[0].outputs[0].version, '2.3');
});

real('order: pycparser → cffi → cryptography, and python before everything built with it', ({ plan }) => {
  assert.ok(stageOf(plan, 'pycparser') < stageOf(plan, 'cffi'));
  assert.ok(stageOf(plan, 'cffi') < stageOf(plan, 'cryptography'));
  assert.ok(stageOf(plan, 'python') < stageOf(plan, 'six'));
  assert.is(plan.criticalPath[0], 'python@bootstrap');
});

real('numpy ↔ mkl_fft/mkl_random is a real cycle of the data: an error naming it, dependents blocked', ({ plan }) => {
  // mkl_fft 1.0.4 py36 depends on numpy >=1.11.3; numpy 1.15 py36 depends on mkl_fft.
  const cycle = plan.errors.find((e) => e.kind === 'cycle');
  assert.ok(cycle);
  assert.ok(cycle.nodes.includes('mkl_fft') && cycle.nodes.includes('mkl_random'));
  assert.is(node(plan, 'pandas').status, 'blocked');
});

real('counts', ({ plan }) => {
  assert.ok(plan.counts.planned > 150, `planned ${plan.counts.planned}`);
  assert.ok(plan.stages.length >= 10);
});

real.run();
