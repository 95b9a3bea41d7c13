import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Subdir } from '../model/types.ts';
import { applySelectors, evalSelector, hasLineEndSpace, SelectorError, selectorNamespace, splitLineSelector, type SelectorNamespace, type SelectorWarning } from './selectors.ts';

const ns = (subdir: Subdir, variant: Record<string, string> = {}, python = '3.13') => selectorNamespace({ subdir, python }, variant);
const sel = (expr: string, subdir: Subdir = 'linux-64', variant: Record<string, string> = {}, python = '3.13') =>
  evalSelector(expr, ns(subdir, variant, python));

// ------------------------------------------------------------------ selectorNamespace

const namespace = suite('selectorNamespace');

namespace('made from the cached per-target entries as built in full :: random subdirs, pythons and variants (entries in order, os and environ per call)', () => {
  // The namespace as selectorNamespace built it in full for every call (the reference).
  const MACHINES = ['armv6l', 'armv7l', 'ppc64', 'ppc64le', 's390x', 'aarch64', 'arm64', 'riscv64'];
  const full = (target: { subdir: string; python: string }, variant: Record<string, string>, environ0: Record<string, string>) => {
    const plat = target.subdir;
    const environ = { ...environ0 };
    const n: Record<string, unknown> = {
      linux: plat.startsWith('linux-'), linux32: plat === 'linux-32', linux64: plat === 'linux-64', arm: plat.startsWith('linux-arm'), osx: plat.startsWith('osx-'),
      unix: plat.startsWith('linux-') || plat.startsWith('osx-') || plat.startsWith('emscripten-'), win: plat.startsWith('win-'), win32: plat === 'win-32', win64: plat === 'win-64',
      x86: plat.endsWith('-32') || plat.endsWith('-64'), x86_64: plat.endsWith('-64'), os: { environ }, environ, nomkl: false, target_platform: plat, build_platform: plat,
    };
    for (const machine of MACHINES) n[machine] = plat.endsWith(`-${machine}`);
    const [major, minor] = (variant.python ?? target.python).trim().split(/\s+/)[0].split('.').map((x) => Number.parseInt(x, 10));
    const py = Number(`${major}${minor}`);
    Object.assign(n, { py, py3k: major === 3, py2k: major === 2 });
    for (const known of [26, 27, 33, 34, 35, 36]) n[`py${known}`] = py === known;
    n[`py${py}`] = true;
    if (variant.numpy) {
      const np = Number.parseInt(variant.numpy.split('.').slice(0, 2).join(''), 10);
      if (!Number.isNaN(np)) n.np = np;
    }
    if (variant.perl) n.pl = variant.perl;
    if (variant.lua) Object.assign(n, { lua: variant.lua, luajit: variant.lua.startsWith('2') });
    for (const key of Object.keys(variant)) {
      if (Object.hasOwn(n, key)) continue;
      const lower = variant[key].toLowerCase();
      n[key] = lower === 'true' ? true : lower === 'false' ? false : variant[key];
    }
    return n;
  };
  const subdirs = ['linux-64', 'linux-32', 'linux-aarch64', 'linux-armv7l', 'linux-ppc64le', 'osx-64', 'osx-arm64', 'win-64', 'win-32', 'emscripten-wasm32', 'noarch'];
  const pythons = ['3.13', '2.7', '3.10.* *_cpython', '3.6', '3.12.1'];
  const keys = ['python', 'numpy', 'perl', 'lua', 'vc', 'linux', 'py', 'os', 'environ', 'blas_impl', 'x-y', 'target_platform', 'py27'];
  const values = ['true', 'False', 'TRUE ', 'falsE', 'trues', '1.26', '2.1', '5.32', 'mkl', '', '3.11', 'x'];
  let seed = 4;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let round = 0; round < 2000; round++) {
    const target = { subdir: subdirs[rnd(subdirs.length)], python: pythons[rnd(pythons.length)] };
    const variant: Record<string, string> = {};
    for (let k = rnd(6); k > 0; k--) variant[keys[rnd(keys.length)]] = values[rnd(values.length)];
    if (variant.python !== undefined && !/^\d+\.\d+/.test(variant.python)) delete variant.python;
    const environ: Record<string, string> = rnd(2) ? { CI: 'azure' } : {};
    const got = selectorNamespace(target as never, variant, { environ });
    const want = full(target, variant, environ);
    assert.equal(Object.entries(got), Object.entries(want), JSON.stringify([target, variant]));
    assert.ok((got.os as { environ: unknown }).environ === got.environ && got.environ !== environ);
  }
  // A second namespace of the same target has its own environ.
  const a = selectorNamespace({ subdir: 'linux-64', python: '3.13' }, {});
  const b = selectorNamespace({ subdir: 'linux-64', python: '3.13' }, {});
  assert.ok(a.environ !== b.environ && a.os !== b.os);
});

