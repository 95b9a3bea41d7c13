import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTarget } from './plan-target.ts';
import { toPlanJson } from './plan-json.ts';
import { formatPlanText } from './format-text.ts';
import { formatPlanDot } from './format-dot.ts';
import { planScripts, writePlanScripts } from './format-scripts.ts';
import { output, recipesOf, testRun, type FakeAggregate } from './fixtures/recipes.ts';
import type { Target } from '../model/types.ts';

const aggregate: FakeAggregate = {
  python: (_t, o) => [output('python', { version: '3.13.1', run: o.bootstrap === 'true' ? [] : ['pip'] })],
  setuptools: { host: ['python'] },
  wheel: { host: ['python', 'setuptools'] },
  pip: { host: ['python', 'setuptools', 'wheel'] },
  requests: { host: ['python', 'pip'], run: ['python', 'urllib3'] },
  urllib3: { host: ['python'] },
  zlib: { host: ['make'] },
  a: { host: ['python', 'b'] },
  b: { host: ['python', 'a'] },
};
const config = { bootstrap: { python: true, chain: ['setuptools', 'wheel', 'pip'], variants: {} } };
const planFor = (target: Target = { subdir: 'linux-64', python: '3.13' }) =>
  planTarget(testRun(aggregate, { ...config, arches: [target.subdir] }), target, { recipes: recipesOf(aggregate) });

const formats = suite('plan formats');

formats('json :: stable shape with nodes, dependsOn, stages, critical path, cycles as id lists', async () => {
  const json = JSON.parse(JSON.stringify(toPlanJson(await planFor())));
  assert.equal(Object.keys(json), ['target', 'counts', 'nodes', 'stages', 'criticalPath', 'cycles', 'cycleDetails', 'errors', 'warnings']);
  assert.equal(json.target, { subdir: 'linux-64', python: '3.13' });
  const requests = json.nodes.find((n: any) => n.id === 'requests');
  assert.equal(Object.keys(requests), ['id', 'feedstock', 'outputs', 'status', 'kind', 'reason', 'bootstrap', 'pythonDependency', 'dependsOn']);
  assert.equal(requests.dependsOn.find((d: any) => d.id === 'urllib3'), { id: 'urllib3', section: 'run', spec: 'urllib3', output: 'urllib3', blocksBuild: false });
  assert.equal(json.stages[0], ['python@bootstrap']);
  assert.equal(json.criticalPath, ['python@bootstrap', 'setuptools', 'wheel', 'pip', 'python', 'requests']);
  assert.ok(json.cycles.some((c: string[]) => c.join() === 'a,b'));
  const broken = json.cycleDetails.find((c: any) => c.brokenBy === 'python@bootstrap');
  assert.equal(Object.keys(broken), ['path', 'brokenBy', 'why', 'edges']);
  assert.is(broken.why, 'the python chain (bootstrap.python): { bootstrap: true }');
  assert.equal(json.nodes.find((n: any) => n.id === 'a').status, 'error');
  assert.equal(json.errors.map((e: any) => e.kind), ['cycle']);
  assert.equal(json.counts, { planned: 7, present: 0, excluded: 1, blocked: 0, error: 2 });
});

