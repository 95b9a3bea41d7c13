// Renders the hand-written, conda-forge-style aggregate in fixtures/realistic for three platforms
// and checks the facts conda-build would produce for those idioms.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subdir, Target } from '../../model/types.ts';
import { recipeFromPath } from '../discover.ts';
import { renderMetaYaml } from './render.ts';

const AGG = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'realistic');
const NAMES = readdirSync(AGG).filter((d) => d.endsWith('-feedstock')).sort();
const t = (subdir: string): Target => ({ subdir: subdir as Subdir, python: '3.13' });
type Rendered = Awaited<ReturnType<typeof renderMetaYaml>>;
const cache = new Map<string, Rendered>();
const render = async (name: string, subdir: string): Promise<Rendered> => {
  const key = `${name}/${subdir}`;
  if (!cache.has(key)) cache.set(key, await renderMetaYaml(await recipeFromPath(join(AGG, `${name}-feedstock`)), t(subdir), { environ: {} }));
  return cache.get(key)!;
};
const out = async (name: string, subdir: string, output = name, variant = 0) => {
  const v = (await render(name, subdir)).variants[variant];
  const o = v.outputs.find((x) => x.name === output);
  assert.ok(o, `${name}: no output ${output} on ${subdir}`);
  return o!;
};

const test = suite('realistic conda-forge-style aggregate');

test('every recipe renders on linux-64, osx-arm64 and win-64 without errors', async () => {
  assert.is(NAMES.length, 11);
  for (const subdir of ['linux-64', 'osx-arm64', 'win-64']) {
    for (const name of NAMES) {
      const r = await render(name.replace(/-feedstock$/, ''), subdir);
      assert.ok(r.variants.length >= 1, `${name} ${subdir}`);
      // setupdata's setup.py computes `packages`, which the recipe never reads: no warning.
      assert.equal(r.warnings, [], `${name} ${subdir}`);
    }
  }
});

test('noarch: python with python_min', async () => {
  for (const subdir of ['linux-64', 'win-64']) {
    const o = await out('typing-extras', subdir);
    assert.is(o.noarch, 'python');
    assert.is(o.build, 'py_0');
    assert.equal(o.requirements.host, ['python 3.9', 'flit-core >=3.4,<4', 'pip']);
    assert.equal(o.requirements.run, ['python >=3.9']);
    assert.equal(o.test.requires, ['pip', 'python 3.9']);
    assert.equal(o.test.commands, ['pip check']);
  }
  const r = await render('typing-extras', 'linux-64');
  assert.equal(r.variants[0].source[0].url, ['https://pypi.org/packages/source/t/typing-extras/typing_extras-4.12.2.tar.gz']);
  // `{% set python_min = python_min | default(...) %}` keeps the config value; a [win] dependency.
  assert.equal((await out('clickish', 'linux-64')).requirements.run, ['python >=3.9']);
  assert.equal((await out('clickish', 'win-64')).requirements.run, ['python >=3.9', 'colorama']);
  assert.is((await out('clickish', 'win-64')).build, 'py_1');
});

test('compiled python package: compilers, stdlib, pin_compatible, cross-python dropped natively', async () => {
  const o = await out('fastmath', 'linux-64');
  assert.is(o.noarch, null);
  assert.match(o.build, /^py313h[0-9a-f]{7}_2$/);
  assert.equal(o.requirements.build, ['gcc_linux-64 13.*', 'sysroot_linux-64 2.17.*', 'gxx_linux-64 13.*', 'pkg-config']);
  assert.equal(o.requirements.host, ['python 3.13.*', 'pip', 'cython >=3.0', 'numpy 2.1.*', 'setuptools', 'libzlib 1.3.*']);
  assert.equal(o.requirements.run, ['python >=3.13,<3.14.0a0', 'numpy >=2.1,<3.0a0', 'packaging']);
  const osx = await out('fastmath', 'osx-arm64');
  assert.equal(osx.requirements.build, ['clang_osx-arm64 18.*', 'macosx_deployment_target_osx-arm64 11.0.*', 'clangxx_osx-arm64 18.*', 'pkg-config']);
  const win = await out('fastmath', 'win-64');
  assert.equal(win.requirements.build, ['vs2022_win-64', 'vs_win-64 2019.11.*', 'vs2022_win-64']);
});

