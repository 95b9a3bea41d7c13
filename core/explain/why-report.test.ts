import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { whyReport } from './why-report.ts';
import { formatWhyText } from './format-why.ts';
import { findNodes, UnknownNameError } from './find-nodes.ts';
import { readTargetStates } from './read-state.ts';
import { ECOSYSTEM, ECOSYSTEM_CONFIG, ECOSYSTEM_STATE, ecosystemPlan, removeDir, writeState } from './fixtures/ecosystem.ts';
import { RecipeRenderError } from '../recipes/render-error.ts';
import { StateDb } from '../state/state-db.ts';
import { output, type FakeAggregate } from '../graph/fixtures/recipes.ts';

const why = suite('whyReport');

why.before(async (ctx) => {
  ctx.plan = await ecosystemPlan();
  ctx.dir = writeState(ECOSYSTEM_STATE);
  ctx.states = readTargetStates(ctx.dir, [ctx.plan.target]);
  ctx.why = (name: string) => whyReport([ctx.plan], ctx.states, name);
  ctx.text = (name: string) => formatWhyText(ctx.why(name));
});
why.after((ctx) => removeDir(ctx.dir));

why('waiting: one chain per unbuilt dependency, down to the first node that can be built', (ctx) => {
  assert.is(
    ctx.text('pluggy'),
    [
      'linux-64/py3.13: pluggy',
      '  in the set: host: python',
      '  waiting on 2 unbuilt build dependencies:',
      '    pluggy ← host: wheel ← wheel (waiting) ← host: setuptools ← setuptools (ready)',
      '    pluggy ← host: setuptools ← setuptools (ready)',
      '  needed by 0 directly, 0 in all',
      '',
    ].join('\n'),
  );
  const [t] = ctx.why('pluggy');
  const n = t.nodes[0];
  assert.is(n.progress, 'waiting');
  assert.is(n.built, false);
  assert.is(n.state, null);
  assert.equal(n.waitsOn[0], [
    { id: 'wheel', edge: { section: 'host', spec: 'wheel', output: 'wheel' }, status: 'waiting' },
    { id: 'setuptools', edge: { section: 'host', spec: 'setuptools', output: 'setuptools' }, status: 'ready' },
  ]);
});

why('ready, with its recorded state and its dependents', (ctx) => {
  assert.is(
    ctx.text('setuptools'),
    [
      'linux-64/py3.13: setuptools',
      '  in the set: host: python',
      '  ready: every build dependency is built (state: interrupted: previous run was killed while building)',
      '  needed by 3 directly, 3 in all: attrs, pluggy, wheel',
      '',
    ].join('\n'),
  );
  assert.equal(ctx.why('setuptools')[0].nodes[0].dependents, { direct: 3, transitive: 3, ids: ['attrs', 'pluggy', 'wheel'] });
});

why('failed and built nodes; a dependent of a failure waits on it', (ctx) => {
  assert.match(ctx.text('six'), '  failed (state: failed (build): exit code 1)\n  needed by 1 directly, 1 in all: sixdep\n');
  assert.match(ctx.text('sixdep'), '    sixdep ← host: six ← six (failed)\n');
  const python = ctx.why('python')[0].nodes[0];
  assert.equal([python.progress, python.built, python.state.status, python.pythonDependency], ['built', true, 'tested', 'provides python']);
  assert.match(ctx.text('python'), '  built (state: tested)\n');
});

why('stages: a package whose test failed is built (its dependents are ready), shown as "built, test failed"', async (ctx) => {
  const dir = writeState([['python', 'tested', null, null]]);
  try {
    const db = StateDb.open(dir);
    const run = db.startRun(['run']);
    const six = db.ensurePackage({ node: 'six', subdir: 'linux-64', python: '3.13' }, { feedstock: 'six', outputs: ['six'], recipeHash: null });
    const build = db.startAttempt(six.id, run, 1, '/logs/six.log', null, 'build');
    db.recordBuilt(build, run, [{ path: '/c/linux-64/six-1.16-0.tar.bz2', filename: 'six-1.16-0.tar.bz2', sha256: 'a'.repeat(64), size: 1 }], 10, 'built', 'built by test');
    db.completeAttempt(build, run, 'built', 'built by test');
    const test = db.startAttempt(six.id, run, 1, '/logs/six.log', null, 'test');
    const reason = "test failed: imports: six: ImportError: No module named 'six.moves'";
    db.endAttempt(test, { status: 'failed', failure: 'test', reason, durationMs: 5 }, { to: 'failed', reason, runId: run });
    db.endRun(run, 'failed');
    db.close();
    const states = readTargetStates(dir, [ctx.plan.target]);
    const [t] = whyReport([ctx.plan], states, 'six');
    const n = t.nodes[0];
    assert.equal([n.progress, n.built, n.state!.status, n.state!.stage], ['built', true, 'failed', 'test']);
    assert.equal(n.state!.stages!.map((s) => `${s.stage}:${s.status}`), ['build:done', 'test:failed']);
    assert.match(formatWhyText([t]), [
      "  built, test failed (test): imports: six: ImportError: No module named 'six.moves'",
      '  its publication is held; dependents build against it (unless tests.blocksDependents: true)',
      '  stages: build done, test failed',
      // The build's own reason (who built it: a builder, or rebuild:converter), which the later stage's replaced.
      '  built by test',
    ].join('\n'));
    assert.is(whyReport([ctx.plan], states, 'sixdep')[0].nodes[0].progress, 'ready');
    // With tests.blocksDependents the failed test is a failure its dependents wait on, as in the run.
    const blocking = readTargetStates(dir, [ctx.plan.target], { testsBlockDependents: true });
    const [held] = whyReport([ctx.plan], blocking, 'six');
    assert.equal([held.nodes[0].progress, held.nodes[0].built], ['failed', false]);
    assert.match(formatWhyText([held]), "  failed (state: built, test failed (test): imports: six: ImportError: No module named 'six.moves')");
    assert.is(whyReport([ctx.plan], blocking, 'sixdep')[0].nodes[0].progress, 'blocked');
  } finally {
    removeDir(dir);
  }
});