namespace('platform names per subdir :: linux-64, win-64, osx-arm64, linux-aarch64', () => {
  const pick = (s: Subdir) => {
    const n = ns(s);
    return ['linux', 'osx', 'win', 'unix', 'linux64', 'win64', 'x86', 'x86_64', 'aarch64', 'arm64', 'ppc64le', 's390x'].filter((k) => n[k] === true);
  };
  assert.equal(pick('linux-64'), ['linux', 'unix', 'linux64', 'x86', 'x86_64']);
  assert.equal(pick('win-64'), ['win', 'win64', 'x86', 'x86_64']);
  assert.equal(pick('osx-arm64'), ['osx', 'unix', 'arm64']);
  assert.equal(pick('linux-aarch64'), ['linux', 'unix', 'aarch64']);
  assert.equal(pick('linux-ppc64le'), ['linux', 'unix', 'ppc64le']);
  assert.equal(pick('osx-64'), ['osx', 'unix', 'x86', 'x86_64']);
});

namespace('python names :: py, py3k, pyXY', () => {
  const n = ns('linux-64', {}, '3.13');
  assert.is(n.py, 313);
  assert.is(n.py3k, true);
  assert.is(n.py2k, false);
  assert.is(n.py313, true);
  assert.is(n.py27, false);
  assert.is(n.target_platform, 'linux-64');
  assert.is(n.build_platform, 'linux-64');
});

namespace('variant python wins, in conda-forge form :: "3.10.* *_cpython" → py 310', () => {
  assert.is(ns('linux-64', { python: '3.10.* *_cpython' }).py, 310);
});

namespace('np from the numpy variant; variant keys as strings, true/false as booleans', () => {
  const n = ns('win-64', { numpy: '1.26', vc: '14', blas_impl: 'mkl', bootstrap: 'false', 'cuda-compiler': 'None' });
  assert.is(n.np, 126);
  assert.is(n.vc, '14');
  assert.is(n.blas_impl, 'mkl');
  assert.is(n.bootstrap, false);
  assert.is(n['cuda-compiler'], 'None');
  assert.is(ns('win-64').np, undefined);
});

namespace('a variant key cannot override a platform name', () => {
  assert.is(ns('win-64', { win: 'false', target_platform: 'linux-64' }).win, true);
  assert.is(ns('win-64', { target_platform: 'linux-64' }).target_platform, 'win-64');
});

namespace('environ is empty unless given', () => {
  assert.equal(ns('linux-64').environ, {});
  const n = selectorNamespace({ subdir: 'linux-64', python: '3.13' }, {}, { environ: { CI: 'azure' } });
  assert.is(evalSelector("os.environ.get('CI') == 'azure'", n), true);
});

namespace('rejects a python that is not major.minor', () => {
  assert.throws(() => ns('linux-64', {}, 'three'), /invalid python version "three"/);
});

namespace.run();

// ------------------------------------------------------------------ evalSelector

const evalS = suite('evalSelector');

evalS('platform selectors :: win, unix, linux, not win, osx', () => {
  assert.is(sel('win', 'win-64'), true);
  assert.is(sel('win', 'linux-64'), false);
  assert.is(sel('unix', 'osx-arm64'), true);
  assert.is(sel('unix', 'win-64'), false);
  assert.is(sel('linux', 'linux-aarch64'), true);
  assert.is(sel('not win', 'linux-64'), true);
  assert.is(sel('not win', 'win-64'), false);
  assert.is(sel('osx', 'osx-64'), true);
  assert.is(sel('osx', 'linux-64'), false);
});

