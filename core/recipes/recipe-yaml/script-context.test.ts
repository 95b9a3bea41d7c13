// recipe.yaml (v1) build and test scripts see rattler-build's build environment variables
// (PYTHON, PREFIX, SRC_DIR, RECIPE_DIR, SP_DIR, ...), rendered per platform (issue 10 item 5);
// an undefined variable is an error naming it, at its line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecipeRef, Subdir } from '../../model/types.ts';
import { fixture } from './fixtures/refs.ts';
import { RecipeRenderError } from '../render-error.ts';
import { renderRecipeYaml } from './render.ts';
import { isScriptPath } from './script-context.ts';

const ref = (dir: string, name: string, aggregate: string): RecipeRef => fixture(name, { dir, aggregate });
const pyscript = fixture('pyscript');
const render = (r: RecipeRef, subdir: Subdir) => renderRecipeYaml(r, { subdir, python: '3.12' });

const scripts = suite('recipe.yaml: the script context');

scripts('linux: ${{ PYTHON }}, PREFIX, RECIPE_DIR in build.script; SP_DIR, PY_VER, SHLIB_EXT in a test script', async () => {
  const r = await render(pyscript, 'linux-64');
  assert.equal(r.warnings, []);
  const v = r.variants[0];
  assert.is(v.script, [
    '$PREFIX/bin/python -m pip install . -vv --no-deps --no-build-isolation',
    `install -m 644 ${pyscript.dir}/pyscript.conf $PREFIX/etc/pyscript.conf`,
  ].join('\n'));
  assert.equal(v.outputs[0].test.commands, [
    'pip check',
    `$PREFIX/bin/python -c "import pyscript, sys; assert pyscript.__version__ == '2.3.1'"`,
    'test -f $PREFIX/lib/python3.12/site-packages/pyscript/_speedups.cpython-312-x86_64-linux-gnu.so',
  ]);
});

scripts('win: the same variables as cmd references to the build prefix (LIBRARY_PREFIX too)', async () => {
  const v = (await render(pyscript, 'win-64')).variants[0];
  assert.is(v.script, [
    '%PREFIX%\\python.exe -m pip install . -vv --no-deps --no-build-isolation',
    `copy ${pyscript.dir}\\pyscript.conf %PREFIX%\\Library\\etc\\pyscript.conf`,
  ].join('\n'));
  assert.equal(v.outputs[0].test.commands, ['pip check', `%PREFIX%\\python.exe -c "import pyscript, sys; assert pyscript.__version__ == '2.3.1'"`]);
});

scripts('script variables are not recipe variables: ${{ PREFIX }} in a requirement is an undefined variable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-v1-script-'));
  try {
    const write = (name: string, text: string) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'recipe.yaml'), text);
      return ref(join(dir, name), name, dir);
    };
    const head = 'package:\n  name: typo\n  version: "1.0"\n\n';
    const typo = write('typo', `${head}build:\n  script:\n    - echo start\n    - \${{ PYTHN }} -m pip install . -vv\n`);
    const err = await render(typo, 'linux-64').catch((e: unknown) => e);
    assert.instance(err, RecipeRenderError);
    const e = err as RecipeRenderError;
    assert.is(e.file, join(dir, 'typo', 'recipe.yaml'));
    assert.is(e.line, 8);
    assert.match(e.detail, "undefined value: variable 'PYTHN' is not defined");
    assert.match(e.detail, '(at build.script[1])');
    const misplaced = write('misplaced', `${head}requirements:\n  host:\n    - python\n    - \${{ PREFIX }}/conda-meta\n`);
    const err2 = (await render(misplaced, 'linux-64').catch((x: unknown) => x)) as RecipeRenderError;
    assert.is(err2.line, 8);
    assert.match(err2.detail, "variable 'PREFIX' is not defined");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

scripts('isScriptPath :: build scripts of the recipe, of outputs and of tests; nothing else', () => {
  assert.ok(isScriptPath(['build', 'script']));
  assert.ok(isScriptPath(['outputs', 1, 'build', 'script', 0]) === false);
  assert.ok(isScriptPath(['outputs', 1, 'build', 'script']));
  assert.ok(isScriptPath(['tests', 0, 'script']));
  assert.not.ok(isScriptPath(['about', 'script']));
  assert.not.ok(isScriptPath(['requirements', 'build']));
});

scripts.run();