formats('text :: counts, stages, critical path, cycles with labels, errors, reasons', async () => {
  const text = formatPlanText(await planFor());
  assert.match(text, /^linux-64\/py3.13: 7 planned, 0 present, 1 excluded, 0 blocked, 2 error\n/);
  assert.match(text, /stages \(6\):\n  1: python@bootstrap\n  2: setuptools\n  3: wheel\n  4: pip\n  5: python\n  6: requests urllib3\n/);
  assert.match(text, /critical path \(6\): python@bootstrap → setuptools → wheel → pip → python → requests/);
  assert.match(text, /a → b → a  \[NOT broken: declare a bootstrap build of a/);
  assert.match(text, /    a → b: host: a\n    b → a: host: b\n/);
  assert.match(text, /\[broken by python@bootstrap\]/);
  assert.match(text, /\[broken by python@bootstrap\]\n    why: the python chain \(bootstrap.python\): \{ bootstrap: true \}\n/);
  assert.match(text, /  zlib: excluded \(does not depend on python\)/);
});

formats('dot :: planned nodes, edges labelled by section, test-only edges dashed', async () => {
  const dot = formatPlanDot(await planFor());
  assert.match(dot, /^digraph "linux-64\/py3.13" \{/);
  assert.match(dot, /"python@bootstrap" \[shape=box\];/);
  assert.match(dot, /"pip" -> "requests" \[label="host"\];/);
  assert.match(dot, /"urllib3" -> "requests" \[label="run", style=dashed\];/);
  assert.not.match(dot, /"zlib"/);
  assert.not.match(dot, /"a" ->/);
});

formats('scripts :: bash stage scripts run a fake builder in order, skip done, record failures, keep going', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-scripts-'));
  try {
    const plan = await planFor();
    await writePlanScripts([plan], dir);
    const arch = join(dir, 'linux-64');
    assert.equal(readdirSync(arch).sort(), ['build-all.sh', 'common.sh', 'stage-01.sh', 'stage-02.sh', 'stage-03.sh', 'stage-04.sh', 'stage-05.sh', 'stage-06.sh']);
    const log = join(dir, 'builder.log');
    const builder = join(dir, 'fake-builder.sh');
    writeFileSync(builder, `#!/usr/bin/env bash\necho "$REBUILD_ID $REBUILD_ARCH $*" >> '${log}'\n[ "$REBUILD_ID" != "$FAIL" ]\n`);
    chmodSync(builder, 0o755);
    const run = (fail: string) =>
      spawnSync('bash', [join(arch, 'build-all.sh')], { env: { ...process.env, REBUILD_BUILDER: builder, FAIL: fail }, encoding: 'utf8' });

    const first = run('wheel');
    assert.is(first.status, 1, first.stderr);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(calls.map((l) => l.split(' ')[0]), ['python@bootstrap', 'setuptools', 'wheel']);
    assert.is(calls[0], `python@bootstrap linux-64 /fixtures/agg/python-feedstock/recipe --variants {bootstrap: 'true'}`);
    assert.is(readFileSync(join(arch, 'failed.linux-64'), 'utf8'), 'wheel\n');
    assert.match(readFileSync(join(arch, 'blocked.linux-64'), 'utf8'), /^pip \(waits on wheel\)\n/);
    assert.ok(existsSync(join(arch, 'done', 'setuptools')));
    assert.not.ok(existsSync(join(arch, 'done', 'wheel')));
    assert.match(first.stdout, /rebuild: wheel: FAILED/);

    writeFileSync(log, '');
    const second = run('none');
    assert.is(second.status, 0, second.stdout + second.stderr);
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]), ['wheel', 'pip', 'python', 'requests', 'urllib3']);
    assert.match(second.stdout, /rebuild: setuptools: done, skipped/);
    assert.is(readFileSync(join(arch, 'failed.linux-64'), 'utf8'), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

formats('scripts :: win-64 gets .bat stage scripts with the same steps', async () => {
  const files = planScripts(await planFor({ subdir: 'win-64', python: '3.13' }));
  assert.ok(files.every((f) => f.path.startsWith('win-64/') && f.path.endsWith('.bat')));
  const stage1 = files.find((f) => f.path === 'win-64/stage-01.bat')!.content;
  assert.match(stage1, /call :build "python@bootstrap" "\/fixtures\/agg\/python-feedstock\/recipe" "\{bootstrap: 'true'\}" ""\r\n/);
  assert.match(files.find((f) => f.path === 'win-64/build-all.bat')!.content, /call "%~dp0stage-06.bat"/);
});

formats('scripts :: plans of several pythons each get their folder <arch>/py<X.Y>/ (their own done/ and failed.<arch>)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-scripts-'));
  try {
    const plans = [await planFor({ subdir: 'linux-64', python: '3.13' }), await planFor({ subdir: 'linux-64', python: '3.14' })];
    const written = await writePlanScripts(plans, dir);
    assert.ok(written.includes(join(dir, 'linux-64', 'py3.13', 'build-all.sh')));
    assert.equal(readdirSync(join(dir, 'linux-64')).sort(), ['py3.13', 'py3.14']);
    assert.match(readFileSync(join(dir, 'linux-64', 'py3.14', 'common.sh'), 'utf8'), /^PYTHON='3\.14'$/m);
    assert.equal(planScripts(plans[0]).map((f) => f.path.split('/')[0]), planScripts(plans[0]).map(() => 'linux-64'), 'one python: <arch>/ as before');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

formats('the generated bash is valid syntax (bash -n)', async () => {
  for (const f of planScripts(await planFor())) execFileSync('bash', ['-n'], { input: f.content });
});

formats.run();