test('skips, variant-key selectors and lower_bound pin_compatible', async () => {
  const win = await render('armopt', 'win-64');
  assert.ok(win.variants.every((v) => v.skip));
  const linux = await render('armopt', 'linux-64');
  assert.equal(linux.variants.map((v) => v.variant.blas_impl), ['openblas', 'mkl']);
  const [openblas, mkl] = linux.variants.map((v) => v.outputs[0]);
  assert.equal(openblas.requirements.run, ['python >=3.13,<3.14.0a0', 'numpy >=1.22,<2.0a0', 'libopenblas']);
  assert.equal(mkl.requirements.run, ['python >=3.13,<3.14.0a0', 'numpy >=1.22,<2.0a0']);
  // blas_impl has no mkl entry off x86_64.
  assert.equal((await render('armopt', 'osx-arm64')).variants.map((v) => v.variant.blas_impl), ['openblas']);
});

test('multi-output lib/py split with pin_subpackage', async () => {
  const lib = await out('zstdlite', 'linux-64', 'libzstdlite');
  assert.match(lib.build, /^h[0-9a-f]{7}_0$/);
  const exact = `libzstdlite 1.5.6 ${lib.build}`;
  const py = await out('zstdlite', 'linux-64', 'py-zstdlite');
  assert.match(py.build, /^py313h[0-9a-f]{7}_0$/);
  assert.equal(py.requirements.host, ['python 3.13.*', 'pip', 'setuptools', exact]);
  // (the sibling's run_export `libzstdlite >=1.5.6,<2.0a0` is added later, by the CLI's finalize step)
  assert.equal(py.requirements.run.slice(0, 2), ['python >=3.13,<3.14.0a0', exact]);
  const cli = await out('zstdlite', 'win-64', 'zstdlite');
  assert.equal(cli.requirements.run[0], `libzstdlite 1.5.6 ${(await out('zstdlite', 'win-64', 'libzstdlite')).build}`);
  assert.equal((await out('zstdlite', 'win-64', 'libzstdlite')).test.commands, ['if not exist %LIBRARY_BIN%\\zstdlite.dll exit 1']);
});

test('C++ library: {% if win %} block, per-platform tests', async () => {
  const linux = await out('libgeom', 'linux-64');
  assert.match(linux.build, /^h[0-9a-f]{7}_1$/);
  assert.equal(linux.requirements.host, ['zlib 1.3.*', 'openssl 3.*']);
  assert.equal(linux.test.commands, ['test -f ${PREFIX}/lib/libgeom${SHLIB_EXT}', 'geom-config --version']);
  const win = await out('libgeom', 'win-64');
  assert.equal(win.requirements.build, ['vs2022_win-64', 'vs_win-64 2019.11.*', 'vs2022_win-64', 'cmake', 'ninja']);
  assert.equal(win.requirements.host, ['zlib 1.3.*', 'openssl 3.*', 'm2-patch']);
});

test('environ / os.environ defaults, explicit build string', async () => {
  const o = await out('gitver', 'linux-64');
  assert.is(o.version, '0.0.0dev');
  assert.is(o.build, 'py313_0');
  assert.equal(o.requirements.run, ['python >=3.13,<3.14.0a0']);
});

test('for loops, version.split, load_setup_py_data, R and rust recipes', async () => {
  const ts = await out('toolsuite', 'osx-arm64');
  assert.equal(ts.requirements.run, ['python >=3.9', 'requests', 'pyyaml', 'toolsuite-alpha >=1.2.0', 'toolsuite-beta >=1.2.0']);
  assert.equal(ts.requirements.run_constrained, ['toolsuite-gamma >=1']);
  assert.equal(ts.test.imports, ['toolsuite.alpha', 'toolsuite.beta']);
  const sd = await out('setupdata', 'linux-64');
  assert.is(sd.version, '0.4.1');
  assert.equal(sd.requirements.run, ['python >=3.9', 'requests >=2.20', 'tqdm']);
  const r = await render('r-tidyish', 'linux-64');
  assert.equal(r.variants.map((v) => v.outputs[0].build.slice(0, 4)), ['r43h', 'r44h']);
  assert.equal(r.variants[1].outputs[0].requirements.run, ['r-base >=4.4,<4.5.0a0', 'r-rlang >=1.0.0', 'r-vctrs']);
  const rwin = await out('r-tidyish', 'win-64');
  assert.equal(rwin.requirements.run, ['r-base >=4.3,<4.4.0a0', 'm2w64-gcc-libs', 'r-rlang >=1.0.0', 'r-vctrs']);
  assert.ok(rwin.requirements.build.includes('m2-make'));
  const rg = await out('ripcli', 'linux-64');
  assert.equal(rg.requirements.build, ['rust_linux-64 1.81.0.*', 'gcc_linux-64 13.*', 'sysroot_linux-64 2.17.*', 'cargo-bundle-licenses']);
  assert.equal((await out('ripcli', 'win-64')).test.commands, ['rg --version']);
});

test.run();