evalS('python selectors :: py<38, py>=311, py3k, py27, chained', () => {
  assert.is(sel('py<38', 'linux-64', {}, '3.7'), true);
  assert.is(sel('py<38'), false);
  assert.is(sel('py>=311'), true);
  assert.is(sel('py>=311', 'linux-64', {}, '3.10'), false);
  assert.is(sel('py3k'), true);
  assert.is(sel('py27'), false);
  assert.is(sel('py27', 'linux-64', {}, '2.7'), true);
  assert.is(sel('py38', 'linux-64', {}, '3.8'), true);
  assert.is(sel('py312'), false);
  assert.is(sel('3 < py < 400'), true);
  assert.is(sel('310 <= py < 313'), false);
  assert.is(sel('310 <= py <= 313 != 0'), true);
});

evalS('config variables :: blas_impl == mkl, win and int(float(vc)) < 14', () => {
  assert.is(sel("blas_impl == 'mkl'", 'linux-64', { blas_impl: 'mkl' }), true);
  assert.is(sel('blas_impl == "mkl"', 'linux-64', { blas_impl: 'openblas' }), false);
  assert.is(sel('win and int(float(vc)) < 14', 'win-64', { vc: '9' }), true);
  assert.is(sel('win and int(float(vc)) < 14', 'win-64', { vc: '14' }), false);
  assert.is(sel('win and int(float(vc)) < 14', 'linux-64', { vc: '9' }), false);
  assert.is(sel('int(vc) < 14', 'win-64', { vc: '9' }), true);
});

evalS('numeric variant strings compare with numbers :: vc < 14, vc == 14, vc == "14"', () => {
  assert.is(sel('vc < 14', 'win-64', { vc: '9' }), true);
  assert.is(sel('vc == 14', 'win-64', { vc: '14' }), true);
  assert.is(sel("vc == '14'", 'win-64', { vc: '14' }), true);
  assert.is(sel('np >= 120', 'linux-64', { numpy: '1.26' }), true);
});

evalS('arch combinations :: aarch64 or ppc64le, linux and x86_64', () => {
  assert.is(sel('aarch64 or ppc64le', 'linux-aarch64'), true);
  assert.is(sel('aarch64 or ppc64le', 'linux-ppc64le'), true);
  assert.is(sel('aarch64 or ppc64le', 'linux-64'), false);
  assert.is(sel('linux and x86_64', 'linux-64'), true);
  assert.is(sel('linux and x86_64', 'osx-64'), false);
  assert.is(sel('osx and arm64', 'osx-arm64'), true);
  assert.is(sel('linux and (aarch64 or ppc64le)', 'linux-aarch64'), true);
  assert.is(sel('build_platform != target_platform'), false);
});

evalS('in / not in :: strings, lists, tuples, dicts', () => {
  assert.is(sel("target_platform in ('linux-64', 'osx-64')", 'osx-64'), true);
  assert.is(sel("target_platform not in ['linux-64', 'osx-64']", 'osx-arm64'), true);
  assert.is(sel("'arm' in target_platform", 'osx-arm64'), true);
  assert.is(sel("'x' in {'x': 1}"), true);
  assert.is(sel("'y' not in {'x': 1}"), true);
  assert.is(sel('py in [312, 313]'), true);
});

evalS('os.environ.get and environ.get with defaults', () => {
  assert.is(sel("os.environ.get('FEATURE_X', '0') == '0'"), true);
  assert.is(sel("environ.get('FEATURE_X', 'on') == 'on'"), true);
  assert.is(sel("os.environ.get('FEATURE_X') is None"), true);
  assert.is(sel("os.environ.get('FEATURE_X') is not None"), false);
  assert.is(sel("'X' in environ"), false);
});

evalS('string methods, builtins, subscripts and slices', () => {
  const v = { cuda_compiler_version: '11.8', c_compiler: 'vs2019', python: '3.13' };
  assert.is(sel("cuda_compiler_version.startswith('11')", 'linux-64', v), true);
  assert.is(sel("c_compiler.endswith(('2017', '2019'))", 'win-64', v), true);
  assert.is(sel("int(cuda_compiler_version.split('.')[0]) >= 11", 'linux-64', v), true);
  assert.is(sel("cuda_compiler_version.replace('.', '') == '118'", 'linux-64', v), true);
  assert.is(sel("' MKL '.strip().lower() == 'mkl'"), true);
  assert.is(sel("'-'.join(['a', 'b']).upper() == 'A-B'"), true);
  assert.is(sel("'{}.{}'.format(3, 13) == python", 'linux-64', v), true);
  assert.is(sel("len(target_platform) == 8 and target_platform[:5] == 'linux'"), true);
  assert.is(sel("target_platform[-2:] == '64'"), true);
  assert.is(sel("target_platform[::-1][0] == '4'"), true);
  assert.is(sel('bool(0) or str(py) == "313"'), true);
  assert.is(sel("float('3.10') == 3.1 and int(' 7 ') == 7"), true);
  assert.is(sel('(py // 100, py % 100) == (3, 13)'), true);
  assert.is(sel('-1 < 0 and 2 ** 3 == 8 and 1 + 1 == 2'), true);
  assert.is(sel("'a' if win else ''", 'linux-64'), false);
  assert.is(sel("max([1, 5, 3]) == 5 and min(2, 1) == 1"), true);
});

