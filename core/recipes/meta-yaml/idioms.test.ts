// meta.yaml idioms of conda-build's own test recipes (issue 10 item 7), the undefined-variable warning
// and the package name/version render errors (issue 9 item 8), on fixtures of our own.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subdir, Target } from '../../model/types.ts';
import { recipeFromPath } from '../discover.ts';
import { RecipeRenderError } from '../render-error.ts';
import { renderMetaYaml } from './render.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const t = (subdir: string, python = '3.11'): Target => ({ subdir: subdir as Subdir, python });
const render = async (path: string, target: Target, env?: Record<string, string>) => renderMetaYaml(await recipeFromPath(join(FIX, path)), target, { environ: env });
const only = async (path: string, target: Target, env?: Record<string, string>) => {
  const r = await render(path, target, env);
  assert.is(r.variants.length, 1);
  return { r, v: r.variants[0], o: r.variants[0].outputs[0] };
};
const renderError = async (path: string, target = t('linux-64')): Promise<RecipeRenderError> => {
  try {
    await render(path, target);
  } catch (err) {
    if (err instanceof RecipeRenderError) return err;
    throw err;
  }
  throw new Error(`${path} rendered`);
};

const templates = suite('meta.yaml: import, from-import and include of recipe-dir templates');

templates('the imported version, macro and per-platform names; selectors inside the templates are applied', async () => {
  const linux = await only('idioms/tmplpkg-feedstock', t('linux-64'));
  assert.equal(linux.r.warnings, []);
  assert.is(linux.o.version, '3.8.2');
  assert.equal(linux.v.source, [{ url: ['https://example.org/tmplpkg/tmplpkg-3.8.2.tar.gz'], sha256: '5b0c2a4e4e0d6f7a81c3f7c2b8f1d3e6a9b2c4d5e6f708192a3b4c5d6e7f8091' }]);
  // abi_tag reads the variant's python inside the imported template; PKG_BUILDNUM the build number.
  assert.is(linux.o.build, 'cp311_1');
  assert.equal(linux.o.requirements.run, ['python >=3.11,<3.12.0a0', 'cffi >=1.15', 'libuuid']);
  const win = await only('idioms/tmplpkg-feedstock', t('win-64'));
  assert.equal(win.o.requirements.run, ['python >=3.11,<3.12.0a0', 'cffi >=1.15', 'colorama', 'pywin32']);
  const osx = await only('idioms/tmplpkg-feedstock', t('osx-arm64', '3.12'));
  assert.equal(osx.o.requirements.run, ['python >=3.12,<3.13.0a0', 'cffi >=1.15', 'appnope']);
  assert.is(osx.o.build, 'cp312_1');
});

templates('a template outside the recipe dir is an error at the line that loads it', async () => {
  const e = await renderError('errors/template-outside');
  assert.is(e.file, join(FIX, 'errors/template-outside/recipe/meta.yaml'));
  assert.is(e.line, 1);
  assert.match(e.detail, "template '../../common/versions.jinja' is outside the recipe dir");
});

templates.run();

const zip = suite('meta.yaml: zip_keys groups emptied by selectors');

zip('a `- # [win]` group is no group on linux and osx, and zips on win', async () => {
  const linux = await only('idioms/setifpkg-feedstock', t('linux-64'));
  assert.equal(linux.v.variant, { c_compiler: 'gcc', c_compiler_version: '13', openssl: '3', python: '3.11', target_platform: 'linux-64' });
  const osx = await only('idioms/setifpkg-feedstock', t('osx-64', '3.12'));
  assert.equal(osx.v.variant, { c_compiler: 'clang', c_compiler_version: '17', openssl: '3', python: '3.12', target_platform: 'osx-64' });
  // On win the group holds: python 3.12 is zipped with vs2022 and its version.
  const win = await only('idioms/setifpkg-feedstock', t('win-64', '3.12'));
  assert.equal(win.v.variant, { c_compiler: 'vs2022', c_compiler_version: '19.39', openssl: '3', python: '3.12', target_platform: 'win-64' });
  assert.equal(win.o.requirements.build, ['vs2022_win-64 19.39.*']);
  assert.equal(win.r.warnings, []);
});

zip.run();

const data = suite('meta.yaml: load_file_data from the recipe dir with .get() chains');

