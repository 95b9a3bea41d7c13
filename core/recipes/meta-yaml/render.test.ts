import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecipeRef, Subdir, Target } from '../../model/types.ts';
import { recipeFromPath } from '../discover.ts';
import { RecipeRenderError } from '../render-error.ts';
import { hashDependencies } from '../finalize-output.ts';
import { WIN_PREFIX_PLACEHOLDER } from './jinja-context.ts';
import { contextFilter, deferPinsOnly, jinjaCode, pinnedLines, pinsParseInPlace, renderMetaYaml } from './render.ts';
import { Environment } from '../minijinja.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const AGG = join(FIX, 'agg');
const t = (subdir: string, python = '3.13'): Target => ({ subdir: subdir as Subdir, python });
const ref = (path: string): Promise<RecipeRef> => recipeFromPath(join(FIX, path));
const render = async (path: string, target: Target, env?: Record<string, string>) => renderMetaYaml(await ref(path), target, { environ: env });

const pyfoo = suite('renderMetaYaml: a compiled python package');

pyfoo('linux-64 :: every Jinja form, compiler/stdlib/pin_compatible, variant pins, build string', async () => {
  const r = await render('agg/pyfoo-feedstock', t('linux-64'));
  assert.is(r.feedstock, 'pyfoo');
  assert.equal(r.warnings, []);
  assert.is(r.variants.length, 1);
  const v = r.variants[0];
  // python 3.13 is zipped with numpy 2.1 in the aggregate's conda_build_config.yaml.
  assert.equal(v.variant, { c_compiler: 'gcc', c_compiler_version: '13', c_stdlib: 'sysroot', c_stdlib_version: '2.17', numpy: '2.1', python: '3.13', zlib: '1.3' });
  assert.is(v.skip, false);
  assert.is(v.buildNumber, 3);
  assert.equal(v.source, [{ url: ['https://example.org/P/PyFoo/pyfoo-1.4.2.tar.gz'], sha256: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' }]);
  assert.is(v.script, '$PREFIX/bin/python -m pip install . --no-deps -vv');
  assert.is(v.about.summary, 'PyFoo is fast (v1)');
  assert.is(v.outputs.length, 1);
  const o = v.outputs[0];
  assert.is(o.name, 'pyfoo');
  assert.is(o.version, '1.4.2');
  assert.is(o.noarch, null);
  assert.equal(o.requirements, {
    build: ['gcc_linux-64 13.*', 'sysroot_linux-64 2.17.*', 'make'],
    host: ['python 3.13.*', 'pip', 'numpy 2.1.*', 'zlib 1.3.*'],
    run: ['python >=3.13,<3.14.0a0', 'numpy >=2.1,<3.0a0', 'zlib >=1.3,<2.0a0', 'attrs', 'packaging'],
    run_constrained: ['pyfoo-docs 1.*'],
  });
  assert.equal(o.test, {
    requires: ['pytest'],
    imports: ['pyfoo', 'pyfoo.fast_core'],
    commands: ['foo --version | grep 1.4.2', 'test -f $SP_DIR/pyfoo/__init__.py'],
  });
  // Used keys: compiler and stdlib, numpy (pin_compatible without max_pin keeps it), zlib, target_platform.
  const hash = hashDependencies({ c_compiler: 'gcc', c_compiler_version: '13', c_stdlib: 'sysroot', c_stdlib_version: '2.17', numpy: '2.1', zlib: '1.3', target_platform: 'linux-64' });
  assert.is(o.build, `py313${hash}_3`);
  assert.is(o.license, 'MIT');
});

pyfoo('per arch :: osx compilers, win-only dependency and no make, ppc64le explicit build string', async () => {
  const osx = (await render('agg/pyfoo-feedstock', t('osx-arm64'))).variants[0].outputs[0];
  assert.equal(osx.requirements.build, ['clang_osx-arm64 18.*', 'macosx_deployment_target_osx-arm64 11.0.*', 'make']);
  const winR = await render('agg/pyfoo-feedstock', t('win-64'));
  const win = winR.variants[0];
  assert.equal(win.outputs[0].requirements.build, ['vs2022_win-64', 'vs_win-64 2022.14.*']);
  assert.equal(win.outputs[0].requirements.run, ['python >=3.13,<3.14.0a0', 'numpy >=2.1,<3.0a0', 'zlib >=1.3,<2.0a0', 'pywin32', 'attrs', 'packaging']);
  assert.equal(win.outputs[0].test.commands, ['foo --version | grep 1.4.2']);
  // conda-build escapes backslashes of the values it gives Jinja (get_dict(escape_backslash=True)).
  assert.is(win.script, `${WIN_PREFIX_PLACEHOLDER.replace(/\\/g, '\\\\')}\\\\python.exe -m pip install . --no-deps -vv`);
  const ppc = (await render('agg/pyfoo-feedstock', t('linux-ppc64le'))).variants[0].outputs[0];
  assert.is(ppc.build, 'custom_3');
  assert.equal(ppc.requirements.build[0], 'gcc_linux-ppc64le 13.*');
});

pyfoo('environ and os.environ :: {% if %} on environ.get, build number from os.environ.get', async () => {
  const r = await render('agg/pyfoo-feedstock', t('linux-64'), { PYFOO_BUILD: '7', PYFOO_WITH_EXTRA: 'yes' });
  const o = r.variants[0].outputs[0];
  assert.is(o.buildNumber, 7);
  assert.match(o.build, /^py313h[0-9a-f]{7}_7$/);
  assert.equal(o.requirements.host, ['python 3.13.*', 'pip', 'numpy 2.1.*', 'zlib 1.3.*', 'extra-thing']);
});

pyfoo('another python :: zip_keys pick numpy 2.0 with python 3.12', async () => {
  const r = await render('agg/pyfoo-feedstock', t('linux-64', '3.12'));
  const o = r.variants[0].outputs[0];
  assert.is(r.variants[0].variant.numpy, '2.0');
  assert.equal(o.requirements.host, ['python 3.12.*', 'pip', 'numpy 2.0.*', 'zlib 1.3.*']);
  assert.match(o.build, /^py312h[0-9a-f]{7}_3$/);
});

pyfoo.run();

const multi = suite('renderMetaYaml: multi-output');

multi('outputs inherit version and number; run_exports; exact and max_pin pins; noarch output', async () => {
  const r = await render('agg/libbar-feedstock', t('linux-64'));
  const v = r.variants[0];
  assert.equal(v.outputs.map((o) => o.name), ['libbar', 'libbar-devel', 'py-bar']);
  assert.equal(v.source, [
    { url: ['https://example.org/bar-2.5.1.tar.gz'], sha256: 'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210' },
    { path: 'patches', folder: 'extra' },
  ]);
  const [lib, devel, py] = v.outputs;
  assert.is(lib.version, '2.5.1');
  assert.is(lib.buildNumber, 1);
  assert.is(lib.script, 'install-lib.sh');
  assert.equal(lib.runExports, { weak: ['libbar >=2.5.1,<2.6.0a0'], strong: [] });
  assert.equal(lib.requirements, { build: ['gcc_linux-64 13.*'], host: ['zlib 1.3.*'], run: ['zlib >=1.3,<2.0a0'], run_constrained: [] });
  assert.equal(lib.test.commands, ['test -f $PREFIX/lib/libbar.so.2.5']);
  assert.match(lib.build, /^h[0-9a-f]{7}_1$/);
  assert.equal(devel.requirements.run, [`libbar 2.5.1 ${lib.build}`]);
  assert.is(py.noarch, 'python');
  assert.match(py.build, /^pyh[0-9a-f]{7}_1$/);
  assert.equal(py.requirements, { build: [], host: ['python 3.13.*', 'pip', 'libbar'], run: ['python >=3.9', 'libbar'], run_constrained: [] });
  assert.equal(py.runExports, { weak: ['py-bar >=2.5,<2.6.0a0'], strong: ['bar-strong-marker'] });
  assert.equal(py.test.imports, ['bar']);
});

multi.run();

const files = suite('renderMetaYaml: recipe files and variants');

files('load_setup_py_data from a local path source :: noarch python', async () => {
  const r = await render('agg/purepy-feedstock', t('linux-64'));
  assert.equal(r.warnings, []);
  const o = r.variants[0].outputs[0];
  assert.is(o.name, 'purepy');
  assert.is(o.version, '0.9.1');
  assert.is(o.build, 'py_0');
  assert.equal(o.requirements.run, ['python >=3.8', 'requests >=2', 'click']);
  assert.equal(o.test.requires, ['libbar-devel']);
  assert.is(r.variants[0].about.summary, 'A pure python package');
  assert.is(r.variants[0].about.license, 'BSD-3-Clause');
});

files('recipe-local conda_build_config.yaml with zip_keys, load_file_regex, cdt, skip on win', async () => {
  const linux = await render('agg/blasdep-feedstock', t('linux-64'));
  assert.equal(linux.variants.map((v) => [v.variant.blas_impl, v.variant.blas_version, v.skip]), [['openblas', '0.3.27', false], ['mkl', '2024.0', false]]);
  const [ob, mkl] = linux.variants.map((v) => v.outputs[0]);
  assert.is(ob.version, '3.1.4');
  assert.is(ob.buildNumber, 2);
  assert.equal(ob.requirements.build, ['gxx_linux-64', 'libx11-devel-cos6-x86_64']);
  assert.equal(ob.requirements.host, ['python 3.13.*', 'openblas-devel 0.3.27', 'libbar']);
  assert.equal(ob.requirements.run, ['python >=3.13,<3.14.0a0', 'libopenblas']);
  assert.equal(mkl.requirements.run, ['python >=3.13,<3.14.0a0', 'mkl >=2024.0']);
  assert.is.not(ob.build, mkl.build);
  const arm = await render('agg/blasdep-feedstock', t('linux-aarch64'));
  assert.equal(arm.variants.map((v) => v.variant.blas_impl), ['openblas']);
  assert.equal(arm.variants[0].outputs[0].requirements.build, ['gxx_linux-aarch64', 'libx11-devel-cos7-aarch64']);
  const win = await render('agg/blasdep-feedstock', t('win-64'));
  assert.equal(win.variants.map((v) => v.skip), [true, true]);
  assert.equal(win.variants[0].outputs[0].requirements.build, ['vs2017_win-64']);
});

files('skip: true # [not win] and a win-only dependency with a variant selector', async () => {
  const linux = await render('agg/winonly-feedstock', t('linux-64'));
  assert.is(linux.variants[0].skip, true);
  assert.equal(linux.variants[0].outputs[0].requirements.host, ['python 3.13.*']);
  const win = await render('agg/winonly-feedstock', t('win-64'));
  assert.is(win.variants[0].skip, false);
  assert.equal(win.variants[0].outputs[0].requirements.host, ['python 3.13.*', 'pywin32', 'm2-patch']);
});

files('warnings name file and line :: unknown selector, unanswerable setup.py, unknown pins', async () => {
  const r = await render('misc/warn-feedstock', t('linux-64'));
  const file = join(FIX, 'misc/warn-feedstock/recipe/meta.yaml');
  assert.equal(
    r.warnings.map((w) => [w.file, w.line, w.message.split(':')[0]]),
    [
      [file, 9, "unknown name 'with_special' in selector [with_special] is treated as False"],
      [file, 1, 'load_setup_py_data'],
      [file, 12, "pin_compatible('nothere')"],
      [file, 13, "pin_subpackage('not-an-output')"],
    ],
  );
  const o = r.variants[0].outputs[0];
  assert.is(o.version, '0.1');
  assert.equal(o.requirements.run, ['python >=3.13,<3.14.0a0', 'nothere', 'not-an-output']);
});

files('pin_subpackage in every form :: max_pin, exact, upper_bound in a flow sequence, an unknown output (one Jinja pass)', async () => {
  const r = await render('misc/pins-feedstock', t('linux-64'));
  const file = join(FIX, 'misc/pins-feedstock/recipe/meta.yaml');
  // The warnings in the order a second pass would give them: the selector's, then the pin's.
  assert.equal(r.warnings.map((w) => [w.file, w.line, w.message]), [
    [file, 13, "unknown name 'with_odd' in selector [with_odd] is treated as False"],
    [file, 33, "pin_subpackage('not-an-output'): no output named 'not-an-output' in this recipe; left unpinned"],
  ]);
  const [lib, pkg] = r.variants[0].outputs;
  assert.equal(lib.runExports.weak, ['libpinpkg >=2.4.1,<2.5.0a0']);
  assert.equal(pkg.requirements.host, ['python 3.13.*', `libpinpkg 2.4.1 ${lib.build}`], 'exact: the sibling\'s build string');
  assert.equal(pkg.requirements.run, ['python >=3.13,<3.14.0a0', 'libpinpkg >=2.4.1,<3.0a0', 'not-an-output']);
  // `[ name >=2.4.1,<3 ]` is a flow sequence of two items, as YAML (and conda-build) read it.
  assert.equal(pkg.runExports.weak, ['pinpkg >=2.4.1', '<3']);
});

files('pin_subpackage is filled in after one pass only when printed as is, and nothing else learnt is read', () => {
  assert.ok(deferPinsOnly("run_exports:\n  - {{ pin_subpackage(name|lower, max_pin='x.x') }}\n  - {{- pin_subpackage('a' ~ (b), exact=True) -}}"));
  assert.not.ok(deferPinsOnly('no pins here: {{ name }}'));
  assert.not.ok(deferPinsOnly("- {{ pin_subpackage('a')|upper }}"), 'a filter on the pin');
  assert.not.ok(deferPinsOnly("{% set p = pin_subpackage('a') %}- {{ p }}"), 'a pin kept in a variable');
  assert.not.ok(deferPinsOnly("- {{ pin_subpackage('a') }}\n- {{ PKG_VERSION }}"), 'PKG_* is learnt too');
  assert.not.ok(deferPinsOnly("- {{ pin_subpackage('a') }}\n- {{ pin_compatible('b') }}"), 'pin_compatible reads host versions');
  assert.not.ok(deferPinsOnly("{% macro m() %}{{ pin_subpackage('a') }}{% endmacro %}- {{ m()|lower }}"), 'a macro');
});

files('pins are read in place of their markers only where YAML reads them as the same plain text', () => {
  const marked = 'run:\n  - __rebuild_pin_0__\n  - zlib\n';
  assert.ok(pinsParseInPlace(marked, ['liba >=1.2,<2.0a0']));
  assert.ok(pinsParseInPlace(marked, ['liba 1.2 __rebuild_exact_build_of_liba__']));
  assert.not.ok(pinsParseInPlace(marked, ['liba']), 'one word: may read as null or a boolean');
  assert.not.ok(pinsParseInPlace(marked, ['liba >=1 #x']), 'a comment in the pin');
  assert.not.ok(pinsParseInPlace('run: [ __rebuild_pin_0__ ]\n', ['liba >=1,<2']), 'a flow sequence: its comma splits the pin');
  assert.not.ok(pinsParseInPlace("- '__rebuild_pin_0__'\n", ['liba >=1']), 'a quoted scalar');
  assert.not.ok(pinsParseInPlace('- __rebuild_pin_0__  # [linux]\n', ['liba >=1']), 'a selector on the line');
});

files('contextFilter: a word name is wanted when it is a whole run of word characters of the template, another name when it is a substring', () => {
  const parts = ['ab', 'a', 'b', '_', '1', ' ', '.', '-', '{{', '}}', 'é', 'abc', 'x_y', '\n'];
  const names = ['ab', 'a', 'b', 'abc', 'x_y', 'y', '_', '1', 'a1', 'b_', 'ab.c', 'é', 'a-b', ''];
  let seed = 11;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let i = 0; i < 3000; i++) {
    let template = '';
    for (let k = random(12); k >= 0; k--) template += parts[random(parts.length)];
    const words = new Set(template.match(/\w+/g) ?? []);
    const wanted = contextFilter(template);
    for (const name of names) assert.is(wanted(name), /^\w+$/.test(name) ? words.has(name) : template.includes(name), JSON.stringify([template, name]));
  }
  // Names with the signature of a word (length, first, second and last characters) that are no word.
  assert.not.ok(contextFilter('abdb abcbx')('abcb'));
  assert.not.ok(contextFilter('abdb xabcb')('abcb'));
  assert.ok(contextFilter('abdb xabcb abcb')('abcb'));
  assert.ok(contextFilter('{{ debug() }}')('anything'), 'debug() shows the whole context');
});

files('contextFilter: filters made one after the other each answer for their own template (one signature table)', () => {
  const first = contextFilter('{{ version }} {{ name }}');
  // The second template shares a word with the first (their marks in the table are the second's).
  const second = contextFilter('{{ build_number }} {{ version }}');
  // Asked in any order, after the other filter was made and used.
  assert.ok(second('build_number'));
  assert.ok(first('version'), 'the first filter after the second was made');
  assert.not.ok(first('build_number'));
  assert.ok(second('build_number'), 'the second filter after the first marked its text again');
  assert.not.ok(second('name'));
  assert.ok(second('version'));
  assert.ok(first('name'));
});

files('pinnedLines: the lines that hold a pin marker, pins in place (the rest of the pinned text is the marked text)', () => {
  const marked = 'requirements:\n  run:\n    - __rebuild_pin_0__\n    - zlib\n    - __rebuild_pin_1__ __rebuild_pin_2__\n__rebuild_pin_3__';
  assert.is(pinnedLines(marked, ['liba >=1.2,<2.0a0', 'libb', 'libc 1.0 h1_0', 'libd']), '    - liba >=1.2,<2.0a0\n    - libb libc 1.0 h1_0\nlibd');
  assert.is(pinnedLines('no markers\n', []), '');
});

files('jinjaCode: the insides of a template\'s tags as minijinja splits them, null where the split is uncertain', () => {
  assert.is(jinjaCode('a {{ b }} c {% if d %}e{% endif %} f'), ' b \n if d \n endif ');
  assert.is(jinjaCode('x: {{- y -}} {%- set z = 1 -%}'), '- y -\n- set z = 1 -', 'whitespace control stays in the code');
  assert.is(jinjaCode('{{ "}}" ~ x }} {% set s = \'%}\' %}'), ' "}}" ~ x \n set s = \'%}\' ', 'a closer inside a string');
  assert.is(jinjaCode('{{ "a\\"}}" ~ x }}'), ' "a\\"}}" ~ x ', 'an escaped quote');
  assert.is(jinjaCode('{#}{{ y }} {# {{ z }} #} }} %}'), ' y ', 'comments (`{#}` is one) and closers in data');
  assert.is(jinjaCode('{% set d = {"a": [1, (2)]} %}{{ d["a"] }}'), ' set d = {"a": [1, (2)]} \n d["a"] ');
  assert.is(jinjaCode('no tags { x } {x'), '');
  assert.is(jinjaCode('{{ {"a": 1}}}'), null, 'a brace open at the first }}');
  // minijinja counts brackets: `{{ {"a": {"b": 1}} ~ s }}` reads s.
  assert.is(jinjaCode('{{ {"a": {"b": 1}} ~ s }}'), null);
  assert.is(jinjaCode('{{ x '), null);
  assert.is(jinjaCode('{{ "x }}'), null);
  assert.is(jinjaCode('{# x'), null);
  assert.is(jinjaCode('{% raw %}{{ x }}{% endraw %}'), null);
});

files('jinjaCode: a context of the names its code holds renders every template as the whole context does', () => {
  // The renderer's environment settings (render.ts makeEnvironment), both undefined behaviours it renders with.
  const env = new Environment();
  env.enablePyCompat();
  env.keepTrailingNewline = true;
  const context: Record<string, unknown> = { ab: 'A', x_y: 'XY', 'a-b': 'AB', q: 'Q', k: 'K', f: () => 'F', endif: 'E', s: 'S' };
  const parts = [
    'ab', 'x_y', ' ', '\n', 'a-b', '}}', '%}', '#}', "'", '"', '{', '}', 'k',
    '{{ ab }}', '{{ "}}" ~ ab }}', "{{ '%}' ~ k }}", '{% if ab %}', '{% endif %}', '{% set q = x_y %}', '{{ q }}', '{# ab #}', '{#}',
    '{{ {"k": ab}["k"] }}', '{{ [ab, x_y]|join }}', '{% raw %}{{ ab }}{% endraw %}', '{{- ab -}}', '{%- if x_y -%}', '{{ ab',
    '{{ "\\"" ~ s }}', '{{ f() }}', '{{ {"a": k}}}', '{{ {"a": {"b": 1}} ~ s }}', '{% for i in [1] %}{{ s }}{% endfor %}', '{{ undefined_name }}',
  ];
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const render = (template: string, ctx: Record<string, unknown>) => {
    try {
      return env.renderStr(template, ctx);
    } catch (err) {
      return `error: ${String((err as Error).message ?? err)}`;
    }
  };
  // Every part, every pair of parts, then random runs of up to 9.
  const templates = [...parts, ...parts.flatMap((a) => parts.map((b) => a + b))];
  for (let i = 0; i < 2000; i++) {
    let template = '';
    for (let n = random(9); n >= 0; n--) template += parts[random(parts.length)];
    templates.push(template);
  }
  let split = 0;
  for (const template of templates) {
    const code = jinjaCode(template);
    if (code !== null) split++;
    const wanted = contextFilter(code ?? template);
    const some = Object.fromEntries(Object.entries(context).filter(([name]) => wanted(name)));
    for (const behavior of ['semi_strct', 'chainable'] as const) {
      env.undefinedBehavior = behavior as 'strict';
      assert.is(render(template, some), render(template, context), JSON.stringify([template, behavior]));
    }
  }
  assert.ok(split > templates.length / 2, `most templates split (${split} of ${templates.length})`);
});

files('jinjaCode: an undefined name\'s warning judges the names of its line by the whole context, as before', async () => {
  // The warning names what the line's code (here the whole line: its tag ends on the next) reads
  // that the context lacks; PREFIX, a context entry the text names outside any tag, is known.
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-render-undef-'));
  try {
    const recipe = join(dir, 'undefdata-feedstock', 'recipe');
    mkdirSync(recipe, { recursive: true });
    writeFileSync(join(recipe, 'meta.yaml'), 'package:\n  name: undefdata\n  version: 1.0\nabout:\n  summary: PREFIX {{ missing\n    }}\n');
    const r = await renderMetaYaml(await recipeFromPath(recipe), t('linux-64'));
    assert.equal(
      r.warnings.map((w) => [w.line, w.message]),
      [[5, "undefined Jinja variables 'summary', 'missing' rendered as an empty string (define it with {% set %} or in conda_build_config.yaml)"]],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

files.run();

const errors = suite('renderMetaYaml: errors');

async function renderError(path: string): Promise<RecipeRenderError> {
  try {
    await render(path, t('linux-64'));
  } catch (err) {
    assert.instance(err, RecipeRenderError);
    return err as RecipeRenderError;
  }
  throw new Error(`${path} rendered without error`);
}

errors('bad YAML :: file and line', async () => {
  const e = await renderError('errors/bad-yaml');
  assert.is(e.feedstock, 'bad-yaml');
  assert.is(e.file, join(FIX, 'errors/bad-yaml/recipe/meta.yaml'));
  assert.is(e.line, 9);
  assert.match(e.message, /bad-yaml\/recipe\/meta\.yaml:9: invalid YAML: /);
});

errors('Jinja syntax error :: file and line', async () => {
  const e = await renderError('errors/bad-jinja');
  assert.is(e.line, 7);
  assert.match(e.message, /meta\.yaml:7: jinja error: syntax error/);
});

errors('missing load_file_regex file :: the line of the call, the file named', async () => {
  const e = await renderError('errors/missing-file');
  assert.is(e.line, 4);
  assert.match(e.detail, /load_file_regex\(\): no such file: .*missing-file\/recipe\/VERSION\.txt/);
});

errors('a mapping in requirements :: the YAML path and its line', async () => {
  const e = await renderError('errors/bad-requirement');
  assert.is(e.line, 8);
  assert.match(e.detail, /^requirements\.run\[1\]: expected a string/);
});

errors('bad conda_build_config.yaml :: names that file', async () => {
  const e = await renderError('errors/bad-cbc');
  assert.is(e.file, join(FIX, 'errors/bad-cbc/recipe/conda_build_config.yaml'));
  assert.is(e.line, 4);
  assert.match(e.detail, /^variant config: invalid YAML/);
});

errors('missing recipe file :: cannot read', async () => {
  const r = await ref('agg/purepy-feedstock');
  try {
    await renderMetaYaml({ ...r, file: join(r.dir, 'nope.yaml') }, t('linux-64'));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeRenderError);
    assert.match((err as Error).message, /nope\.yaml: cannot read recipe/);
  }
});

errors.run();
