// What both renderers put into RenderedOutput.test for the tester: meta.yaml `test:` (source_files,
// files) and v1 `tests:` (python + pip_check, script with files, package_contents).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecipeRef } from '../model/types.ts';
import { renderMetaYaml } from './meta-yaml/render.ts';
import { renderRecipeYaml } from './recipe-yaml/render.ts';

const t = suite('test sections', { root: '' });
t.before.each((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-test-section-'));
});
t.after.each((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

function recipe(root: string, file: 'meta.yaml' | 'recipe.yaml', text: string): RecipeRef {
  const dir = join(root, 'pkg-feedstock', 'recipe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), text);
  return { feedstock: 'pkg', dir, file: join(dir, file), format: file, aggregate: root, variantFiles: [] };
}
const target = { subdir: 'linux-64' as const, python: '3.13' };

t('meta.yaml: source_files and files are kept; absent when the recipe has none', async ({ root }) => {
  const ref = recipe(root, 'meta.yaml', `package: {name: pkg, version: "1.0"}
test:
  source_files: [tests/, setup.cfg]
  files: [test_data.json]
  imports: [pkg]
  commands: [pytest tests]
  requires: [pytest]
`);
  const [o] = (await renderMetaYaml(ref, target)).variants[0].outputs;
  assert.equal(o.test, { requires: ['pytest'], imports: ['pkg'], commands: ['pytest tests'], sourceFiles: ['tests/', 'setup.cfg'], files: ['test_data.json'] });
  const plain = recipe(root, 'meta.yaml', 'package: {name: pkg, version: "1.0"}\ntest:\n  imports: [pkg]\n');
  assert.equal((await renderMetaYaml(plain, target)).variants[0].outputs[0].test, { requires: [], imports: ['pkg'], commands: [] });
});

t('recipe.yaml: python imports + pip check, a script with its files and requirements, package_contents', async ({ root }) => {
  const ref = recipe(root, 'recipe.yaml', `package: {name: pkg, version: "1.0"}
tests:
  - python:
      imports: [pkg, pkg.sub]
  - script:
      - pkg --version
    files:
      source: [tests/]
      recipe: [data.txt]
    requirements:
      run: [pytest]
  - package_contents:
      files:
        exists: [share/pkg/*.txt]
        not_exists: ["**/*.pyc"]
      site_packages: [pkg.sub]
      bin: [pkg]
      lib: [pkgcore]
      include: [pkg.h]
      strict: true
`);
  const [o] = (await renderRecipeYaml(ref, target, { environ: {} })).variants[0].outputs;
  assert.equal(o.test, {
    requires: ['pip', 'pytest'],
    imports: ['pkg', 'pkg.sub'],
    commands: ['pip check', 'pkg --version'],
    sourceFiles: ['tests/'],
    files: ['data.txt'],
    packageContents: [{ files: ['share/pkg/*.txt'], notFiles: ['**/*.pyc'], sitePackages: ['pkg.sub'], bin: ['pkg'], lib: ['pkgcore'], include: ['pkg.h'], strict: true }],
  });
});

t('recipe.yaml: an unknown package_contents key is a located error', async ({ root }) => {
  const ref = recipe(root, 'recipe.yaml', 'package: {name: pkg, version: "1.0"}\ntests:\n  - package_contents:\n      binaries: [pkg]\n');
  const err = await renderRecipeYaml(ref, target, { environ: {} }).then(() => assert.unreachable('rendered'), (e) => e);
  assert.match(err.message, /recipe\.yaml:4.*unknown package_contents key 'binaries'/);
});

t.run();
