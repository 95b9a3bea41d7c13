import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runReadyCommand } from './ready.ts';
import { main } from '../main.ts';
import { recipesOf } from '../../graph/fixtures/recipes.ts';
import { UserError } from '../../model/errors.ts';
import { ECOSYSTEM, ECOSYSTEM_CONFIG, ECOSYSTEM_STATE, ecosystemEngine, removeDir, writeState } from '../../explain/fixtures/ecosystem.ts';

const ready = suite('rebuild ready');

ready.before((ctx) => {
  // State for linux-64 only: win-64 has nothing built.
  ctx.dir = writeState(ECOSYSTEM_STATE);
  ctx.cli = async (opts: Record<string, unknown>, workDir = ctx.dir) => {
    let out = '';
    let note = '';
    const engine = ecosystemEngine(ECOSYSTEM, { ...ECOSYSTEM_CONFIG, arches: ['linux-64', 'win-64'], workDir });
    const code = await runReadyCommand(engine, opts, { write: (t) => void (out += t), note: (t) => void (note += t) }, { recipes: recipesOf(ECOSYSTEM) });
    return { code, out, note };
  };
});
ready.after((ctx) => removeDir(ctx.dir));

ready('--json: one summary per target, state read per target, exit 0', async (ctx) => {
  const { code, out, note } = await ctx.cli({ json: true });
  assert.is(code, 0);
  assert.is(note, '');
  const [linux, win] = JSON.parse(out);
  assert.equal(linux.target, { subdir: 'linux-64', python: '3.13' });
  assert.equal([linux.ready, linux.waiting, linux.built, linux.failed, linux.blocked], [['setuptools', 'usezlib'], 3, 1, ['six'], 2]);
  assert.equal(linux.lastBlockers[0], { id: 'setuptools', unblocks: ['attrs', 'wheel'] });
  assert.equal(win.target, { subdir: 'win-64', python: '3.13' });
  assert.equal([win.ready, win.waiting, win.built], [['python'], 7, 0]);
});

ready('text and --arch; an arch outside the config is a usage error', async (ctx) => {
  const { code, out } = await ctx.cli({ arch: ['win-64'] });
  assert.is(code, 0);
  assert.is(out.split('\n')[0], 'win-64/py3.13: 1 ready, 7 waiting, 0 built, 0 failed, 1 blocked, 0 present');
  assert.match(out, 'ready (1): python (7 waiting)\n');
  assert.not.match(out, 'linux-64');
  await ctx.cli({ arch: ['osx-arm64'] }).then(
    () => assert.unreachable(),
    (err: UserError) => {
      assert.instance(err, UserError);
      assert.is(err.exitCode, 64);
      assert.is(err.message, '--arch osx-arm64: not an arch of the config (linux-64, win-64)');
    },
  );
});

ready('no state.db in the work dir: nothing built', async (ctx) => {
  const { out } = await ctx.cli({ json: true }, '/nonexistent/rebuild-work');
  assert.equal(JSON.parse(out).map((s: any) => [s.ready, s.built]), [[['python'], 0], [['python'], 0]]);
});

ready('end to end on the bundled example (root rebuild.config.ts): --json on stdout, exit 0', async () => {
  const config = new URL('../../../rebuild.config.ts', import.meta.url).pathname;
  const [out, err] = [process.stdout.write, process.stderr.write];
  let text = '';
  process.stdout.write = ((t: string) => ((text += t), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['ready', '--json', '--config', config]);
  } finally {
    [process.stdout.write, process.stderr.write] = [out, err];
  }
  assert.is(code, 0);
  const [linux] = JSON.parse(text);
  assert.equal(linux.target, { subdir: 'linux-64', python: '3.13' });
  assert.equal(Object.keys(linux), ['target', 'ready', 'waiting', 'built', 'failed', 'blocked', 'present', 'error', 'mostNeeded', 'lastBlockers', 'stages']);
});

ready.run();
