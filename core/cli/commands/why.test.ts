import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runWhyCommand } from './why.ts';
import { main } from '../main.ts';
import { recipesOf } from '../../graph/fixtures/recipes.ts';
import { UserError } from '../../model/errors.ts';
import { ECOSYSTEM, ECOSYSTEM_CONFIG, ECOSYSTEM_STATE, ecosystemEngine, removeDir, writeState } from '../../explain/fixtures/ecosystem.ts';

const why = suite('rebuild why');

why.before((ctx) => {
  ctx.dir = writeState(ECOSYSTEM_STATE);
  ctx.cli = async (name: string | undefined, opts: Record<string, unknown> = {}) => {
    let out = '';
    const engine = ecosystemEngine(ECOSYSTEM, { ...ECOSYSTEM_CONFIG, arches: ['linux-64', 'win-64'], workDir: ctx.dir });
    const code = await runWhyCommand(engine, name, opts, { write: (t) => void (out += t) }, { recipes: recipesOf(ECOSYSTEM) });
    return { code, out };
  };
});
why.after((ctx) => removeDir(ctx.dir));

why('--json: one entry per target with the nodes the name designates', async (ctx) => {
  const { code, out } = await ctx.cli('six', { json: true });
  assert.is(code, 0);
  const [linux, win] = JSON.parse(out);
  assert.equal(linux.target, { subdir: 'linux-64', python: '3.13' });
  assert.is(linux.name, 'six');
  const six = linux.nodes[0];
  assert.equal(Object.keys(six), [
    'id', 'feedstock', 'outputs', 'status', 'pythonDependency', 'exclusion', 'blockedChain', 'progress', 'built', 'state', 'waitsOn', 'dependents', 'bootstrapOf', 'bootstrapNode', 'bootstrapWhy',
  ]);
  assert.equal([six.status, six.progress, six.built, six.state], ['planned', 'failed', false, { status: 'failed', reason: 'exit code 1', failure: 'build', class: 'unclassified', classLine: null }]);
  // win-64 has no state: six waits on python there.
  assert.equal([win.nodes[0].progress, win.nodes[0].state, win.nodes[0].waitsOn[0][0].id], ['waiting', null, 'python']);
});

why('text, per target', async (ctx) => {
  const { code, out } = await ctx.cli('wheel', { arch: ['linux-64'] });
  assert.is(code, 0);
  assert.is(
    out,
    [
      'linux-64/py3.13: wheel',
      '  in the set: host: python',
      '  waiting on 1 unbuilt build dependency:',
      '    wheel ← host: setuptools ← setuptools (ready)',
      '  needed by 1 directly, 1 in all: pluggy',
      '',
    ].join('\n'),
  );
});

why('a failure says its class and the line the class rule matched', async () => {
  const solver = 'cannot solve the host environment (python 3.13.*, setuptools-scm >=8): Cannot solve the request because of: No candidates were found for setuptools-scm >=8.';
  const dir = writeState([['python', 'tested', null, null], ['six', 'failed', solver, 'build']]);
  try {
    let out = '';
    const engine = ecosystemEngine(ECOSYSTEM, { ...ECOSYSTEM_CONFIG, arches: ['linux-64'], workDir: dir });
    await runWhyCommand(engine, 'six', {}, { write: (t) => void (out += t) }, { recipes: recipesOf(ECOSYSTEM) });
    assert.match(out, `  failed (state: failed (build): ${solver})\n  class: missing-dependency: ${solver}\n`);
  } finally {
    removeDir(dir);
  }
});

why('unknown name: usage error (exit 64) with the closest name; no name at all too', async (ctx) => {
  for (const [name, message] of [
    ['whel', "unknown package 'whel'; did you mean 'wheel'?"],
    [undefined, 'why needs a package name (node id, feedstock or output)'],
  ] as const) {
    await ctx.cli(name).then(
      () => assert.unreachable(),
      (err: UserError) => {
        assert.instance(err, UserError);
        assert.is(err.exitCode, 64);
        assert.is(err.message, message);
      },
    );
  }
});

why('end to end on the bundled example (root rebuild.config.ts): an unknown name exits 64 with did-you-mean', async () => {
  const config = new URL('../../../rebuild.config.ts', import.meta.url).pathname;
  const write = process.stderr.write;
  let err = '';
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  try {
    assert.is(await main(['why', 'attr', '--config', config]), 64);
  } finally {
    process.stderr.write = write;
  }
  assert.is(err, "rebuild: unknown package 'attr'; did you mean 'attrs'?\n");
});

why.run();