data('pyproject.toml, a yaml and a json file read through get(key, {}).get(...) and loops', async () => {
  const { r, v, o } = await only('idioms/pyprojpkg-feedstock', t('linux-64'));
  assert.equal(r.warnings, []);
  assert.is(o.name, 'pyprojpkg');
  assert.is(o.version, '0.9.4');
  assert.equal(o.requirements.host, ['python >=3.9', 'hatchling>=1.18', 'pip']);
  // tomli is selected out for python 3.11 ([py<311]).
  assert.equal(o.requirements.run, ['python >=3.9', 'packaging>=23', 'typing-extensions>=4.6', 'click >=8.1']);
  assert.equal(o.test.imports, ['pyprojpkg', 'pyprojpkg.cli']);
  assert.is(v.about.home, 'https://example.org/pyprojpkg');
  assert.is(v.about.license, 'Apache-2.0');
  const py310 = await only('idioms/pyprojpkg-feedstock', t('linux-64', '3.10'));
  assert.ok(py310.o.requirements.run.includes('tomli'));
});

data.run();

const blocks = suite('meta.yaml: {% set %} inside {% if %}, is defined / is undefined');

blocks('names set in if blocks per platform, defaults through `is undefined`, guarded uses through `is defined`', async () => {
  const linux = await only('idioms/setifpkg-feedstock', t('linux-64'));
  assert.equal(linux.r.warnings, []);
  assert.match(linux.o.build, /^lnx_h[0-9a-f]{7}_3$/);
  assert.equal(linux.o.requirements.host, ['openblas', 'openssl 3.*']);
  assert.equal(linux.o.requirements.run, ['openblas']);
  const win = await only('idioms/setifpkg-feedstock', t('win-64'));
  assert.match(win.o.build, /^std_h[0-9a-f]{7}_3$/);
  assert.equal(win.o.requirements.run, ['mkl']);
  // Neither branch sets blas_impl on osx: the guarded lines go, the fallback is used, nothing warns.
  const osx = await only('idioms/setifpkg-feedstock', t('osx-arm64'));
  assert.equal(osx.r.warnings, []);
  assert.equal(osx.o.requirements.host, ['openssl 3.*']);
  assert.equal(osx.o.requirements.run, ['libblas-generic']);
});

blocks.run();

const environ = suite('meta.yaml: environ[...] and slices of environment values');

environ('environ["X"][:8], .get(...)[1:] and a slice of a set value; PKG_BUILDNUM in the build string', async () => {
  const env = { GIT_DESCRIBE_TAG: 'v1.8.2', GIT_FULL_HASH: '3f9a0c7de1b24a6f', GIT_DESCRIBE_NUMBER: '5', DEV_SUFFIX: '.devel' };
  const { r, o } = await only('idioms/envpkg-feedstock', t('linux-64'), env);
  assert.equal(r.warnings, []);
  assert.is(o.version, '1.8.2');
  assert.is(o.buildNumber, 5);
  assert.is(o.build, 'g3f9a0c7d.dev_5');
  assert.equal(o.requirements.run, ['libenvcore 1.8.*']);
});

environ('unset variables: the .get default, and a slice of a missing environ[...] key renders empty as in conda-build', async () => {
  const { o } = await only('idioms/envpkg-feedstock', t('linux-64'));
  assert.is(o.version, '1.7.0');
  assert.is(o.build, 'g_0');
});

environ.run();

const undef = suite('meta.yaml: undefined Jinja variables warn with file:line');

undef('a printed undefined name warns where it is; names tested with `is defined` do not', async () => {
  const { r, o } = await only('misc/undefvar-feedstock', t('linux-64'));
  assert.is(o.build, 'py311_');
  assert.equal(r.warnings, [
    {
      feedstock: 'undefvar',
      file: join(FIX, 'misc/undefvar-feedstock/recipe/meta.yaml'),
      line: 14,
      message: "undefined Jinja variable 'buildnum' rendered as an empty string (define it with {% set %} or in conda_build_config.yaml)",
    },
  ]);
});

undef('a version left empty by an undefined variable is a render error at package.version', async () => {
  const e = await renderError('errors/no-version');
  assert.is(e.file, join(FIX, 'errors/no-version/recipe/meta.yaml'));
  assert.is(e.line, 6);
  assert.is(e.detail, "package.version: missing: package undefjinja has no version (undefined Jinja variable 'pkg_version' at line 6)");
});

undef('an invalid conda package name is a render error at package.name', async () => {
  const e = await renderError('errors/bad-name');
  assert.is(e.line, 4);
  assert.match(e.detail, "package.name: invalid package name 'PyYAML-Extras'");
});

undef.run();