why('blocklisted: the structured entry; blocked: the reason and the chain to the blocker', (ctx) => {
  const heavy = ctx.why('heavy-ml')[0].nodes[0];
  assert.equal(heavy.exclusion, {
    kind: 'blocklist',
    reason: 'blocklisted (too-heavy: needs GPUs)',
    blocklist: { name: 'heavy-ml', reason: 'too-heavy', note: 'needs GPUs', link: 'https://example.org/issues/1' },
  });
  assert.is(heavy.progress, null);
  assert.match(ctx.text('heavy-ml'), '  excluded (blocklist): blocklisted (too-heavy: needs GPUs)\n  blocklist entry: heavy-ml, reason too-heavy, note: needs GPUs, link: https://example.org/issues/1\n');
  assert.is(
    ctx.text('ml-addon'),
    [
      'linux-64/py3.13: ml-addon',
      '  python dependency: host: python',
      '  blocked (blocked-by): blocked by heavy-ml (too-heavy: needs GPUs)',
      '  blocklist entry: heavy-ml, reason too-heavy, note: needs GPUs, link: https://example.org/issues/1',
      '    ml-addon ← host: heavy-ml ← heavy-ml (excluded)',
      '  needed by 0 directly, 0 in all',
      '',
    ].join('\n'),
  );
});

why('noarch and no-python exclusions', (ctx) => {
  assert.match(ctx.text('purepy'), '  python dependency: run: python\n  excluded (noarch): noarch: python (one build serves every python)\n');
  assert.match(ctx.text('zlib'), 'linux-64/py3.13: zlib\n  excluded (no-python): does not depend on python\n  needed by 1 directly, 1 in all: usezlib\n');
});

why('render error with file:line, and the nodes it blocks', async () => {
  const agg: FakeAggregate = {
    ...ECOSYSTEM,
    broken: () => new RecipeRenderError('broken', '/fixtures/agg/broken-feedstock/recipe/meta.yaml', 12, "'foo' is undefined"),
    needsbroken: { host: ['python', 'broken'] },
  };
  const plan = await ecosystemPlan(agg);
  const [t] = whyReport([plan], new Map(), 'broken');
  assert.is(t.nodes[0].status, 'error');
  assert.is(t.nodes[0].exclusion!.kind, 'render-error');
  assert.match(t.nodes[0].exclusion!.reason, 'render error in /fixtures/agg/broken-feedstock/recipe/meta.yaml:12: ');
  assert.match(formatWhyText(whyReport([plan], new Map(), 'needsbroken')), '  blocked (blocked-by): blocked by broken (render-error)\n    needsbroken ← host: broken ← broken (error)\n');
});

why('python bootstrap: the bootstrap node is named both ways, chains go through it', async () => {
  const plan = await ecosystemPlan(ECOSYSTEM, { ...ECOSYSTEM_CONFIG, bootstrap: { python: true, chain: ['setuptools', 'wheel'], variants: {} } });
  const [t] = whyReport([plan], new Map(), 'python');
  assert.equal(t.nodes.map((n) => [n.id, n.bootstrapNode, n.bootstrapOf]), [['python', 'python@bootstrap', null]]);
  const text = formatWhyText([t]);
  assert.match(text, '    python ← build: (bootstrap chain) ← wheel (waiting) ← build: (bootstrap chain) ← setuptools (waiting) ← host: python ← python@bootstrap (ready)\n');
  assert.match(text, '  bootstrap build: python@bootstrap\n');
  const [boot] = whyReport([plan], new Map(), 'python@bootstrap');
  assert.match(formatWhyText([boot]), '  bootstrap build of python\n');
  // Needed by setuptools and wheel directly, and through them (and python) by every other planned or blocked node.
  assert.equal(boot.nodes[0].dependents, { direct: 2, transitive: 10, ids: ['setuptools', 'wheel'] });
});

const find = suite('findNodes');

find('an exact id wins; else feedstock or output names, case-insensitive; per plan', async () => {
  const plan = await ecosystemPlan(ECOSYSTEM, { ...ECOSYSTEM_CONFIG, bootstrap: { python: true, chain: ['setuptools'], variants: {} } });
  assert.equal(findNodes([plan], 'python'), [['python']]);
  assert.equal(findNodes([plan], 'PyThon@Bootstrap'), [['python@bootstrap']]);
  const multi = await ecosystemPlan({ ...ECOSYSTEM, tools: (_t, _o) => [output('tool-a', { host: ['python'] }), output('tool-b', { host: ['python'] })] }, ECOSYSTEM_CONFIG);
  assert.equal(findNodes([multi], 'tool-b'), [['tools']]);
  assert.equal(findNodes([multi, plan], 'tool-a'), [['tools'], []]);
});

find('unknown everywhere: a usage error (exit code 64) with the closest name', async () => {
  const plan = await ecosystemPlan();
  try {
    findNodes([plan], 'plugy');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnknownNameError);
    assert.is((err as UnknownNameError).exitCode, 64);
    assert.is((err as Error).message, "unknown package 'plugy'; did you mean 'pluggy'?");
  }
  assert.throws(() => findNodes([plan], 'tensorflow'), (err: Error) => err.message === "unknown package 'tensorflow': no package or feedstock has that name (rebuild plan lists them)");
});

why.run();
find.run();