evalS('and/or short-circuit and return operands :: no error on the skipped side', () => {
  // The right side would raise ValueError; short-circuit means it is never evaluated.
  assert.is(sel("win and int('not a number')", 'linux-64'), false);
  assert.is(sel("linux or int('not a number')", 'linux-64'), true);
  assert.is(sel("'' or [] or 'x'"), true);
  assert.is(sel('0 or None'), false);
});

evalS('None, True, False and is', () => {
  assert.is(sel('None is None'), true);
  assert.is(sel('True is not False'), true);
  assert.is(sel('not None'), true);
});

evalS('unknown name :: False and reported', () => {
  const unknown: string[] = [];
  assert.is(evalSelector('foo_flag', ns('linux-64'), (n) => unknown.push(n)), false);
  assert.is(evalSelector('not foo_flag and linux', ns('linux-64'), (n) => unknown.push(n)), true);
  assert.equal(unknown, ['foo_flag', 'foo_flag']);
});

evalS('known-but-false names do not warn :: py27, py36, win32, linux32', () => {
  const unknown: string[] = [];
  for (const e of ['py27', 'py36', 'py310', 'win32', 'linux32', 'armv7l', 'nomkl', 's390x', 'arm']) {
    assert.is(evalSelector(e, ns('linux-64'), (n) => unknown.push(n)), false, e);
  }
  assert.equal(unknown, []);
});

evalS('parse errors throw SelectorError with the column', () => {
  for (const [expr, re] of [
    ['win and', /unexpected end of expression/],
    ['win ===', /column 7/],
    ["'abc", /unterminated string/],
    ['win $ osx', /unexpected character `\$`/],
    ['', /empty expression/],
    ['f(x=1)', /keyword arguments/],
    ['lambda: 1', /unexpected keyword `lambda`/],
  ] as const) {
    try {
      evalSelector(expr, ns('linux-64'));
      assert.unreachable(expr);
    } catch (err) {
      assert.instance(err, SelectorError, expr);
      assert.match((err as Error).message, re, expr);
    }
  }
});

evalS('evaluation errors throw SelectorError naming the Python error', () => {
  assert.throws(() => sel("int('x')"), /selector \[int\('x'\)\]: ValueError: invalid literal for int\(\) with base 10: 'x'/);
  assert.throws(() => sel("'a' < 1"), /TypeError: '<' not supported between instances of 'str' and 'int'/);
  assert.throws(() => sel('py.foo'), /AttributeError: 'int' object has no attribute 'foo'/);
  assert.throws(() => sel('[1][3]'), /IndexError/);
  assert.throws(() => sel('1 // 0'), /ZeroDivisionError/);
  assert.throws(() => sel('py()'), /'int' object is not callable/);
});

evalS('never runs JavaScript :: constructor and __proto__ are plain unknown names or attributes', () => {
  const unknown: string[] = [];
  assert.is(evalSelector('constructor', ns('linux-64'), (n) => unknown.push(n)), false);
  assert.equal(unknown, ['constructor']);
  assert.throws(() => sel("''.constructor"), /AttributeError/);
  assert.throws(() => sel('environ.__proto__'), /AttributeError/);
});

evalS.run();

// ------------------------------------------------------------------ applySelectors

const apply = suite('applySelectors');

