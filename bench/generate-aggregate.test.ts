import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAggregate, realStructure } from './generate-aggregate.ts';
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import { planTarget } from '../core/graph/plan-target.ts';
import { benchPlugins } from './bench-plugins.ts';

function digest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(name).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

const structure = suite('realStructure');

structure('reads the 2018 channel: real names, real edges, acyclic', () => {
  const real = realStructure();
  assert.ok(real.length > 700, `${real.length} names`);
  const cffi = real.find((p) => p.name === 'cffi')!;
  assert.ok(cffi.python);
  assert.ok(cffi.depends.some((d) => d.name === 'pycparser'));
  assert.not.ok(real.find((p) => p.name === 'zlib')!.python);
  // numpy ↔ mkl_fft is cut: some edge of that cycle is gone.
  const numpy = real.find((p) => p.name === 'numpy')!;
  const fft = real.find((p) => p.name === 'mkl_fft')!;
  assert.not.ok(numpy.depends.some((d) => d.name === 'mkl_fft') && fft.depends.some((d) => d.name === 'numpy'));
});

structure.run();

const generate = suite('generateAggregate', { dir: '', other: '' });

generate.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-gen-a-'));
  ctx.other = mkdtempSync(join(tmpdir(), 'rebuild-gen-b-'));
});
generate.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
  rmSync(ctx.other, { recursive: true, force: true });
});

generate('writes n feedstocks with the features real recipes use, deterministically', async ({ dir, other }) => {
  const n = 1000; // more than the real names: clones appear
  const stats = await generateAggregate({ n, dir: join(dir, 'agg') });
  await generateAggregate({ n, dir: join(other, 'agg') });
  assert.is(digest(join(dir, 'agg')), digest(join(other, 'agg')));
  assert.is(stats.feedstocks, n);
  assert.is(readdirSync(join(dir, 'agg')).filter((f) => f.endsWith('-feedstock')).length, n);
  for (const key of ['recipeYaml', 'multiOutput', 'noarch', 'localConfigs'] as const) assert.ok(stats[key] > 0, key);
  const first = realStructure().find((p) => p.name !== 'python')!.name;
  assert.ok(existsSync(join(dir, 'agg', `${first}-c1-feedstock`)), `${first}-c1`);
  const all = readdirSync(join(dir, 'agg'))
    .filter((f) => f.endsWith('-feedstock'))
    .map((f) => join(dir, 'agg', f, 'recipe', 'meta.yaml'))
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const feature of ['{% set', '|lower', ".split('.')", '# [win', '# [py<311]', '# [linux and x86_64]', "compiler('c')", 'pin_subpackage', 'outputs:', 'noarch: python']) {
    assert.ok(all.includes(feature), feature);
  }
  assert.match(readFileSync(join(dir, 'agg', 'conda_build_config.yaml'), 'utf8'), /zip_keys:\n  - \[python, numpy\]/);
});

generate('a generated aggregate plans without errors through the real renderers', async ({ dir }) => {
  const agg = join(dir, 'small');
  await generateAggregate({ n: 300, dir: agg });
  const { plugins } = await benchPlugins();
  const config = resolveConfig({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: agg, workDir: join(dir, 'work'), plugins }, { configFile: null, profile: null, cwd: dir });
  const run = new Engine(config).createRun();
  const plan = await planTarget(run, run.targets[0]);
  assert.equal(plan.errors.map((e) => e.message), []);
  assert.ok(plan.counts.planned > 50, `planned ${plan.counts.planned}`);
  // The real order survives generation: every real edge between planned packages is in stage order.
  const stage = (id: string) => plan.stages.findIndex((s) => s.includes(id));
  let checked = 0;
  for (const pkg of realStructure()) {
    if (stage(pkg.name) < 0) continue;
    assert.ok(stage('python') < stage(pkg.name) || pkg.name === 'python', pkg.name);
    for (const d of pkg.depends) {
      if (stage(d.name) < 0) continue;
      assert.ok(stage(d.name) < stage(pkg.name), `${d.name} before ${pkg.name}`);
      checked++;
    }
  }
  assert.ok(checked > 20, `${checked} edges checked`);
});

generate.run();
