import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlanCommand } from './plan.ts';
import { recipesOf, testEngine, type FakeAggregate } from '../../graph/fixtures/recipes.ts';
import { UserError } from '../../model/errors.ts';

const good: FakeAggregate = { a: { host: ['python'] }, b: { host: ['python', 'a'] } };
const cyclic: FakeAggregate = { a: { host: ['python', 'b'] }, b: { host: ['python', 'a'] } };
const config = { arches: ['linux-64' as const, 'win-64' as const], bootstrap: { python: false, chain: [], variants: {} } };

async function cli(agg: FakeAggregate, opts: Record<string, unknown>) {
  let out = '';
  const code = await runPlanCommand(testEngine(agg, config), opts, { write: (t) => void (out += t) }, { recipes: recipesOf(agg) });
  return { code, out };
}

const plan = suite('rebuild plan');

plan('json :: one plan per target, exit 0 when the plans have no errors', async () => {
  const { code, out } = await cli(good, { json: true });
  assert.is(code, 0);
  const plans = JSON.parse(out);
  assert.equal(plans.map((p: any) => p.target.subdir), ['linux-64', 'win-64']);
  assert.equal(plans[0].stages, [['a'], ['b']]);
});

plan('--arch narrows the targets; an arch outside the config is a usage error', async () => {
  const { out } = await cli(good, { format: 'json', arch: ['win-64'] });
  assert.equal(JSON.parse(out).map((p: any) => p.target.subdir), ['win-64']);
  await cli(good, { arch: ['osx-arm64'] }).then(
    () => assert.unreachable(),
    (err) => {
      assert.instance(err, UserError);
      assert.is(err.exitCode, 64);
      assert.match(err.message, /--arch osx-arm64: not an arch of the config \(linux-64, win-64\)/);
    },
  );
});

plan('text and dot; exit 1 when a plan has errors (an unbroken cycle), output still written', async () => {
  const text = await cli(cyclic, {});
  assert.is(text.code, 1);
  assert.match(text.out, /linux-64\/py3.13: 0 planned, 0 present, 0 excluded, 0 blocked, 2 error/);
  assert.match(text.out, /win-64\/py3.13:/);
  assert.match(text.out, /errors \(1\):\n  cycle: dependency cycle a → b → a/);
  const dot = await cli(good, { format: 'dot' });
  assert.is(dot.code, 0);
  assert.match(dot.out, /digraph "linux-64\/py3.13"[\s\S]*"a" -> "b" \[label="host"\];[\s\S]*digraph "win-64\/py3.13"/);
});

plan('scripts :: needs --out; writes per-arch scripts (bash, .bat for win-64)', async () => {
  await cli(good, { format: 'scripts' }).then(
    () => assert.unreachable(),
    (err) => assert.is(err.exitCode, 64),
  );
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-plan-cli-'));
  try {
    const { code, out } = await cli(good, { format: 'scripts', out: dir });
    assert.is(code, 0);
    assert.match(out, /wrote 7 files under/);
    assert.equal(readdirSync(dir).sort(), ['linux-64', 'win-64']);
    assert.equal(readdirSync(join(dir, 'win-64')).sort(), ['build-all.bat', 'stage-01.bat', 'stage-02.bat']);
    assert.equal(readdirSync(join(dir, 'linux-64')).sort(), ['build-all.sh', 'common.sh', 'stage-01.sh', 'stage-02.sh']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plan.run();
