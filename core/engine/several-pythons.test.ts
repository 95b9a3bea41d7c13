// python.to as a list: a run's targets are its arches × its pythons, each planned on its own; a
// noarch: python package (selection.noarch) is built once per subdir, for the first python, and the
// other pythons' builds that need it wait for that build.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../config/resolve.ts';
import { defaultPlugins } from '../../plugins/defaults.ts';
import { Engine } from './engine.ts';
import { buildTaskGraph } from './task-graph.ts';
import { stageOptionsOf } from './execute.ts';
import { targetKey } from '../model/types.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/several-pythons/aggregate', import.meta.url));

function engineFor(dir: string, config: Record<string, unknown>) {
  const resolved = resolveConfig(
    { python: { from: '3.12', to: ['3.13', '3.14'] }, arches: ['linux-64', 'osx-arm64'], workDir: join(dir, 'work'), plugins: defaultPlugins(), ...config },
    { configFile: null, profile: null, cwd: dir },
  );
  return new Engine(resolved);
}

const s = suite<{ dir: string }>('several pythons');
s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-several-pythons-'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

s('targets :: arches × pythons, arch-major; one python keeps one target per arch', ({ dir }) => {
  const run = engineFor(dir, { aggregate: EXAMPLE }).createRun();
  assert.equal(run.targets.map(targetKey), ['linux-64/py3.13', 'linux-64/py3.14', 'osx-arm64/py3.13', 'osx-arm64/py3.14']);
  assert.equal(engineFor(dir, { aggregate: EXAMPLE }).createRun({ arches: ['osx-arm64'] }).targets.map(targetKey), ['osx-arm64/py3.13', 'osx-arm64/py3.14']);
  const one = engineFor(dir, { aggregate: EXAMPLE, python: { from: '3.12', to: '3.13' } }).createRun();
  assert.equal(one.targets.map(targetKey), ['linux-64/py3.13', 'osx-arm64/py3.13']);
});

s('plan :: each target planned for its python (versions, build strings, a py>=314 skip)', async ({ dir }) => {
  const run = engineFor(dir, { aggregate: EXAMPLE, bootstrap: { python: false } }).createRun({ renderCache: false });
  const plans = await run.plan();
  assert.equal(plans.map((p) => targetKey(p.target)), ['linux-64/py3.13', 'linux-64/py3.14', 'osx-arm64/py3.13', 'osx-arm64/py3.14']);
  for (const p of plans) {
    const py = p.target.python;
    const planned = p.graph.filterNodes((_, n) => n.status === 'planned').sort();
    assert.equal(planned, py === '3.13' ? ['greet', 'oldcompat', 'python', 'shout'] : ['greet', 'python', 'shout'], targetKey(p.target));
    assert.is(p.graph.getNodeAttributes('python').variants[0].outputs[0].version, `${py}.0`);
    assert.is(p.graph.getNodeAttributes('greet').variants[0].outputs[0].build, `py${py.replace('.', '')}_0`);
  }
  assert.is(plans[1].graph.getNodeAttributes('oldcompat').status, 'excluded');
  assert.equal(plans[1].stages.map((stage) => [...stage].sort()), [['python'], ['greet'], ['shout']]);
});

s('noarch :: with selection.noarch, built once per subdir for the first python; the others wait for that build', async ({ dir }) => {
  const agg = join(dir, 'aggregate');
  const recipe = (name: string, body: string) => {
    mkdirSync(join(agg, `${name}-feedstock`, 'recipe'), { recursive: true });
    writeFileSync(join(agg, `${name}-feedstock`, 'recipe', 'meta.yaml'), `package:\n  name: ${name}\n  version: "1.0"\n${body}`);
  };
  recipe('tzinfo', 'build:\n  noarch: python\nrequirements:\n  host:\n    - python\n  run:\n    - python\n');
  recipe('clock', 'requirements:\n  host:\n    - python\n    - tzinfo\n  run:\n    - python\n    - tzinfo\n');
  const engine = engineFor(dir, { aggregate: agg, arches: ['linux-64'], selection: { noarch: true }, bootstrap: { python: false } });
  const run = engine.createRun({ renderCache: false });
  const [py313, py314] = await run.plan();
  assert.is(py313.graph.getNodeAttributes('tzinfo').status, 'planned');
  const later = py314.graph.getNodeAttributes('tzinfo');
  assert.is(later.status, 'excluded');
  assert.equal(later.exclusion, {
    status: 'excluded', kind: 'noarch', reason: 'noarch: python, built once for python 3.13 (one build serves every python)',
    builtOn: { subdir: 'linux-64', python: '3.13' },
  });
  const tasks = buildTaskGraph([py313, py314], stageOptionsOf(run), engine.config.arches);
  assert.not.ok(tasks.has('linux-64/py3.14/tzinfo'), 'no second build of the noarch package');
  assert.ok(tasks.get('linux-64/py3.14/clock')!.deps.includes('linux-64/py3.13/tzinfo'), 'clock for 3.14 waits for the one tzinfo build');
  assert.ok(tasks.get('linux-64/py3.13/clock')!.deps.includes('linux-64/py3.13/tzinfo'));
  // Without selection.noarch, no python builds it: the plain noarch exclusion on both.
  const plain = await engineFor(dir, { aggregate: agg, arches: ['linux-64'], bootstrap: { python: false } }).createRun({ renderCache: false }).plan();
  for (const p of plain) assert.equal(p.graph.getNodeAttributes('tzinfo').exclusion?.reason, 'noarch: python (one build serves every python)');
});

s.run();
