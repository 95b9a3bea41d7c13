import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { select, presentForPython } from './index.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { recordPinsPython } from '../../core/graph/python-dependency.ts';
import { planTarget } from '../../core/graph/plan-target.ts';
import { output, recipesOf, testRun, type FakeAggregate } from '../../core/graph/fixtures/recipes.ts';
import type { PackageRecord } from '../../core/conda/repodata.ts';
import type { RenderedRecipe, Target } from '../../core/model/types.ts';
import { nodeFromSummary } from '../../core/graph/render-nodes.ts';

const record = (name: string, build: string, depends: string[] = []): PackageRecord => ({ name, version: '1.0', build, build_number: 0, depends, subdir: 'linux-64' });
const noBootstrap = { bootstrap: { python: false, chain: [], variants: {} } };

const pins = suite('recordPinsPython');

pins('a py313 build string or a python/python_abi pin for 3.13 counts; loose or other pins do not', () => {
  assert.ok(recordPinsPython(record('a', 'py313h1a2b3c4_0'), '3.13'));
  assert.ok(recordPinsPython(record('a', 'np126py313h1a2b3c4_0'), '3.13'));
  assert.ok(recordPinsPython(record('a', 'h0_0', ['python >=3.13,<3.14.0a0']), '3.13'));
  assert.ok(recordPinsPython(record('a', 'h0_0', ['python_abi 3.13.* *_cp313']), '3.13'));
  assert.not.ok(recordPinsPython(record('a', 'py312h1a2b3c4_0', ['python >=3.12,<3.13.0a0']), '3.13'));
  assert.not.ok(recordPinsPython(record('a', 'pyhd8ed1ab_0', ['python >=3.6']), '3.13'));
  assert.not.ok(recordPinsPython(record('a', 'h0_0', ['openssl >=3']), '3.13'));
});

pins.run();

const plugin = suite('rebuild:select');

function channel(records: Record<string, PackageRecord>) {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-select-'));
  mkdirSync(join(dir, 'linux-64'));
  writeFileSync(join(dir, 'linux-64', 'repodata.json'), JSON.stringify({ info: { subdir: 'linux-64' }, packages: records, 'packages.conda': {}, repodata_version: 1 }));
  return dir;
}

