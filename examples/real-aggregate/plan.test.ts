// The real-shaped aggregate (Anaconda's layout, written for this repo): `rebuild plan --json` with a
// config of nothing but python, arches and the aggregate must plan every feedstock as checked out.
// Each feedstock here reproduces something real aggregates do (see README.md next to this file).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../../core/cli/context.ts';
import { planRun } from '../../core/graph/plan-target.ts';
import { whyReport } from '../../core/explain/why-report.ts';
import { formatWhyText } from '../../core/explain/format-why.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const feedstocks = readdirSync(join(here, 'aggregate')).filter((d) => d.endsWith('-feedstock')).map((d) => d.replace(/-feedstock$/, ''));

/** Feedstocks that are passed over as a unit for python 3.11 (another one builds their outputs). */
const SUPERSEDED: Record<string, string> = { python: 'python-3.11', 'python-3.10': 'python-3.11' };

const real = suite('examples/real-aggregate', { plan: null as any, workDir: '', first: '' });

function planJson(workDir: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), 'plan', '--json', '--config', join(here, 'rebuild.config.ts'), '--work-dir', workDir], {
    cwd: here,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  assert.is(r.status, 0, r.stderr + r.stdout.slice(0, 4000));
  return r.stdout;
}

real.before((ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'rebuild-real-'));
  [ctx.plan] = JSON.parse((ctx.first = planJson(ctx.workDir)));
});
real.after((ctx) => rmSync(ctx.workDir, { recursive: true, force: true }));

real('every feedstock is planned: 0 errors, 0 blocked', ({ plan }) => {
  const byId = new Map<string, any>(plan.nodes.map((n: any) => [n.id, n]));
  const wrong = feedstocks
    .filter((f) => !(f in SUPERSEDED))
    .map((f) => byId.get(f) ?? { id: f, status: 'missing', reason: 'no node' })
    .filter((n) => n.status !== 'planned')
    .map((n) => `${n.id}: ${n.status} (${n.reason})`);
  assert.equal(wrong, []);
  assert.equal(plan.errors, []);
  assert.is(plan.counts.blocked, 0);
  assert.is(plan.counts.error, 0);
});

real('several python feedstocks: the one for 3.11 is chosen as a unit, the others are superseded naming it', ({ plan }) => {
  for (const [id, chosen] of Object.entries(SUPERSEDED)) {
    const node = plan.nodes.find((n: any) => n.id === id);
    assert.is(node.status, 'excluded', id);
    assert.is(node.kind, 'superseded', id);
    assert.match(node.reason, chosen, id);
  }
  const python = plan.nodes.find((n: any) => n.id === 'python-3.11');
  assert.equal(python.outputs, ['python', 'libpython-static']);
});

real('bootstrap builds where the recipes declare them: python (the chain) and flit (bootstrap: no in its variant config)', ({ plan }) => {
  const boots = plan.nodes.filter((n: any) => n.bootstrap).map((n: any) => n.id).sort();
  assert.equal(boots, ['flit@bootstrap', 'python-3.11@bootstrap']);
  const flitBoot = plan.nodes.find((n: any) => n.id === 'flit@bootstrap');
  assert.equal(flitBoot.outputs, ['flit-core']);
  const cycle = plan.cycleDetails.find((c: any) => c.brokenBy === 'flit@bootstrap');
  assert.ok(cycle, JSON.stringify(plan.cycleDetails));
  assert.match(cycle.why, /bootstrap/);
  // What needs flit-core is built against the bootstrap build; flit itself after them.
  const deps = (id: string) => plan.nodes.find((n: any) => n.id === id).dependsOn.map((d: any) => d.id);
  assert.ok(deps('packaging').includes('flit@bootstrap'), deps('packaging').join(', '));
  assert.ok(deps('flit').includes('tomli-w'));
  const stage = (id: string) => plan.stages.findIndex((s: string[]) => s.includes(id));
  assert.ok(stage('flit@bootstrap') < stage('packaging') && stage('hatchling') < stage('tomli-w') && stage('tomli-w') < stage('flit'), JSON.stringify(plan.stages));
});

real('mesalib: python only in the top-level host (code generators) selects the feedstock, and both libraries wait for python', ({ plan }) => {
  const mesa = plan.nodes.find((n: any) => n.id === 'mesalib');
  assert.is(mesa.status, 'planned', mesa.reason);
  assert.is(mesa.pythonDependency, 'top-level host: python 3.11.*');
  assert.equal(mesa.outputs, ['libglapi', 'libosmesa']);
  const python = mesa.dependsOn.find((d: any) => d.id === 'python-3.11');
  assert.equal([python?.section, python?.spec], ['host', 'python 3.11.*']);
  const stage = (id: string) => plan.stages.findIndex((s: string[]) => s.includes(id));
  assert.ok(stage('python-3.11') < stage('mesalib'), JSON.stringify(plan.stages));
});

real('planning again (renderings cached, bootstrap renderings too) gives the same bytes', ({ workDir, first }) => {
  assert.is(planJson(workDir), first);
});

real('run_exports come from the python that is installed: python_abi 3.11, never the newest python feedstock\'s 3.14', async ({ workDir }) => {
  const engine = await loadEngine({ config: join(here, 'rebuild.config.ts'), workDir }, here);
  const [plan] = await planRun(engine.createRun());
  const runOf = (id: string, output = id) =>
    plan.graph.getNodeAttributes(id).variants.flatMap((v) => v.outputs.filter((o) => o.name === output).flatMap((o) => o.requirements.run));
  for (const id of ['numpy', 'pyyaml', 'packaging']) {
    const abi = [...new Set(runOf(id).filter((s) => s.startsWith('python_abi')))];
    assert.equal(abi, ['python_abi 3.11.* *_cp311'], id);
  }
  // `rebuild why flit@bootstrap` says why the planner made it.
  assert.match(formatWhyText(whyReport([plan], new Map(), 'flit@bootstrap')), /\n  bootstrap build of flit: flit-feedstock\/recipe\/meta.yaml reads the variant key bootstrap \(bootstrap: no in its variant config\); rendered with bootstrap: yes it no longer needs docutils, tomli-w to build\n/);
});

real.run();