/** applySelectors as it was written: split, each line trimmed and judged, joined (the reference). */
function applySelectorsBySplit(text: string, names: SelectorNamespace, warnings: SelectorWarning[], keepLineNumbers: boolean): string {
  const out: string[] = [];
  const lines = text.includes('\r') ? text.split(/\r?\n/) : text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trimEnd();
    if (/^\s*#/.test(line)) {
      out.push('');
      continue;
    }
    const m = splitLineSelector(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const unknown: string[] = [];
    let keep = false;
    try {
      keep = evalSelector(m.expr, names, (name) => unknown.includes(name) || unknown.push(name));
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      for (const name of unknown) warnings.push({ line: index + 1, message: `unknown name '${name}' in selector [${m.expr}] is treated as False` });
      warnings.push({ line: index + 1, message: `invalid selector, line dropped: ${err.message}` });
      if (keepLineNumbers) out.push('');
      continue;
    }
    for (const name of unknown) warnings.push({ line: index + 1, message: `unknown name '${name}' in selector [${m.expr}] is treated as False` });
    if (keep) {
      const last = line[line.length - 1];
      out.push(last === "'" || last === '"' ? m.content + last : m.content);
    } else if (keepLineNumbers) out.push('');
  }
  return out.join('\n') + '\n';
}

apply('lines read in place as split lines are :: seeded random texts (selectors, comments, line-end spaces, quotes, empty lines, CRLF), both line modes', () => {
  const parts = ['  - x', 'a: 1', '  # [linux]', '  # [win]', ' # [nope]', '# [(]', '# c', '  #', "'q'  # [linux]", '"q" # [linux]', ' ', '\t', '\u00a0', '\u2028', '\u3000', '', 'b: 2 # [py>3]', 'c: 3 # [x in ["a", "b"]]', '{{ x }}', '#', '[', ']'];
  let seed = 99;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const names = ns('linux-64');
  for (let round = 0; round < 4000; round++) {
    const lines: string[] = [];
    for (let l = rnd(9); l >= 0; l--) {
      let line = '';
      for (let k = rnd(4); k >= 0; k--) line += parts[rnd(parts.length)];
      lines.push(line);
    }
    const eol = rnd(5) === 0 ? '\r\n' : '\n';
    const text = lines.join(eol) + ['', '\n', '\n\n', eol][rnd(4)];
    for (const keepLineNumbers of [true, false]) {
      const got: SelectorWarning[] = [];
      const want: SelectorWarning[] = [];
      assert.is(applySelectors(text, names, got, { keepLineNumbers }), applySelectorsBySplit(text, names, want, keepLineNumbers), JSON.stringify(text));
      assert.equal(got, want, JSON.stringify(text));
    }
  }
});

apply('hasLineEndSpace is /[^\\S\\n](?:\\n|$)/ :: every \\s character, seeded random texts', () => {
  const re = /[^\S\n](?:\n|$)/;
  // Every character \s holds, one that looks like a space but is not (U+200B), and others.
  const spaces = [...Array(0x10000).keys()].map((c) => String.fromCharCode(c)).filter((c) => /\s/.test(c));
  const parts = [...spaces, '\n', '\n', 'a', '#', '\u200b', '\r\n', 'x y'];
  for (const c of spaces) for (const text of [c, `a${c}`, `a${c}\nb`, `${c}a\nb`, `\n${c}`]) assert.is(hasLineEndSpace(text), re.test(text), JSON.stringify(text));
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let round = 0; round < 3000; round++) {
    let text = '';
    for (let k = rnd(8); k >= 0; k--) text += parts[rnd(parts.length)];
    assert.is(hasLineEndSpace(text), re.test(text), JSON.stringify(text));
  }
  assert.is(hasLineEndSpace(''), false);
});

const RECIPE = [
  'requirements:',
  '  host:',
  '    - python',
  '    - pywin32  # [win]',
  '    - libgcc #[linux]',
  '    - posix  #  [ not win ]',
  '    - mkl  # [blas_impl == "mkl"]',
  '    - old-thing  # [py<38]',
  '',
].join('\n');

apply('drops false lines, strips the comment from true ones :: linux-64', () => {
  const out = applySelectors(RECIPE, ns('linux-64', { blas_impl: 'openblas' }));
  assert.is(out, 'requirements:\n  host:\n    - python\n    - libgcc\n    - posix\n');
});

apply('per-arch differences :: win-64, osx-arm64, linux-aarch64', () => {
  assert.is(
    applySelectors(RECIPE, ns('win-64', { blas_impl: 'mkl' })),
    'requirements:\n  host:\n    - python\n    - pywin32\n    - mkl\n',
  );
  assert.is(applySelectors(RECIPE, ns('osx-arm64', { blas_impl: 'openblas' })), 'requirements:\n  host:\n    - python\n    - posix\n');
  assert.is(
    applySelectors(RECIPE, ns('linux-aarch64', { blas_impl: 'openblas' }), [], {}),
    'requirements:\n  host:\n    - python\n    - libgcc\n    - posix\n',
  );
});