plugin('packages already built for the new python in the target channel are present, not rebuilt', async () => {
  const dir = channel({
    'six-1.16.0-py313_0.tar.bz2': { ...record('six', 'py313_0'), version: '1.16.0' },
    'attrs-23.1-py312_0.tar.bz2': record('attrs', 'py312_0', ['python >=3.12,<3.13.0a0']),
    'libfoo-1.0-py313_0.tar.bz2': record('libfoo', 'py313_0'),
  });
  try {
    const agg: FakeAggregate = {
      six: { host: ['python'] },
      attrs: { host: ['python'] },
      // Only one of its two python outputs is in the channel: still rebuilt.
      foo: [output('libfoo', { host: ['python'] }), output('py-foo', { host: ['python'] })],
      user: { host: ['python', 'six'] },
    };
    const run = testRun(agg, { ...noBootstrap, channels: { reference: null, target: dir, build: [], staging: null, production: null, tested: '/tmp/tested' } }, [select()]);
    const p = await planTarget(run, { subdir: 'linux-64', python: '3.13' }, { recipes: recipesOf(agg) });
    const six = p.nodes.find((n) => n.id === 'six')!;
    assert.is(six.status, 'present');
    assert.is(six.reason, `already in ${dir} for python 3.13 (six-1.16.0-py313_0)`);
    assert.is(p.nodes.find((n) => n.id === 'attrs')!.status, 'planned');
    assert.is(p.nodes.find((n) => n.id === 'foo')!.status, 'planned');
    // A present dependency does not block (it is already there).
    assert.is(p.nodes.find((n) => n.id === 'user')!.status, 'planned');
    assert.equal(p.stages, [['attrs', 'foo', 'user']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plugin('production is the target channel by default; options can turn a veto off', async () => {
  const dir = channel({ 'six-1.0-py313_0.tar.bz2': record('six', 'py313_0') });
  try {
    const agg: FakeAggregate = { six: { host: ['python'] }, purepy: { noarch: 'python', run: ['python'] } };
    const channels = { reference: null, target: null, build: [], staging: null, production: dir, tested: '/tmp/tested' };
    const on = await planTarget(testRun(agg, { ...noBootstrap, channels }, [select()]), { subdir: 'linux-64', python: '3.13' }, { recipes: recipesOf(agg) });
    assert.is(on.nodes.find((n) => n.id === 'six')!.status, 'present');
    const off = await planTarget(testRun(agg, { ...noBootstrap, channels }, [select({ present: false, noarch: false })]), { subdir: 'linux-64', python: '3.13' }, { recipes: recipesOf(agg) });
    assert.equal(off.nodes.map((n) => n.status), ['planned', 'planned']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plugin('a node made from a kept summary is vetoed as noarch without reading its variants (also with an empty target channel)', async () => {
  const dir = channel({});
  try {
    const agg: FakeAggregate = { six: { host: ['python'] } };
    const run = testRun(agg, { ...noBootstrap, channels: { reference: null, target: dir, build: [], staging: null, production: null, tested: '/tmp/tested' } }, [select()]);
    const target: Target = { subdir: 'linux-64', python: '3.13' };
    await run.hooks.prepareSelect.promise(target);
    const rendered = {
      recipe: recipesOf(agg)[0],
      target,
      warnings: [],
      get variants(): never {
        throw new Error('the variants were read');
      },
    } as unknown as RenderedRecipe;
    const summary = { outputs: ['six'], pythonDependency: 'python', skipped: false };
    assert.is(run.hooks.select.call(nodeFromSummary('six', rendered, { ...summary, allNoarch: true }))?.kind, 'noarch');
    assert.is(run.hooks.select.call(nodeFromSummary('six', rendered, { ...summary, allNoarch: false })), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plugin('presentForPython indexes both package maps by name', () => {
  const m = presentForPython(
    { info: { subdir: 'linux-64' }, packages: { 'a-1.0-py313_0.tar.bz2': record('a', 'py313_0') }, 'packages.conda': { 'b-1.0-py313_0.conda': record('B', 'py313_0') }, repodata_version: 1 },
    '3.13',
  );
  assert.equal([...m.keys()].sort(), ['a', 'b']);
});

plugin('blocklist entries match outputs too, and name the entry', async () => {
  const agg: FakeAggregate = { tf: [output('tensorflow-base', { host: ['python'] })], user: { host: ['python', 'tensorflow-base'] } };
  const blocklist = [{ name: 'tensorflow-base', reason: 'not-ready' as const }];
  const p = await planTarget(testRun(agg, { ...noBootstrap, blocklist }, [select()]), { subdir: 'linux-64', python: '3.13' }, { recipes: recipesOf(agg) });
  const tf = p.nodes.find((n) => n.id === 'tf')!;
  assert.is(tf.kind, 'blocklist');
  assert.is(tf.reason, 'blocklisted (not-ready)');
  assert.is(p.nodes.find((n) => n.id === 'user')!.reason, 'blocked by tf (not-ready)');
  assert.equal(p.graph.getNodeAttributes('user').exclusion!.blocklist, blocklist[0]);
});

plugin('bad options fail at the factory, naming the plugin and the option', () => {
  assert.throws(() => select({ present: 'no' } as never), (e: Error) => e instanceof PluginOptionsError && /invalid options for rebuild:select:\n  - options\.present must be boolean/.test(e.message));
  assert.throws(() => select({ blocklists: false } as never), (e: Error) => e instanceof PluginOptionsError && /rebuild:select[\s\S]*unknown option 'blocklists'/.test(e.message));
  assert.is(select({ blocklist: false, noarch: false, present: false }).name, 'rebuild:select');
});

plugin.run();
