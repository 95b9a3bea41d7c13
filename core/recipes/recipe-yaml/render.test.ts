import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecipeRef, RenderedRecipe, Subdir } from '../../model/types.ts';
import { RecipeRenderError } from '../render-error.ts';
import { RecipeYamlError } from '../yaml.ts';
import { AGG, fixture } from './fixtures/refs.ts';
import { renderRecipeYaml } from './render.ts';

const render = (ref: RecipeRef, subdir: Subdir, environ: Record<string, string> = {}) => renderRecipeYaml(ref, { subdir, python: '3.13' }, { environ });
const only = (r: RenderedRecipe) => {
  assert.is(r.variants.length, 1);
  return r.variants[0];
};

// ---------------------------------------------------------------- single output

const single = suite('renderRecipeYaml :: single output');

single('context chain, filters, methods, if/then/else, compiler/stdlib, pins, tests :: linux-64', async () => {
  const r = await render(fixture('simple'), 'linux-64');
  const v = only(r);
  // python is forced to the target; numpy follows it through zip_keys (newest older python's partner).
  assert.equal(v.variant, { c_compiler: 'gcc', c_compiler_version: '12', c_stdlib: 'sysroot', c_stdlib_version: '2.17', numpy: '2.0', python: '3.13' });
  assert.is(v.skip, false);
  assert.is(v.buildNumber, 1);
  assert.is(v.script, 'echo 2.10 2-10-1\ncp a b');
  assert.equal(v.source, [
    { url: ['https://example.org/foobar/foobar-2.10.1.tar.gz'], sha256: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' },
    { path: '../patches', folder: 'extra' },
  ]);
  assert.equal(v.about, { homepage: 'https://example.org', license: 'BSD-3-Clause', summary: 'FooBar 2.10' });
  assert.is(v.outputs.length, 1);
  const o = v.outputs[0];
  assert.is(o.name, 'foobar');
  assert.is(o.version, '2.10.1');
  assert.match(o.build, /^py313h[0-9a-f]{7}_1$/);
  assert.is(o.buildNumber, 1);
  assert.is(o.noarch, null);
  assert.equal(o.requirements, {
    build: ['gcc_linux-64 12.*', 'sysroot_linux-64 2.17.*', 'make'],
    host: ['python 3.13.*', 'numpy 2.0.*', 'pip'],
    run: ['python', 'numpy >=2.0,<3.0a0', 'tomli-w'],
    run_constrained: ['openssl >=3'],
  });
  assert.equal(o.runExports, { weak: ['foobar >=2.10.1,<2.11.0a0'], strong: [] });
  assert.equal(o.test, { requires: ['pip', 'pytest'], imports: ['foobar', 'foobar.core'], commands: ['pip check', 'foobar --version'] });
  assert.is(o.license, 'BSD-3-Clause');
  assert.is(o.script, null);
  assert.equal(r.warnings, []);
});

single('a dependency only on win-64 (nested if: x86_64), win compilers from the config :: win-64', async () => {
  const v = only(await render(fixture('simple'), 'win-64'));
  const o = v.outputs[0];
  assert.equal(o.requirements.host, ['python 3.13.*', 'numpy 2.0.*', 'pip', 'pywin32', 'win64-only']);
  assert.equal(o.requirements.build, ['vs2019_win-64 19.29.*', 'vs_win-64 2019.*']);
  assert.is(v.script, 'echo 2.10 2-10-1\ncopy a b');
});

single('per-arch selection :: linux-aarch64 has no win deps, its own compiler; the hash differs per target', async () => {
  const [a, b] = await Promise.all([render(fixture('simple'), 'linux-aarch64'), render(fixture('simple'), 'linux-64')]);
  const o = only(a).outputs[0];
  assert.equal(o.requirements.build, ['gcc_linux-aarch64 12.*', 'sysroot_linux-aarch64 2.17.*', 'make']);
  assert.equal(o.requirements.host, ['python 3.13.*', 'numpy 2.0.*', 'pip']);
  assert.is.not(o.build, only(b).outputs[0].build);
});

single('compiler defaults and the stdlib fallback, with warnings, when there is no variant config :: osx-arm64', async () => {
  const ref = { ...fixture('simple'), variantFiles: [] };
  const r = await render(ref, 'osx-arm64');
  const o = only(r).outputs[0];
  assert.equal(o.requirements.build, ['clang_osx-arm64', 'macosx_deployment_target_osx-arm64', 'make']);
  assert.equal(o.requirements.host, ['python 3.13.*', 'numpy', 'pip']);
  assert.equal(o.requirements.run, ['python', 'numpy', 'tomli-w']);
  const messages = r.warnings.map((w) => `${w.line}: ${w.message}`);
  assert.ok(messages.some((m) => /^32: stdlib\('c'\): no 'c_stdlib'/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /^46: pin_compatible\('numpy'\): no variant value/.test(m)), messages.join('\n'));
});

single('noarch: python, typed context (0.10 stays text), default filter, env.get in a condition, script file', async () => {
  const plain = only(await render(fixture('purepy'), 'linux-64'));
  const o = plain.outputs[0];
  assert.is(o.version, '0.10');
  assert.is(o.noarch, 'python');
  assert.match(o.build, /^pyh[0-9a-f]{7}_0$/);
  assert.equal(o.requirements.host, ['python 3.9.*', 'pip']);
  assert.equal(o.requirements.run, ['python >=3.9']);
  assert.is(plain.script, 'build_pure.sh');
  const extra = only(await render(fixture('purepy'), 'linux-64', { PUREPY_EXTRA: 'yes' }));
  assert.equal(extra.outputs[0].requirements.run, ['python >=3.9', 'purepy-extra']);
});

single.run();

// ---------------------------------------------------------------- variants

const variants = suite('renderRecipeYaml :: variants');

variants('recipe-local variants.yaml multiplies a used key; build.string with hash; python forced', async () => {
  const r = await render(fixture('blas'), 'linux-64');
  assert.equal(r.variants.map((v) => v.variant), [
    { blas_impl: 'openblas', python: '3.13' },
    { blas_impl: 'mkl', python: '3.13' },
    { blas_impl: 'blis', python: '3.13' },
  ]);
  const builds = r.variants.map((v) => v.outputs[0].build);
  assert.match(builds[0], /^openblas_py313h[0-9a-f]{7}_0$/);
  assert.match(builds[1], /^mkl_py313h[0-9a-f]{7}_0$/);
  assert.is(new Set(builds.map((b) => b.split('_')[1])).size, 3, 'each variant has its own hash');
  assert.equal(r.variants[1].outputs[0].requirements, { build: [], host: ['python 3.13.*', 'mkl'], run: ['python', 'mkl-service'], run_constrained: [] });
  assert.equal(r.variants.map((v) => v.skip), [false, false, false]);
});

variants('build: skip: per variant, skipped variants kept with skip: true :: osx-arm64 skips mkl, has no blis', async () => {
  const r = await render(fixture('blas'), 'osx-arm64');
  assert.equal(r.variants.map((v) => [v.variant.blas_impl, v.skip]), [['openblas', false], ['mkl', true]]);
  assert.is(r.variants[1].outputs[0].name, 'fastnum');
});

variants('skip with ${{ }} and match(): a python below the spec skips', async () => {
  const r = await renderRecipeYaml(fixture('blas'), { subdir: 'linux-64', python: '3.11' }, { environ: {} });
  assert.equal(r.variants.map((v) => [v.variant.blas_impl, v.skip]), [['openblas', false], ['mkl', false], ['blis', true]]);
});

variants('variant overrides (bootstrap builds) are forced on every variant', async () => {
  const r = await render(fixture('purepy', { variantOverrides: { bootstrap: 'true' } }), 'linux-64');
  assert.is(only(r).variant.bootstrap, 'true');
});

variants.run();

// ---------------------------------------------------------------- outputs

const outputs = suite('renderRecipeYaml :: multi-output and staging');

outputs('staging output, inherit (short and from: forms), exact and bounded pin_subpackage, per-output skip :: linux-64', async () => {
  const v = only(await render(fixture('multi'), 'linux-64'));
  assert.equal(v.outputs.map((o) => o.name), ['libzed', 'zed-dev', 'py-zed']);
  assert.equal(v.staging, [
    {
      name: 'zed-build',
      requirements: { build: ['gxx_linux-64', 'cmake'], host: ['openssl 3.*', 'zlib'] },
      script: 'cmake -B build\ncmake --build build --target install',
      source: [],
    },
  ]);
  const [lib, dev, py] = v.outputs;
  // Inheriting outputs need the staging build/host requirements to build.
  assert.equal(lib.requirements.build, ['gxx_linux-64', 'cmake']);
  assert.equal(lib.requirements.host, ['openssl 3.*', 'zlib']);
  assert.is(lib.inherit, 'zed-build');
  assert.is(dev.inherit, 'zed-build');
  assert.is(py.inherit, undefined);
  assert.equal(py.requirements.build, []);
  assert.equal(lib.runExports, { weak: [], strong: ['libzed >=3.1.4,<3.2.0a0'], weak_constrains: ['zed-plugins >=3'] });
  assert.equal(dev.ignoreRunExports, { names: ['libzlib'], from: ['zlib'] });
  assert.is(lib.ignoreRunExports, undefined);
  assert.match(lib.build, /^h[0-9a-f]{7}_3$/);
  assert.equal(dev.requirements.run, [`libzed ==3.1.4 ${lib.build}`]);
  assert.is(py.version, '0.9.0');
  assert.is(py.noarch, 'python');
  assert.match(py.build, /^pyh[0-9a-f]{7}_3$/);
  assert.equal(py.requirements.run, ['python', 'libzed >=3.1,<4.0a0']);
  assert.equal(py.test, { requires: [], imports: ['zed'], commands: [] });
  assert.is(py.script, 'install-py.sh');
  assert.is(py.license, 'MIT');
  assert.is(lib.license, 'Apache-2.0');
  assert.is(v.buildNumber, 3);
  assert.equal(v.about, { license: 'Apache-2.0', homepage: 'https://example.org/zed' });
});

outputs('an output selected by if: win, and one skipped on unix only :: win-64', async () => {
  const v = only(await render(fixture('multi'), 'win-64'));
  assert.equal(v.outputs.map((o) => o.name), ['libzed', 'zed-dev', 'py-zed', 'zed-win-tools', 'zed-legacy']);
  assert.equal(v.outputs[3].requirements.run, [`libzed ==3.1.4 ${v.outputs[0].build}`]);
  assert.equal(v.outputs[0].requirements.build, ['vs2017_win-64', 'cmake']);
});

outputs('the older top-level cache: is inherited by every output', async () => {
  const v = only(await render(fixture('cached'), 'linux-64'));
  assert.equal(v.staging?.map((s) => [s.name, s.script]), [['cache', 'make install']]);
  for (const o of v.outputs) {
    assert.is(o.inherit, 'cache');
    assert.equal(o.requirements.build, ['gcc_linux-64 12.*']);
    assert.equal(o.requirements.host, ['libpng']);
  }
  assert.equal(v.outputs[1].requirements.run, [`oldcache-lib ==0.5 ${v.outputs[0].build}`]);
});

outputs.run();

// ---------------------------------------------------------------- inline conditionals

const inline = suite('renderRecipeYaml :: inline conditionals');

inline('an empty ${{ x if cond }} is dropped from lists and maps; if/then/else works as a mapping value', async () => {
  const { ref, cleanup } = tempRecipe(
    [
      'package:',
      '  name: inl',
      '  version: "1"',
      'source:',
      '  - git: https://example.org/inl.git',
      '    target_directory: inl',
      'build:',
      '  number: ${{ 100 if cuda == "yes" }}',
      '  noarch: ${{ "python" if cuda == "no" }}',
      '  script:',
      '    if: win',
      '    then: bld.bat',
      '    else: echo unix',
      'requirements:',
      '  host:',
      '    - ${{ "cudatoolkit" if cuda == "yes" }}',
      '    - python',
      '',
    ].join('\n'),
    { 'variants.yaml': 'cuda:\n  - "yes"\n  - "no"\n' },
  );
  try {
    const r = await render(ref, 'linux-64');
    assert.equal(r.variants.map((v) => v.variant.cuda), ['yes', 'no']);
    const [yes, no] = r.variants.map((v) => v.outputs[0]);
    assert.equal([yes.buildNumber, yes.noarch, yes.requirements.host], [100, null, ['cudatoolkit', 'python 3.13.*']]);
    assert.equal([no.buildNumber, no.noarch, no.requirements.host], [0, 'python', ['python 3.13.*']]);
    assert.is(r.variants[0].script, 'echo unix');
    assert.equal(r.variants[0].source, [{ folder: 'inl' }]);
    assert.equal(r.warnings.map((w) => [w.line, /git sources are not modelled/.test(w.message)]), [[5, true]]);
  } finally {
    cleanup();
  }
});

inline.run();

// ---------------------------------------------------------------- errors

const errors = suite('renderRecipeYaml :: errors name the file and line');

function tempRecipe(text: string, files: Record<string, string> = {}): { ref: RecipeRef; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'recipe-yaml-'));
  const dir = join(root, 'bad', 'recipe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'recipe.yaml'), text);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return {
    ref: { feedstock: 'bad', dir, file: join(dir, 'recipe.yaml'), format: 'recipe.yaml', aggregate: root, variantFiles: [] },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

async function renderError(text: string, files: Record<string, string> = {}): Promise<Error> {
  const { ref, cleanup } = tempRecipe(text, files);
  try {
    await render(ref, 'linux-64');
  } catch (err) {
    return err as Error;
  } finally {
    cleanup();
  }
  throw new Error('expected a render error');
}

const PKG = 'package:\n  name: bad\n  version: "1.0"\n';

const cases: [string, string, RegExp][] = [
  ['bad YAML', 'package:\n  name: bad\n   version: 1\n', /recipe\.yaml:2:\d+: invalid YAML/],
  ['an expression with a syntax error', `${PKG}requirements:\n  host:\n    - python\n    - \${{ 1 + }}\n`, /recipe\.yaml:7: invalid expression: .*syntax error.*\(at requirements\.host\[1\]\)/],
  ['an undefined name in interpolation', `${PKG}requirements:\n  run:\n    - foo \${{ nope }}\n`, /recipe\.yaml:6: invalid expression: .*undefined value.*\(at requirements\.run\[0\]\)/],
  ['an unclosed ${{', `${PKG}about:\n  summary: x \${{ name\n`, /recipe\.yaml:5: invalid expression: .*unclosed/],
  ['a context key used before it is set', `context:\n  a: \${{ b }}\n  b: x\n${PKG}`, /recipe\.yaml:2: .*undefined value.*\(at context\.a\)/],
  ['an invalid if: condition', `${PKG}requirements:\n  run:\n    - if: linux and\n      then: x\n`, /recipe\.yaml:6: invalid condition: .*\(at requirements\.run\[0\]\.if\)/],
  ['a nested conditional error', `${PKG}requirements:\n  run:\n    - if: linux\n      then:\n        - a\n        - \${{ oops( }}\n`, /recipe\.yaml:9: .*\(at requirements\.run\[0\]\.then\[1\]\)/],
  ['an unset environment variable', `${PKG}build:\n  script: echo \${{ env.get("NOT_SET_ANYWHERE") }}\n`, /recipe\.yaml:5: .*NOT_SET_ANYWHERE is not set/],
  ['no package section', 'about:\n  license: MIT\n', /recipe\.yaml:1: no package: section/],
  ['a package without a version', 'package:\n  name: bad\n', /recipe\.yaml:1: package bad has no version \(at package\)/],
  ['a bad build number', `${PKG}build:\n  number: one\n`, /recipe\.yaml:5: build number must be a non-negative integer, not 'one'/],
  ['a bad noarch', `${PKG}build:\n  noarch: java\n`, /recipe\.yaml:5: noarch must be 'python' or 'generic'/],
  ['an invalid match spec', `${PKG}requirements:\n  run:\n    - ok\n    - foo 1 2 3\n`, /recipe\.yaml:7: invalid match spec 'foo 1 2 3'.*\(at requirements\.run\[1\]\)/],
  ['a requirement that is a mapping', `${PKG}requirements:\n  run:\n    - { a: b }\n`, /recipe\.yaml:6: a requirement must be a match spec string/],
  ['pin_subpackage of an unknown output', `${PKG}requirements:\n  run_exports:\n    - \${{ pin_subpackage('other') }}\n`, /recipe\.yaml:6: pin_subpackage\('other'\): no output of this recipe is named 'other' \(outputs: bad\)/],
  ['pin_subpackage with a bad argument', `${PKG}requirements:\n  run:\n    - \${{ pin_subpackage('bad', max='x') }}\n`, /recipe\.yaml:6: .*unknown argument 'max'/],
  ['requirements at the top of a multi-output recipe', 'recipe:\n  version: "1"\nrequirements:\n  run: [a]\noutputs:\n  - package: {name: a}\n', /recipe\.yaml:3: requirements is not allowed at the top/],
  ['inherit from an unknown staging output', 'recipe:\n  version: "1"\noutputs:\n  - staging: {name: s1}\n  - package: {name: a}\n    inherit: s2\n', /recipe\.yaml:6: inherit: no staging output named 's2' \(staging outputs: s1\)/],
  ['an output with neither package nor staging', 'recipe:\n  version: "1"\noutputs:\n  - build: {number: 1}\n', /recipe\.yaml:4: an output needs package:/],
  ['a staging output with run requirements', 'recipe:\n  version: "1"\noutputs:\n  - staging: {name: s}\n    requirements:\n      run: [x]\n  - package: {name: a}\n', /recipe\.yaml:6: a staging output has no run requirements/],
  ['an unsupported schema_version', `schema_version: 2\n${PKG}`, /recipe\.yaml:1: unsupported schema_version 2/],
  ['a bad build string', `${PKG}build:\n  string: a-\${{ hash }}\n`, /recipe\.yaml:5: build string 'a-h[0-9a-f]{7}' must be non-empty, without '-'/],
];

for (const [name, text, pattern] of cases) {
  errors(`${name} :: ${pattern.source.slice(0, 40)}`, async () => {
    const err = await renderError(text);
    assert.ok(err instanceof RecipeRenderError || err instanceof RecipeYamlError, `${err.name}: ${err.message}`);
    assert.match(err.message, pattern);
    if (err instanceof RecipeRenderError) {
      assert.is(err.feedstock, 'bad');
      assert.ok(err.file.endsWith('recipe.yaml'));
      assert.type(err.line, 'number');
    }
  });
}

errors('a bad condition in variants.yaml names that file and line', async () => {
  const err = await renderError(`${PKG}requirements:\n  host: [blas]\n`, { 'variants.yaml': 'blas:\n  - a\n  - if: linux ==\n    then: b\n' });
  assert.instance(err, RecipeRenderError);
  assert.match(err.message, /variants\.yaml:3: invalid condition/);
});

errors('an undefined name in a condition is false with a warning, not an error', async () => {
  const { ref, cleanup } = tempRecipe(`${PKG}requirements:\n  run:\n    - if: use_cuda and linux\n      then: cudatoolkit\n      else: cpu-only\n`);
  try {
    const r = await render(ref, 'linux-64');
    assert.equal(only(r).outputs[0].requirements.run, ['cpu-only']);
    assert.equal(r.warnings.map((w) => w.line), [6]);
    assert.match(r.warnings[0].message, /undefined/);
  } finally {
    cleanup();
  }
});

errors('a skipped variant that cannot render is kept, skipped, with a warning', async () => {
  const { ref, cleanup } = tempRecipe(`${PKG}build:\n  skip: [linux]\nrequirements:\n  run:\n    - \${{ only_on_win }}\n`);
  try {
    const r = await render(ref, 'linux-64');
    const v = only(r);
    assert.is(v.skip, true);
    assert.equal(v.outputs, []);
    assert.match(r.warnings[0].message, /skipped variant not rendered: .*undefined/);
    assert.is(r.warnings[0].line, 8);
  } finally {
    cleanup();
  }
});

errors.run();
