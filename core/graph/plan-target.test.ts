import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planRun, planTarget } from './plan-target.ts';
import { output, recipeRef, recipesOf, testEngine, testRun, variant, type FakeAggregate } from './fixtures/recipes.ts';
import { select } from '../../plugins/select/index.ts';
import type { Plan } from './plan.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import type { Plugin } from '../model/plugin.ts';
import type { Target } from '../model/types.ts';
import { RecipeRenderError } from '../recipes/render-error.ts';

const LINUX: Target = { subdir: 'linux-64', python: '3.13' };
const WIN: Target = { subdir: 'win-64', python: '3.13' };
const noBootstrap = { bootstrap: { python: false, chain: [], variants: {} } };

async function plan(aggregate: FakeAggregate, config: Partial<ResolvedConfig> = {}, plugins: Plugin[] = [select()], target = LINUX): Promise<Plan> {
  return planTarget(testRun(aggregate, config, plugins), target, { recipes: recipesOf(aggregate) });
}
const node = (p: Plan, id: string) => {
  const n = p.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id} in ${p.nodes.map((x) => x.id).join(', ')}`);
  return n;
};
const deps = (p: Plan, id: string) => node(p, id).dependsOn.map((d) => `${d.id} ${d.section} ${d.spec}${d.via ? ` via ${d.via.join('>')}` : ''}`);
const edge = (p: Plan, from: string, to: string) => p.graph.getEdgeAttributes(p.graph.edge(from, to)!);
const stageOf = (p: Plan, id: string) => p.stages.findIndex((s) => s.includes(id));

// ------------------------------------------------------------------ selection

const selection = suite('planTarget: selection');

selection('python in build, host, run or a python_abi pin puts a feedstock in the set; none keeps it out', async () => {
  const p = await plan(
    {
      python: { version: '3.13.1' },
      hosty: { host: ['python 3.13.*'] },
      buildy: { build: ['python'] },
      runny: { run: ['python >=3.13,<3.14.0a0'] },
      abi: { run: ['python_abi 3.13.* *_cp313'] },
      zlib: { host: ['make'] },
      usezlib: { host: ['zlib', 'python'] },
    },
    noBootstrap,
  );
  assert.equal(node(p, 'hosty').pythonDependency, 'host: python 3.13.*');
  assert.equal(node(p, 'buildy').pythonDependency, 'build: python');
  assert.equal(node(p, 'runny').pythonDependency, 'run: python >=3.13,<3.14.0a0');
  assert.equal(node(p, 'abi').pythonDependency, 'run: python_abi 3.13.* *_cp313');
  assert.equal(node(p, 'python').pythonDependency, 'provides python');
  for (const id of ['hosty', 'buildy', 'runny', 'abi', 'python', 'usezlib']) assert.is(node(p, id).status, 'planned', id);
  assert.is(node(p, 'zlib').status, 'excluded');
  assert.is(node(p, 'zlib').kind, 'no-python');
  // A no-python node stays in the graph so edges through it can be explained, but is never staged.
  assert.equal(deps(p, 'usezlib'), ['python host python', 'zlib host zlib']);
  assert.not.ok(p.stages.flat().includes('zlib'));
  assert.equal(p.counts, { planned: 6, present: 0, excluded: 1, blocked: 0, error: 0 });
});

selection('noarch: python is excluded unless selection.noarch; a feedstock with one arch output stays', async () => {
  const agg: FakeAggregate = {
    purepy: { noarch: 'python', run: ['python >=3.8'] },
    mixed: [output('mixed-core', { host: ['python'] }), output('mixed-docs', { noarch: 'python', run: ['python'] })],
  };
  const p = await plan(agg, noBootstrap);
  assert.is(node(p, 'purepy').status, 'excluded');
  assert.is(node(p, 'purepy').kind, 'noarch');
  assert.is(node(p, 'mixed').status, 'planned');
  const withNoarch = await plan(agg, { ...noBootstrap, selection: { noarch: true, prefer: {}, only: [] } });
  assert.is(node(withNoarch, 'purepy').status, 'planned');
});

selection('every variant skipped for the target :: excluded as skipped', async () => {
  const p = await plan({ winonly: (t) => [variant([output('winonly', { host: ['python'] })], t.subdir !== 'win-64')] }, noBootstrap);
  assert.is(node(p, 'winonly').kind, 'skipped');
  assert.match(node(p, 'winonly').reason!, /every variant is skipped for linux-64\/py3.13/);
});

selection('a plugin veto on run.hooks.select applies with its structured reason', async () => {
  const veto: Plugin = {
    name: 'test:veto',
    apply: (e) => e.hooks.run.tap('test:veto', (run) => run.hooks.select.tap('test:veto', (n) => (n.id === 'b' ? { status: 'excluded', kind: 'policy', reason: 'not this year' } : undefined))),
  };
  const p = await plan({ a: { host: ['python'] }, b: { host: ['python'] } }, noBootstrap, [veto]);
  assert.is(node(p, 'b').status, 'excluded');
  assert.is(node(p, 'b').reason, 'not this year');
  assert.is(node(p, 'a').status, 'planned');
});

selection('blocklist with arches: the entry and everything depending on it through blocking edges', async () => {
  const agg: FakeAggregate = {
    tensorflow: { version: '2.16.1', host: ['python'] },
    keras: { host: ['python', 'tensorflow >=2'] },
    kapp: { host: ['python', 'keras'] },
    tfviz: { host: ['python'], run: ['tensorflow'] },
  };
  const blocklist = [{ name: 'tensorflow', reason: 'too-heavy' as const, note: 'CUDA builds', arches: ['linux-64' as const] }];
  const p = await plan(agg, { ...noBootstrap, blocklist });
  assert.is(node(p, 'tensorflow').status, 'excluded');
  assert.is(node(p, 'tensorflow').reason, 'blocklisted (too-heavy: CUDA builds)');
  assert.is(node(p, 'keras').status, 'blocked');
  assert.is(node(p, 'keras').reason, 'blocked by tensorflow (too-heavy: CUDA builds)');
  assert.is(node(p, 'kapp').reason, 'blocked by tensorflow (too-heavy: CUDA builds)');
  // Only a run requirement: it does not wait on tensorflow's build.
  assert.is(node(p, 'tfviz').status, 'planned');
  const osx = await plan(agg, { ...noBootstrap, blocklist, arches: ['linux-64', 'osx-arm64'] }, [select()], { subdir: 'osx-arm64', python: '3.13' });
  assert.ok(osx.nodes.every((n) => n.status === 'planned'));
});

selection.run();

// ------------------------------------------------------------------ edges

const edges = suite('planTarget: edges');

edges('build/host edges block, with the run requirements of host deps pulled in via a chain', async () => {
  const p = await plan(
    {
      numpy: { version: '2.1.0', host: ['python'], run: ['python', 'ext1 >=1'] },
      ext1: { host: ['python'], run: ['ext2'] },
      ext2: { host: ['python'] },
      runonly: { host: ['python'] },
      pytest: { host: ['python'] },
      app: { host: ['python', 'numpy 2.*'], run: ['python', 'numpy', 'runonly'], test: ['pytest'] },
    },
    noBootstrap,
  );
  assert.equal(deps(p, 'app'), [
    'ext1 host ext1 >=1 via numpy',
    'ext2 host ext2 via numpy>ext1',
    'numpy host numpy 2.*',
    'numpy run numpy',
    'pytest test pytest',
    'runonly run runonly',
  ]);
  assert.ok(edge(p, 'numpy', 'app').blocksBuild);
  assert.ok(edge(p, 'ext2', 'app').blocksBuild);
  assert.not.ok(edge(p, 'runonly', 'app').blocksBuild);
  assert.not.ok(edge(p, 'pytest', 'app').blocksBuild);
  assert.ok(stageOf(p, 'app') > stageOf(p, 'ext2'));
  assert.is(stageOf(p, 'runonly'), 0);
  // numpy's run requirements do not block numpy itself: all five build first, together.
  assert.is(stageOf(p, 'app'), 1);
});

edges('own outputs are no edge; unknown names are external; a multi-output sibling pin is not a cycle', async () => {
  const p = await plan(
    { pkg: [output('libpkg', { host: ['zlib'] }), output('py-pkg', { host: ['python', 'libpkg 1.0 h0_0', 'requests'], run: ['libpkg'] })] },
    noBootstrap,
  );
  assert.equal(deps(p, 'pkg'), []);
  assert.equal(p.stages, [['pkg']]);
});

edges('a node that is not rebuilt gets only direct edges from nodes that may be; rebuilt ones get every edge, through excluded ones too', async () => {
  const p = await plan(
    {
      zlib: { host: ['make'] },
      libpng: { host: ['zlib'], run: ['zlib'] },
      freetype: { host: ['libpng', 'pyhelper'], run: ['libpng'] },
      pyhelper: { host: ['python'] },
      app: { host: ['python', 'freetype'] },
    },
    noBootstrap,
  );
  for (const id of ['zlib', 'libpng', 'freetype']) assert.is(node(p, id).kind, 'no-python', id);
  // Between two no-python nodes: no edge (neither is rebuilt, nothing to order or explain).
  assert.equal(deps(p, 'libpng'), []);
  assert.is(p.graph.edge('zlib', 'libpng'), undefined);
  // From a node that may be rebuilt into a no-python one: the direct edge only.
  assert.equal(deps(p, 'freetype'), ['pyhelper host pyhelper']);
  // Into a rebuilt node: everything, pulled in through no-python nodes, with the chain.
  assert.equal(deps(p, 'app'), ['freetype host freetype', 'libpng host libpng via freetype', 'zlib host zlib via freetype>libpng']);
});

edges('per-arch graphs differ :: a win-64-only host dependency', async () => {
  const agg: FakeAggregate = {
    pywin32: (t) => [variant([output('pywin32', { host: ['python'] })], t.subdir !== 'win-64')],
    app: (t) => [output('app', { host: ['python', ...(t.subdir === 'win-64' ? ['pywin32'] : [])] })],
  };
  const run = testRun(agg, { ...noBootstrap, arches: ['linux-64', 'win-64'] }, [select()]);
  const [linux, win] = await planRun(run, { recipes: recipesOf(agg) });
  assert.equal(linux.target, LINUX);
  assert.equal(win.target, WIN);
  assert.equal(deps(linux, 'app'), []);
  assert.is(node(linux, 'pywin32').kind, 'skipped');
  assert.equal(deps(win, 'app'), ['pywin32 host pywin32']);
  assert.equal(win.stages, [['pywin32'], ['app']]);
  assert.not.ok(linux.graph === win.graph);
});

edges.run();

// ------------------------------------------------------------------ output → feedstock

const mapping = suite('planTarget: output → feedstock');

mapping('python-3.10 vs python-3.13 feedstocks :: the one rendering the target python wins', async () => {
  const p = await plan(
    { 'python-3.10': [output('python', { version: '3.10.14' })], 'python-3.13': [output('python', { version: '3.13.1' })], app: { host: ['python'] } },
    noBootstrap,
  );
  assert.equal(deps(p, 'app'), ['python-3.13 host python']);
  assert.is(node(p, 'python-3.10').status, 'excluded');
  assert.is(node(p, 'python-3.10').kind, 'superseded');
  assert.match(node(p, 'python-3.10').reason!, /^superseded by python-3.13 for linux-64\/py3.13: python is built by python-3.13 \(fits the target: python 3.13.1\)/);
  assert.equal(p.errors, []);
});

mapping('two feedstocks for one output :: an error naming both, unless selection.prefer picks one', async () => {
  const agg: FakeAggregate = {
    'foo-a': [output('foo-py', { host: ['python'] })],
    'foo-b': [output('foo-py', { host: ['python'] })],
    app: { host: ['python', 'foo-py'] },
  };
  const p = await plan(agg, noBootstrap);
  assert.is(p.errors.length, 1);
  assert.is(p.errors[0].kind, 'ambiguous-output');
  assert.match(p.errors[0].message, /output foo-py is built by several feedstocks: foo-a, foo-b/);
  assert.equal(p.errors[0].nodes, ['foo-a', 'foo-b']);
  assert.is(node(p, 'foo-a').status, 'error');
  assert.is(node(p, 'foo-b').status, 'error');
  assert.is(node(p, 'app').status, 'blocked');
  assert.ok(p.warnings.some((w) => w.feedstock === 'foo-a' && /several feedstocks/.test(w.message)));

  const preferred = await plan(agg, { ...noBootstrap, selection: { noarch: false, prefer: { 'foo-py': 'foo-b' }, only: [] } });
  assert.equal(preferred.errors, []);
  assert.equal(deps(preferred, 'app'), ['foo-b host foo-py']);
  assert.is(node(preferred, 'foo-a').kind, 'superseded');
});

mapping('extra versions: specs only the older version satisfies depend on it; the main one wins ties', async () => {
  const p = await plan(
    {
      numpy: { version: '2.1.0', host: ['python'] },
      'numpy@1.26': { version: '1.26.4', host: ['python'] },
      old: { host: ['python', 'numpy <2'] },
      new: { host: ['python', 'numpy >=2'] },
      any: { host: ['python', 'numpy'] },
      none: { host: ['python', 'numpy 3.*'] },
    },
    noBootstrap,
  );
  assert.is(node(p, 'numpy@1.26').status, 'planned');
  assert.is(node(p, 'numpy@1.26').extraVersion, '1.26');
  assert.equal(deps(p, 'old'), ['numpy@1.26 host numpy <2']);
  assert.equal(deps(p, 'new'), ['numpy host numpy >=2']);
  assert.equal(deps(p, 'any'), ['numpy host numpy']);
  assert.equal(deps(p, 'none'), []);
  assert.equal(p.errors, []);
});

// An aggregate's newest python on python-feedstock beside branch feedstocks of older pythons, all
// building python and libpython-static.
function pythons(): FakeAggregate {
  const py = (version: string) => [output('python', { version }), output('libpython-static', { version, host: [`python ${version}`] })];
  return {
    python: py('3.14.0'),
    'python-3.12': py('3.12.7'),
    'python-3.13': py('3.13.1'),
    app: { host: ['python', 'libpython-static'] },
  };
}

mapping('feedstocks sharing outputs are chosen as a unit: the one fitting the target builds them all, the others are superseded naming it', async () => {
  const p = await plan(pythons(), noBootstrap);
  assert.equal(p.errors, []);
  assert.equal(deps(p, 'app'), ['python-3.13 host libpython-static', 'python-3.13 host python']);
  for (const id of ['python', 'python-3.12']) {
    assert.is(node(p, id).status, 'excluded', id);
    assert.is(node(p, id).kind, 'superseded', id);
    assert.is(node(p, id).reason, 'superseded by python-3.13 for linux-64/py3.13: python, libpython-static are built by python-3.13 (fits the target: python 3.13.1)');
  }
  assert.is(node(p, 'python-3.13').status, 'planned');
  assert.is(node(p, 'app').status, 'planned');
  // No "also builds outputs chosen from another feedstock" warning: nothing was split between them.
  assert.not.ok(p.warnings.some((w) => /also builds/.test(w.message)), JSON.stringify(p.warnings));
});

mapping('a prefer entry for one shared output decides the whole unit; a candidate skipped for the target is no candidate', async () => {
  const preferred = await plan(pythons(), { ...noBootstrap, selection: { noarch: false, prefer: { python: 'python-3.12' }, only: [] } });
  assert.equal(preferred.errors, []);
  assert.equal(deps(preferred, 'app'), ['python-3.12 host libpython-static', 'python-3.12 host python']);
  assert.match(node(preferred, 'python-3.13').reason!, /^superseded by python-3.12 .*\(selection.prefer\)/);

  const agg = pythons();
  agg['python-3.13'] = () => [variant([output('python', { version: '3.13.1' }), output('libpython-static', { version: '3.13.1' })], true)];
  agg.python = () => [variant([output('python', { version: '3.13.2' }), output('libpython-static', { version: '3.13.2' })])];
  const skipped = await plan(agg, noBootstrap);
  assert.equal(skipped.errors, []);
  assert.equal(deps(skipped, 'app'), ['python host libpython-static', 'python host python']);
  assert.is(node(skipped, 'python-3.13').kind, 'skipped');
});

mapping('run_exports come only from the python the host spec resolves to, not from the newest one in the aggregate', async () => {
  const py = (version: string) => [output('python', { version, runExports: [`python_abi ${version.slice(0, 4)}.* *_cp${version.slice(0, 4).replace('.', '')}`] })];
  const p = await plan({ python: py('3.14.0'), 'python-3.13': py('3.13.1'), app: { host: ['python'] } }, noBootstrap);
  const run = p.graph.getNodeAttributes('app').variants[0].outputs[0].requirements.run;
  assert.equal(run, ['python_abi 3.13.* *_cp313']);
  // With no python for the target in the aggregate, none of them exports (the channel's python does).
  const none = await plan({ python: py('3.14.0'), app: { host: ['python'] } }, noBootstrap);
  assert.equal(none.graph.getNodeAttributes('app').variants[0].outputs[0].requirements.run, []);
});

mapping.run();

// ------------------------------------------------------------------ cycles and bootstrap

const cycles = suite('planTarget: cycles and bootstrap');

// flit's feedstock builds flit-core and flit; flit needs tomli, which is built with flit-core.
const flitAggregate: FakeAggregate = {
  flit: (_t, o) =>
    o.bootstrap === 'true'
      ? [output('flit-core', { host: ['python'] })]
      : [output('flit-core', { host: ['python'] }), output('flit', { host: ['python', 'flit-core', 'tomli'], run: ['flit-core', 'tomli'] })],
  tomli: { host: ['python', 'flit-core'] },
  app: { host: ['python', 'flit'] },
};

cycles('a multi-output feedstock cycle is broken by its declared bootstrap variant', async () => {
  const p = await plan(flitAggregate, { bootstrap: { python: false, chain: [], variants: { flit: { bootstrap: true } } } });
  assert.equal(p.errors, []);
  const boot = node(p, 'flit@bootstrap');
  assert.ok(boot.bootstrap);
  assert.equal(boot.outputs, ['flit-core']);
  assert.equal(p.graph.getNodeAttributes('flit@bootstrap').recipe!.variantOverrides, { bootstrap: 'true' });
  assert.equal(deps(p, 'tomli'), ['flit@bootstrap host flit-core']);
  assert.equal(p.stages, [['flit@bootstrap'], ['tomli'], ['flit'], ['app']]);
  assert.is(p.cycles.length, 1);
  assert.is(p.cycles[0].brokenBy, 'flit@bootstrap');
  assert.equal(p.cycles[0].path, ['flit', 'tomli']);
  assert.equal(p.cycles[0].edges[0].map((r) => r.spec), ['flit-core']);
  assert.equal(p.cycles[0].edges[1].map((r) => r.spec), ['tomli']);
});

cycles('a cycle with no declared way out :: error on its members, a suggestion, dependents blocked', async () => {
  const p = await plan({ ...flitAggregate }, noBootstrap);
  assert.is(p.cycles.length, 1);
  assert.is(p.cycles[0].brokenBy, null);
  assert.match(p.cycles[0].suggestion!, /bootstrap build of flit .*bootstrap.variants\['flit'\]/);
  assert.is(node(p, 'flit').status, 'error');
  assert.is(node(p, 'tomli').status, 'error');
  assert.match(node(p, 'tomli').reason!, /in a dependency cycle: flit → tomli → flit/);
  assert.is(node(p, 'app').status, 'blocked');
  assert.is(node(p, 'app').reason, 'blocked by flit (cycle)');
  assert.equal(p.errors.map((e) => e.kind), ['cycle']);
  assert.equal(p.stages, []);
});

cycles('the suggestion names the member most others in the cycle need', async () => {
  const p = await plan(
    { a: { host: ['python', 'c'] }, b: { host: ['python', 'a'] }, c: { host: ['python', 'a', 'b'] } },
    noBootstrap,
  );
  assert.is(p.cycles.length, 1);
  assert.equal(p.cycles[0].path[0], 'a');
  assert.match(p.cycles[0].suggestion!, /bootstrap build of a .*: 2 of the 3 members need it/);
});

function pythonAggregate(): FakeAggregate {
  return {
    python: (_t, o) => [output('python', { version: '3.13.1', run: o.bootstrap === 'true' ? [] : ['pip'] })],
    wincertstore: { host: ['python'] },
    certifi: { host: ['python'] },
    setuptools: { host: ['python'] },
    wheel: { host: ['python', 'setuptools'] },
    pip: { host: ['python', 'setuptools', 'wheel'] },
    requests: { host: ['python', 'pip', 'setuptools'] },
  };
}

cycles('the python chain: python@bootstrap, certifi, setuptools, wheel, pip, python, then the rest', async () => {
  const p = await plan(pythonAggregate());
  assert.equal(p.errors, []);
  // wincertstore is no chain member off win-64: it builds with the final python.
  assert.equal(p.stages, [['python@bootstrap'], ['certifi'], ['setuptools'], ['wheel'], ['pip'], ['python'], ['requests', 'wincertstore']]);
  assert.equal(p.criticalPath, ['python@bootstrap', 'certifi', 'setuptools', 'wheel', 'pip', 'python', 'requests']);
  // The chain was a real cycle (python's run requirement pip lands in every python build env).
  assert.ok(p.cycles.some((c) => c.brokenBy === 'python@bootstrap' && c.path.includes('pip')));
  assert.equal(deps(p, 'setuptools'), ['certifi build (bootstrap chain)', 'python@bootstrap host python']);
  assert.ok(deps(p, 'requests').includes('python host python'));
});

cycles('the python chain on win-64 starts with wincertstore', async () => {
  const p = await plan(pythonAggregate(), { arches: ['win-64'] }, [select()], WIN);
  assert.equal(p.criticalPath, ['python@bootstrap', 'wincertstore', 'certifi', 'setuptools', 'wheel', 'pip', 'python', 'requests']);
});

// flit's recipe declares its own way out: its variant config sets `bootstrap: no` and its meta.yaml
// wraps the flit output in `{% if bootstrap != <dropValue> %}` (the rendered variant carries the
// key: the recipe reads it).
function declaredFlit(dropValue = 'yes', key = 'bootstrap'): FakeAggregate {
  return {
    flit: (_t, o) => {
      const core = output('flit-core', { host: ['python', 'pip'] });
      const outputs = o[key] === dropValue ? [core] : [core, output('flit', { host: ['python', 'flit-core', 'docutils', 'tomli-w'] })];
      return [variant(outputs, false, { [key]: o[key] ?? 'no', python: '3.13' })];
    },
    pip: { host: ['python'] },
    docutils: { host: ['python', 'flit-core'] },
    'tomli-w': { host: ['python', 'hatchling'] },
    // hatchling is what most members need, but its recipe has no bootstrap mode.
    hatchling: { host: ['python', 'packaging', 'docutils'] },
    packaging: { host: ['python', 'flit-core'] },
    app: { host: ['python', 'flit'] },
  };
}

cycles('a member whose recipe reads a declared bootstrap key is bootstrapped with the truthy spelling that drops the closing edges', async () => {
  const p = await plan(declaredFlit('True'), noBootstrap);
  assert.equal(p.errors, []);
  const boot = p.graph.getNodeAttributes('flit@bootstrap');
  assert.equal(boot.outputs, ['flit-core']);
  // yes and true still render the flit output (the cycle stays); True is the first that drops it.
  assert.equal(boot.recipe!.variantOverrides, { bootstrap: 'True' });
  assert.is(node(p, 'flit@bootstrap').status, 'planned');
  const broken = p.cycles.find((c) => c.brokenBy === 'flit@bootstrap')!;
  assert.ok(broken, JSON.stringify(p.cycles));
  assert.is(broken.why, 'flit-feedstock/recipe/meta.yaml reads the variant key bootstrap (bootstrap: no in its variant config); rendered with bootstrap: True it no longer needs docutils, tomli-w to build');
  assert.equal(deps(p, 'packaging'), ['flit@bootstrap host flit-core']);
  assert.ok(stageOf(p, 'flit@bootstrap') < stageOf(p, 'packaging'));
  assert.ok(stageOf(p, 'tomli-w') < stageOf(p, 'flit') && stageOf(p, 'flit') < stageOf(p, 'app'));
  assert.not.ok(p.graph.hasNode('hatchling@bootstrap'));
});

cycles('bootstrap.keys: only the listed keys declare a way out', async () => {
  const custom = await plan(declaredFlit('yes', 'flit_bootstrap'), { ...noBootstrap, bootstrap: { ...noBootstrap.bootstrap, keys: ['flit_bootstrap'] } });
  assert.equal(custom.errors, []);
  assert.equal(custom.graph.getNodeAttributes('flit@bootstrap').recipe!.variantOverrides, { flit_bootstrap: 'yes' });
  const unlisted = await plan(declaredFlit('yes', 'flit_bootstrap'), noBootstrap);
  assert.equal(unlisted.errors.map((e) => e.kind), ['cycle']);
});

cycles('no declared way out: the suggestion names first the members whose recipes read a bootstrap key', async () => {
  const p = await plan(declaredFlit('never'), noBootstrap);
  const cycle = p.cycles.find((c) => c.brokenBy === null)!;
  assert.ok(cycle);
  assert.match(cycle.suggestion!, /^flit reads bootstrap \(declared in its variant config\), but no value of yes, true, True, 1 drops the requirements that close the cycle: .*declare a bootstrap build of /);
  assert.is(node(p, 'flit').status, 'error');
  assert.not.ok(p.graph.hasNode('flit@bootstrap'));
});

cycles('two interlocked cycles: a second round of bootstrap builds breaks what the first left', async () => {
  // a ⇄ b and b ⇄ c: one component. a and c declare bootstrap builds, b none. a@bootstrap breaks
  // a ⇄ b, leaving b ⇄ c for the second round.
  const drop = (o: Record<string, string>, name: string, dep: string) => [output(name, { host: o.bootstrap === 'true' ? ['python'] : ['python', dep] })];
  const p = await plan(
    {
      a: (_t, o) => drop(o, 'a', 'b'),
      b: { host: ['python', 'a', 'c'] },
      c: (_t, o) => drop(o, 'c', 'b'),
    },
    { bootstrap: { python: false, chain: [], variants: { a: { bootstrap: true }, c: { bootstrap: true } } } },
  );
  assert.equal(p.errors, []);
  assert.equal(p.cycles.map((c) => c.brokenBy), ['a@bootstrap', 'c@bootstrap']);
  assert.equal(p.cycles[1].path, ['c', 'b']);
  assert.equal(deps(p, 'b'), ['a@bootstrap host a', 'c@bootstrap host c']);
  assert.equal(p.stages, [['a@bootstrap', 'c@bootstrap'], ['b'], ['a', 'c']]);
});

cycles('a configured chain order that conflicts with the recipes: that chain edge is skipped with a warning, no cycle made', async () => {
  // certifi builds with setuptools, so the chain order certifi → setuptools cannot hold.
  const agg = pythonAggregate();
  agg.certifi = { host: ['python', 'setuptools'] };
  const p = await plan(agg, { bootstrap: { python: true, chain: ['certifi', 'setuptools', 'wheel', 'pip'], variants: {} } });
  assert.equal(p.errors, []);
  const warning = p.warnings.find((w) => /bootstrap chain/.test(w.message));
  assert.is(warning?.message, 'bootstrap chain: setuptools is needed to build certifi, so the chain order certifi → setuptools is not enforced');
  assert.is(warning?.feedstock, 'setuptools');
  assert.not.ok(p.graph.hasEdge('certifi', 'setuptools'));
  assert.ok(stageOf(p, 'setuptools') < stageOf(p, 'certifi'));
  // The other chain edges hold.
  assert.ok(p.graph.hasEdge('setuptools', 'wheel') && p.graph.hasEdge('wheel', 'pip') && p.graph.hasEdge('pip', 'python'));
});

cycles('a bootstrap build that renders without python dependency (excluded on its own) is planned when needed', async () => {
  // In bootstrap mode flit-core's build needs no python at all (a pure build backend vendored as a
  // script): render-nodes would exclude it as no-python; the cycle needs it.
  const p = await plan(
    {
      flit: (_t, o) =>
        o.bootstrap === 'true'
          ? [output('flit-core', { build: ['make'] })]
          : [output('flit-core', { host: ['python'] }), output('flit', { host: ['python', 'flit-core', 'tomli'] })],
      tomli: { host: ['python', 'flit-core'] },
    },
    { bootstrap: { python: false, chain: [], variants: { flit: { bootstrap: true } } } },
  );
  assert.equal(p.errors, []);
  assert.is(node(p, 'flit@bootstrap').status, 'planned');
  assert.is(node(p, 'flit@bootstrap').reason, null);
  assert.equal(p.stages, [['flit@bootstrap'], ['tomli'], ['flit']]);
});

cycles.run();

// ------------------------------------------------------------------ pipeline

const pipeline = suite('planTarget: pipeline');

pipeline('render errors and unclaimed recipes become error nodes; the others are planned; dependents blocked', async () => {
  const broken = new RecipeRenderError('broken', '/fixtures/agg/broken-feedstock/recipe/meta.yaml', 12, 'undefined variable foo');
  const agg: FakeAggregate = { broken: () => broken, ok: { host: ['python'] }, user: { host: ['python', 'broken'] } };
  const run = testRun(agg, noBootstrap, [select()]);
  const p = await planTarget(run, LINUX, { recipes: [...recipesOf(agg), recipeRef('ghost', { format: 'recipe.yaml' })] });
  assert.is(node(p, 'broken').status, 'error');
  assert.is(node(p, 'broken').reason, 'render error in /fixtures/agg/broken-feedstock/recipe/meta.yaml:12: undefined variable foo');
  assert.is(node(p, 'ghost').status, 'error');
  assert.match(node(p, 'ghost').reason!, /^no renderer for recipe.yaml/);
  assert.is(node(p, 'ok').status, 'planned');
  assert.is(node(p, 'user').reason, 'blocked by broken (render-error)');
  assert.equal(p.errors.map((e) => e.nodes[0]).sort(), ['broken', 'ghost']);
});

pipeline('hooks: discover can add recipes, graph can add edges, planned sees the plan', async () => {
  const agg: FakeAggregate = { a: { host: ['python'] }, b: { host: ['python'] } };
  const seen: string[] = [];
  const hooks: Plugin = {
    name: 'test:hooks',
    apply: (e) =>
      e.hooks.run.tap('test:hooks', (run) => {
        run.hooks.discover.tapPromise('test:hooks', async (recipes) => [...recipes, recipeRef('b')]);
        run.hooks.graph.tapPromise('test:hooks', async (graph) => {
          graph.addDirectedEdge('a', 'b', { blocksBuild: true, reasons: [{ section: 'build', spec: 'a (ordering)', output: 'a' }] });
        });
        run.hooks.planned.tap('test:hooks', (plan) => seen.push(plan.stages.flat().join(',')));
      }),
  };
  const run = testEngine(agg, noBootstrap, [hooks]).createRun();
  const p = await planTarget(run, LINUX, { recipes: [recipeRef('a')] });
  assert.equal(p.stages, [['a'], ['b']]);
  assert.equal(seen, ['a,b']);
});

pipeline('selection.only keeps the named feedstocks and what they need', async () => {
  const p = await plan(
    { a: { host: ['python'] }, b: { host: ['python', 'a'] }, c: { host: ['python'] } },
    { ...noBootstrap, selection: { noarch: false, prefer: {}, only: ['b'] } },
  );
  assert.equal(p.stages, [['a'], ['b']]);
  assert.is(node(p, 'c').kind, 'not-selected');
});

pipeline('two recipes with one feedstock name :: a duplicate-feedstock error, not a crash', async () => {
  const agg: FakeAggregate = { a: { host: ['python'] } };
  const run = testRun(agg, noBootstrap);
  const p = await planTarget(run, LINUX, { recipes: [recipeRef('a'), recipeRef('a', { dir: '/other/a/recipe', file: '/other/a/recipe/meta.yaml' })] });
  assert.is(node(p, 'a#2').status, 'error');
  assert.equal(p.errors.map((e) => e.kind), ['duplicate-feedstock']);
  assert.match(p.errors[0].message, /\/other\/a\/recipe/);
});

pipeline.run();

const reference = suite('planTarget: reference diff');

async function referencePlan(serve: boolean) {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { serveChannels } = await import('../conda/channel-server.ts');
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-reference-'));
  const server = serve ? await serveChannels([dir]) : null;
  try {
    mkdirSync(join(dir, 'linux-64'));
    const rec = (name: string) => ({ name, version: '1.0', build: 'py312_0', build_number: 0, depends: ['python >=3.12,<3.13.0a0'], subdir: 'linux-64' });
    const packages = Object.fromEntries(['a', 'gone', 'heavy', 'b'].map((n) => [`${n}-1.0-py312_0.tar.bz2`, rec(n)]));
    writeFileSync(join(dir, 'linux-64', 'repodata.json'), JSON.stringify({ info: { subdir: 'linux-64' }, packages, 'packages.conda': {}, repodata_version: 1 }));
    const agg: FakeAggregate = { a: { host: ['python'] }, b: { host: ['python', 'heavy'] }, heavy: { host: ['python'] } };
    const channel = server ? server.urlFor(dir) : dir;
    const p = await plan(agg, {
      ...noBootstrap,
      blocklist: [{ name: 'heavy', reason: 'too-heavy' }],
      channels: { reference: channel, target: null, build: [], staging: null, production: null, tested: '/tmp/tested' },
    });
    return { channel, reference: p.reference };
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const missing = [
  { name: 'b', reason: 'b: blocked (blocked by heavy (too-heavy))' },
  { name: 'gone', reason: 'no recipe in the aggregate' },
  { name: 'heavy', reason: 'heavy: excluded (blocklisted (too-heavy))' },
];

reference('packages built for the old python in the reference channel and not rebuilt, with the reason', async () => {
  const { channel, reference } = await referencePlan(false);
  assert.equal(reference, { channel, python: '3.12', missing });
});

reference('the same from a reference channel served over http on loopback', async () => {
  const { channel, reference } = await referencePlan(true);
  assert.match(channel, /^http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(reference, { channel, python: '3.12', missing });
});

reference('a reference channel that cannot be read is a plan warning, not an error', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-reference-'));
  try {
    mkdirSync(join(dir, 'linux-64'));
    writeFileSync(join(dir, 'linux-64', 'repodata.json'), '{ "packages": {');
    const p = await plan({ a: { host: ['python'] } }, { ...noBootstrap, channels: { reference: dir, target: null, build: [], staging: null, production: null, tested: '/tmp/tested' } });
    assert.is(p.reference, undefined);
    assert.ok(p.warnings.some((w) => w.file === dir && w.message.startsWith('reference channel not read: ')), JSON.stringify(p.warnings));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

reference.run();
