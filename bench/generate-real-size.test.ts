import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRealSizeAggregate } from './generate-real-size.ts';
import { discoverRecipes } from '../core/recipes/discover.ts';
import { renderMetaYamlHere } from '../core/recipes/meta-yaml/render.ts';
import type { Target } from '../core/model/types.ts';

const gen = suite('generateRealSizeAggregate');
let dir = '';
gen.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebuild-real-size-'));
});
gen.after(() => rmSync(dir, { recursive: true, force: true }));

gen('a real aggregate\'s shape: a ~1,000-line, ~460-key config, recipes of 40–400 lines with the real idioms, all rendering', async () => {
  const stats = await generateRealSizeAggregate({ n: 60, dir: join(dir, 'a') });
  assert.ok(stats.configLines >= 1000 && stats.configKeys >= 450, JSON.stringify(stats));
  assert.ok(stats.lines.min >= 40 && stats.lines.max <= 400, JSON.stringify(stats.lines));
  assert.ok(stats.selectors.median >= 5 && stats.selectors.median <= 15, JSON.stringify(stats.selectors));
  assert.ok(stats.multiOutput > 0 && stats.localConfigs > 0);
  const config = readFileSync(join(dir, 'a', 'conda_build_config.yaml'), 'utf8');
  for (const idiom of ['zip_keys:', '  - [python, numpy, python_impl]', '# [win]', 'c_compiler_version:', 'pin_run_as_build:']) assert.ok(config.includes(idiom), idiom);
  const all = readdirSync(join(dir, 'a')).filter((d) => d.endsWith('-feedstock')).map((d) => readFileSync(join(dir, 'a', d, 'recipe', 'meta.yaml'), 'utf8')).join('\n');
  for (const idiom of ['{% set ', '{% if build_ext', 'pin_subpackage(', 'pin_compatible(', 'script_env:', '  imports:', '  commands:', '  requires:', "compiler('c')", 'description: |']) {
    assert.ok(all.includes(idiom), idiom);
  }
  const target = { subdir: 'linux-64', python: '3.13' } as Target;
  const { recipes } = await discoverRecipes([join(dir, 'a')]);
  assert.is(recipes.length, 60);
  for (const r of recipes) {
    const rendered = await renderMetaYamlHere(r, target);
    assert.ok(rendered.variants[0].outputs.length >= 1, r.feedstock);
  }
  // Deterministic.
  const again = await generateRealSizeAggregate({ n: 60, dir: join(dir, 'b') });
  assert.equal({ ...again, dir: '' }, { ...stats, dir: '' });
  assert.is(readFileSync(join(dir, 'b', 'conda_build_config.yaml'), 'utf8'), config);
});

gen.run();