apply('unknown names warn with the 1-based line and are False', () => {
  const warnings: SelectorWarning[] = [];
  const out = applySelectors('a: 1\nb: 2  # [blas_impl == "mkl"]\nc: 3  # [not with_cuda]\n', ns('linux-64'), warnings);
  assert.is(out, 'a: 1\nc: 3\n');
  assert.equal(warnings, [
    { line: 2, message: `unknown name 'blas_impl' in selector [blas_impl == "mkl"] is treated as False` },
    { line: 3, message: `unknown name 'with_cuda' in selector [not with_cuda] is treated as False` },
  ]);
});

apply('the same selector on several lines warns on each line', () => {
  const warnings: SelectorWarning[] = [];
  applySelectors('a: 1  # [foo]\nb: 2  # [foo]\n', ns('linux-64'), warnings);
  assert.equal(warnings.map((w) => w.line), [1, 2]);
});

apply('an invalid selector is a warning naming it, and drops the line', () => {
  const warnings: SelectorWarning[] = [];
  const out = applySelectors('a: 1\nb: 2  # [win and]\nc: 3\n', ns('linux-64'), warnings);
  assert.is(out, 'a: 1\nc: 3\n');
  assert.is(warnings.length, 1);
  assert.is(warnings[0].line, 2);
  assert.match(warnings[0].message, 'invalid selector, line dropped: invalid expression `win and`');
});

apply('line based, as conda-build :: lines of a block scalar are selected too', () => {
  const text = 'build:\n  script: |\n    echo a\n    echo win  # [win]\n    echo b\n';
  assert.is(applySelectors(text, ns('linux-64')), 'build:\n  script: |\n    echo a\n    echo b\n');
});

apply('keepLineNumbers leaves an empty line in place of a dropped one', () => {
  assert.is(applySelectors('a: 1  # [win]\nb: 2\n', ns('linux-64'), [], { keepLineNumbers: true }), '\nb: 2\n');
});

apply('whole-line comments become empty lines; trailing spaces are stripped; CRLF accepted', () => {
  assert.is(applySelectors('# [win]\n  # note\na: 1   \r\nb: 2', ns('linux-64')), '\n\na: 1\nb: 2\n');
});

apply('a trailing quote survives, as in conda-build', () => {
  assert.is(applySelectors(`- "foo bar  # [linux]"\n`, ns('linux-64')), `- "foo bar"\n`);
});

apply('a `#` inside the content is kept; only the trailing selector counts', () => {
  assert.is(applySelectors('url: http://x/a#frag  # [linux]\n', ns('linux-64')), 'url: http://x/a#frag\n');
});

apply('brackets without a `#` are content, not a selector', () => {
  assert.is(applySelectors('  - pip install .[test]\n  - a  # [x in ["p", "q"]]\n', ns('linux-64', { x: 'q' })), '  - pip install .[test]\n  - a\n');
});

apply('text after the selector (no parentheses) is allowed', () => {
  assert.is(applySelectors('a: 1  # [linux] needed for glibc\n', ns('linux-64')), 'a: 1\n');
});

apply('Jinja on a selector line is left for the renderer', () => {
  assert.is(applySelectors("  - {{ compiler('c') }}  # [unix]\n", ns('osx-64')), "  - {{ compiler('c') }}\n");
});

apply('a text without # keeps its lines as they are :: seeded random texts, against the line-by-line reading', () => {
  // A comment line appended takes the line-by-line reading: it gives the same lines, and one empty line more.
  let seed = 61;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const parts = ['a', '- numpy', 'x: 1', ' ', '\t', '\u00a0', '\u2028', '\r', '\n', '\n', '[win]', "'q'", '{{ v }}'];
  for (let round = 0; round < 2000; round++) {
    let text = '';
    for (let k = rnd(10); k >= 0; k--) text += parts[rnd(parts.length)];
    const slow = `${text}${text.endsWith('\n') ? '' : '\n'}#\n`;
    assert.is(applySelectors(text, ns('linux-64'), [], { keepLineNumbers: true }) + '\n', applySelectors(slow, ns('linux-64'), [], { keepLineNumbers: true }), JSON.stringify(text));
  }
});

apply.run();
