import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Target } from '../model/types.ts';
import { expandVariants, forEachJinjaBlock, JINJA_BLOCK, loadSharedVariantConfig, loadVariantConfig, sharedByKeys, usedVariantKeys, VariantConfigError, variantFileStats, type VariantConfig } from './variants.ts';
import { RecipeYamlError } from './yaml.ts';

const LINUX: Target = { subdir: 'linux-64', python: '3.13' };
const WIN: Target = { subdir: 'win-64', python: '3.13' };

interface Ctx {
  dir: string;
  write(name: string, text: string): string;
}

function withTmp(s: ReturnType<typeof suite<Ctx>>) {
  s.before.each((ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-variants-'));
    ctx.write = (name, text) => {
      const file = join(ctx.dir, name);
      writeFileSync(file, text);
      return file;
    };
  });
  s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));
}

const config = (values: Record<string, string[]>, zipKeys: string[][] = []): VariantConfig => ({ values, zipKeys, extra: {} });

// ------------------------------------------------------------------ loadVariantConfig

const load = suite<Ctx>('loadVariantConfig', {} as Ctx);
withTmp(load);

load('a config file whose stat is unchanged is not read again; a changed one is', (ctx) => {
  const f = ctx.write('cbc.yaml', 'python:\n  - 3.12\nzlib:\n  - 1.2\n');
  const realNow = Date.now;
  // As if the file had been written long ago (a file changed in the last seconds is always read).
  Date.now = () => realNow() + 60_000;
  try {
    const before = { ...variantFileStats };
    const first = loadSharedVariantConfig([f], LINUX);
    const second = loadSharedVariantConfig([f], LINUX);
    assert.is(second, first);
    assert.equal(variantFileStats, { read: before.read + 1, reused: before.reused + 1 });
    writeFileSync(f, 'python:\n  - 3.12\nzlib:\n  - 1.3\n  - 1.4\n');
    assert.equal(loadSharedVariantConfig([f], LINUX).values.zlib, ['1.3', '1.4']);
    assert.is(variantFileStats.read, before.read + 2);
  } finally {
    Date.now = realNow;
  }
  // Changed in the last seconds: read every time (its stat may not show a second change yet).
  const read = variantFileStats.read;
  loadSharedVariantConfig([f], LINUX);
  assert.is(variantFileStats.read, read + 1);
});

load('keeps unquoted numbers as text and makes scalars one-element lists :: 3.10 stays "3.10"', async (ctx) => {
  const f = ctx.write('cbc.yaml', 'python:\n  - 3.10\n  - 3.12\nc_compiler_version: 11\nblas_impl: mkl\nbootstrap: false\n');
  const cfg = await loadVariantConfig([f], LINUX);
  assert.equal(cfg.values, { python: ['3.10', '3.12'], c_compiler_version: ['11'], blas_impl: ['mkl'], bootstrap: ['false'] });
  assert.equal(cfg.zipKeys, []);
});

load('applies selectors for the target before parsing :: linux-64 vs win-64', async (ctx) => {
  const f = ctx.write(
    'cbc.yaml',
    ['c_compiler:', '  - gcc        # [linux]', '  - vs2019     # [win]', '  - clang      # [osx]', 'vc:            # [win]', '  - 14         # [win]', ''].join('\n'),
  );
  assert.equal((await loadVariantConfig([f], LINUX)).values, { c_compiler: ['gcc'] });
  assert.equal((await loadVariantConfig([f], WIN)).values, { c_compiler: ['vs2019'], vc: ['14'] });
  assert.equal((await loadVariantConfig([f], { subdir: 'osx-arm64', python: '3.13' })).values, { c_compiler: ['clang'] });
});

load('stacks files: a later file replaces a key of an earlier one', async (ctx) => {
  const global = ctx.write('global.yaml', 'numpy:\n  - 1.26\nblas_impl:\n  - mkl\n  - openblas\nzlib: 1.2\n');
  const local = ctx.write('local.yaml', 'blas_impl:\n  - openblas\nlibpng: 1.6\n');
  const cfg = await loadVariantConfig([global, local], LINUX);
  assert.equal(cfg.values, { numpy: ['1.26'], blas_impl: ['openblas'], zlib: ['1.2'], libpng: ['1.6'] });
});

load('skips missing files and empty files', async (ctx) => {
  const empty = ctx.write('empty.yaml', '# nothing here\n');
  const f = ctx.write('cbc.yaml', 'zlib: 1.3\n');
  const cfg = await loadVariantConfig([join(ctx.dir, 'missing.yaml'), empty, f], LINUX);
  assert.equal(cfg.values, { zlib: ['1.3'] });
});

load('zip_keys: list of lists or one flat list; groups accumulate across files without duplicates', async (ctx) => {
  const a = ctx.write('a.yaml', 'zip_keys:\n  - [python, numpy]\n  - - c_compiler_version\n    - cxx_compiler_version\n');
  const b = ctx.write('b.yaml', 'zip_keys: [numpy, python]\n');
  const c = ctx.write('c.yaml', 'zip_keys: [cuda_compiler, cuda_compiler_version]\n');
  const cfg = await loadVariantConfig([a, b, c], LINUX);
  assert.equal(cfg.zipKeys, [['python', 'numpy'], ['c_compiler_version', 'cxx_compiler_version'], ['cuda_compiler', 'cuda_compiler_version']]);
});

load('a key in two zip groups is an error naming the key and the groups', async (ctx) => {
  const a = ctx.write('a.yaml', 'zip_keys:\n  - [python, numpy]\n  - [numpy, libblas]\n');
  try {
    await loadVariantConfig([a], LINUX);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, VariantConfigError);
    assert.match((err as Error).message, "zip_keys: 'numpy' is in two groups: [python, numpy] and [numpy, libblas]");
  }
});

load('pin_run_as_build merges per key; other mappings go to extra and are replaced', async (ctx) => {
  const a = ctx.write('a.yaml', 'pin_run_as_build:\n  numpy: {max_pin: x.x}\n  zlib: {max_pin: x}\nsome_map:\n  a: 1\n');
  const b = ctx.write('b.yaml', 'pin_run_as_build:\n  zlib: {max_pin: x.x}\nsome_map:\n  b: 2\nignore_version: [numpy]\n');
  const cfg = await loadVariantConfig([a, b], LINUX);
  assert.equal(cfg.extra, {
    pin_run_as_build: { numpy: { max_pin: 'x.x' }, zlib: { max_pin: 'x.x' } },
    some_map: { b: '2' },
    ignore_version: ['numpy'],
  });
  assert.equal(cfg.values, {});
});

load('bad YAML throws with the file and line', async (ctx) => {
  const f = ctx.write('cbc.yaml', 'python:\n  - 3.12\n numpy: [1.26\n');
  try {
    await loadVariantConfig([f], LINUX);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeYamlError);
    assert.match((err as Error).message, `${f}:3`);
  }
});

load('YAML error lines are the file lines even after selectors dropped lines', async (ctx) => {
  const f = ctx.write('cbc.yaml', 'a: 1  # [win]\nb: 2  # [win]\nc: [\n');
  try {
    await loadVariantConfig([f], LINUX);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeYamlError);
    assert.ok((err as RecipeYamlError).line! >= 3, String((err as RecipeYamlError).line));
  }
});

load('a top level that is not a mapping is an error naming the file', async (ctx) => {
  const f = ctx.write('cbc.yaml', '- python\n');
  await loadVariantConfig([f], LINUX).then(
    () => assert.unreachable(),
    (err) => assert.match(err.message, `${f}: expected a mapping of variant keys`),
  );
});

load('selector and value warnings carry the file and line', async (ctx) => {
  const f = ctx.write('cbc.yaml', 'zlib: 1.3\nfoo: 1  # [with_thing]\nempty:\nnested:\n  - [a, b]\n');
  const warnings: { file: string; line: number; message: string }[] = [];
  const cfg = await loadVariantConfig([f], LINUX, warnings);
  assert.equal(cfg.values, { zlib: ['1.3'] });
  assert.equal(warnings, [
    { line: 2, message: "unknown name 'with_thing' in selector [with_thing] is treated as False", file: f },
    { file: f, line: 3, message: "variant key 'empty' has no value; ignored" },
    { file: f, line: 4, message: "variant key 'nested' must be a scalar or a list of scalars; ignored" },
  ]);
});

load.run();

// ------------------------------------------------------------------ usedVariantKeys

const used = suite('usedVariantKeys');

const CFG = config({
  python: ['3.12'],
  numpy: ['1.26'],
  blas_impl: ['mkl', 'openblas'],
  c_compiler: ['gcc'],
  c_compiler_version: ['13'],
  cxx_compiler: ['gxx'],
  c_stdlib: ['sysroot'],
  c_stdlib_version: ['2.17'],
  libpng: ['1.6'],
  zlib: ['1.3'],
  openssl: ['3'],
  vc: ['14'],
  cuda_compiler_version: ['None', '12.0'],
  'libjpeg-turbo': ['3'],
  target_platform: ['linux-64'],
});

const sorted = (s: Set<string>) => [...s].sort();

used('jinja, compiler/stdlib, selectors, bare requirements, python', () => {
  const recipe = `{% set version = "1.0" %}
package:
  name: foo
  version: {{ version }}
build:
  skip: true  # [win and vc<14]
  string: cuda{{ cuda_compiler_version | replace('.', '') }}
requirements:
  build:
    - {{ compiler('c') }}
    - {{ stdlib('c') }}
  host:
    - python
    - numpy
    - zlib >=1.2
    - libjpeg_turbo
    - openssl  # [blas_impl == 'mkl']
  run:
    - {{ pin_compatible('libpng') }}
`;
  assert.equal(sorted(usedVariantKeys(recipe, CFG)), [
    'blas_impl', 'c_compiler', 'c_compiler_version', 'c_stdlib', 'c_stdlib_version', 'cuda_compiler_version',
    'libjpeg-turbo', 'libpng', 'numpy', 'openssl', 'python', 'vc',
  ]);
});

used('a pinned requirement is not multiplied; a pinned python still counts', () => {
  const recipe = 'requirements:\n  host:\n    - python >=3.8\n    - zlib 1.2.*\n    - numpy>=1.20\n';
  assert.equal(sorted(usedVariantKeys(recipe, CFG)), ['python']);
});

used('attributes, filters, tests and keyword names are not variables', () => {
  const recipe = `{{ environ.zlib }} {{ x | openssl }} {% if vc is defined %}{% endif %} {{ pin_subpackage('a', numpy='x') }}\n`;
  assert.equal(sorted(usedVariantKeys(recipe, CFG)), ['vc']);
});

used('{% if %} conditions and v1 ${{ }} and if: count', () => {
  const v0 = '{% if blas_impl == "mkl" %}\n  - mkl\n{% endif %}\n';
  assert.equal(sorted(usedVariantKeys(v0, CFG)), ['blas_impl']);
  const v1 = 'requirements:\n  host:\n    - if: cuda_compiler_version != "None"\n      then: zlib\n    - ${{ compiler("c") }}\n';
  assert.equal(sorted(usedVariantKeys(v1, CFG)), ['c_compiler', 'c_compiler_version', 'cuda_compiler_version', 'zlib']);
});

used('bare requirements read by the character scan as by the regex: Unicode spaces, dashes, trailing text', () => {
  const lines = [
    '    - zlib', // a bare requirement
    '    -\u00a0openssl', // a no-break space after the dash is whitespace (\\s)
    '\u3000- libpng', // an ideographic space before it
    '    - numpy\u2003', // a trailing em space
    '    - libjpeg-turbo \t', // dashes in the name, trailing tab
    '    -python', // no space after the dash: no item
    '    - vc 14', // pinned
    '    - blas_impl\u00e9', // a non-ASCII letter after the name: no bare name
    '    - c_compiler.x-y', // a longer name, not the key
    'x: 1 then: target_platform', // `then:` not at the start: nothing
  ];
  assert.equal(sorted(usedVariantKeys(lines.join('\n') + '\n', CFG)), ['libjpeg-turbo', 'libpng', 'numpy', 'openssl', 'zlib']);
  // The same lines with CRLF endings.
  assert.equal(sorted(usedVariantKeys(lines.join('\r\n'), CFG)), ['libjpeg-turbo', 'libpng', 'numpy', 'openssl', 'zlib']);
});

used('lines read in place as the split lines are :: seeded random texts, LF read by the scan, CRLF by the split', () => {
  // The `\n` path reads each line where it is (no split); a `\r` in the text takes the split
  // path: the same lines with CRLF endings must give the same keys.
  let seed = 1307;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const parts = ['- ', '-', ' ', '  ', '\t', '\u00a0', '\u3000', '#', '# [win]', '# [blas_impl == "mkl"]', ':', 'if: ', 'then: ', 'else: ', 'if', 'then', 'x', 'zlib', 'numpy', 'libjpeg-turbo', 'vc', 'vc 14', 'openssl', 'c_compiler', '.', 'é', '\u2028'];
  for (let round = 0; round < 400; round++) {
    const lines: string[] = [];
    for (let l = rnd(12); l >= 0; l--) {
      let line = '';
      for (let k = rnd(6); k >= 0; k--) line += parts[rnd(parts.length)];
      lines.push(line);
    }
    const lf = lines.join('\n') + (rnd(2) ? '\n' : '');
    assert.equal(sorted(usedVariantKeys(lf, CFG)), sorted(usedVariantKeys(lf.replaceAll('\n', '\r\n'), CFG)), JSON.stringify(lf));
  }
});

used('forEachJinjaBlock finds the blocks JINJA_BLOCK matches (bodies, starts, ends)', () => {
  const parts = ['{', '}', '{{', '}}', '{%', '%}', '-', '-%}', '{%-', '%', 'x', ' ', '\n', 'a b'];
  let seed = 5;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let i = 0; i < 5000; i++) {
    let text = '';
    for (let k = random(12); k >= 0; k--) text += parts[random(parts.length)];
    const found: [string, number, number][] = [];
    forEachJinjaBlock(text, (body, start, end) => found.push([body, start, end]));
    const expected = [...text.matchAll(JINJA_BLOCK)].map((m) => [m[1] ?? m[2], m.index, m.index + m[0].length]);
    assert.equal(found, expected, JSON.stringify(text));
  }
});

used('names not in the config are ignored; text without requirements uses nothing', () => {
  assert.equal(sorted(usedVariantKeys('{{ something_else }}  # [other]\n', CFG)), []);
  assert.equal(sorted(usedVariantKeys('package:\n  name: python-dateutil\n  - python-dateutil\n', CFG)), []);
});

used('build scripts: $key, ${key}, %key%', () => {
  assert.equal(sorted(usedVariantKeys('', CFG, ['echo $zlib ${openssl}', 'echo %vc%'])), ['openssl', 'vc', 'zlib']);
});

used('an unparseable Jinja block still yields its names', () => {
  assert.equal(sorted(usedVariantKeys('{{ zlib ?? openssl }}\n', CFG)), ['openssl', 'zlib']);
});

used.run();

// ------------------------------------------------------------------ expandVariants

const expand = suite('expandVariants');

expand('python is forced to the target; at least one variant', () => {
  assert.equal(expandVariants(config({}), new Set(), LINUX), [{ python: '3.13' }]);
  assert.equal(expandVariants(config({ python: ['3.11', '3.12'] }), new Set(['python']), LINUX), [{ python: '3.13' }]);
});

expand('cartesian product of used list keys; unused keys left out; deterministic order', () => {
  const cfg = config({ blas_impl: ['mkl', 'openblas'], numpy: ['1.26', '2.0'], zlib: ['1.3'], unused: ['a', 'b'] });
  assert.equal(expandVariants(cfg, new Set(['numpy', 'blas_impl', 'zlib', 'python']), LINUX), [
    { blas_impl: 'mkl', numpy: '1.26', python: '3.13', zlib: '1.3' },
    { blas_impl: 'mkl', numpy: '2.0', python: '3.13', zlib: '1.3' },
    { blas_impl: 'openblas', numpy: '1.26', python: '3.13', zlib: '1.3' },
    { blas_impl: 'openblas', numpy: '2.0', python: '3.13', zlib: '1.3' },
  ]);
});

expand('one-valued keys in every variant, the first multi-valued key varying slowest, repeated values once, a __proto__ key kept', () => {
  const values: Record<string, string[]> = { b: ['x'], a: ['1', '2'], c: ['p', 'p'], d: ['y', 'z'] };
  Object.defineProperty(values, '__proto__', { value: ['q'], enumerable: true, writable: true, configurable: true });
  const vs = expandVariants(config(values), new Set(['a', 'b', 'c', 'd', '__proto__']), LINUX);
  const v = (a: string, d: string) => `{"__proto__":"q","a":"${a}","b":"x","c":"p","d":"${d}","python":"3.13"}`;
  assert.is(JSON.stringify(vs), `[${v('1', 'y')},${v('1', 'z')},${v('2', 'y')},${v('2', 'z')}]`);
  assert.is(Object.getPrototypeOf(vs[0]), Object.prototype);
});

expand('zip_keys expand together', () => {
  const cfg = config(
    { c_compiler_version: ['12', '13'], cxx_compiler_version: ['12', '13'], zlib: ['1.2', '1.3'] },
    [['c_compiler_version', 'cxx_compiler_version']],
  );
  assert.equal(expandVariants(cfg, new Set(['c_compiler_version', 'cxx_compiler_version']), LINUX), [
    { c_compiler_version: '12', cxx_compiler_version: '12', python: '3.13' },
    { c_compiler_version: '13', cxx_compiler_version: '13', python: '3.13' },
  ]);
});

expand('a zipped partner that is not used constrains but does not appear', () => {
  const cfg = config({ cuda_compiler: ['None', 'nvcc', 'nvcc'], cuda_compiler_version: ['None', '11.8', '12.0'] }, [['cuda_compiler', 'cuda_compiler_version']]);
  assert.equal(expandVariants(cfg, new Set(['cuda_compiler']), LINUX), [
    { cuda_compiler: 'None', python: '3.13' },
    { cuda_compiler: 'nvcc', python: '3.13' },
  ]);
});

expand('zip with python keeps the partner at the target python (conda-forge form too)', () => {
  const cfg = config({ python: ['3.12.* *_cpython', '3.13.* *_cpython'], numpy: ['1.26', '2.1'] }, [['python', 'numpy']]);
  assert.equal(expandVariants(cfg, new Set(['python', 'numpy']), LINUX), [{ numpy: '2.1', python: '3.13' }]);
});

expand('zip with python when the target python is not listed :: the newest older python position', () => {
  const cfg = config({ python: ['3.10', '3.12', '3.11'], numpy: ['1.22', '1.26', '1.23'] }, [['python', 'numpy']]);
  assert.equal(expandVariants(cfg, new Set(['numpy']), LINUX), [{ numpy: '1.26', python: '3.13' }]);
  assert.equal(expandVariants(cfg, new Set(['numpy']), { subdir: 'linux-64', python: '3.9' }), [{ numpy: '1.22', python: '3.9' }]);
});

expand('zip_keys with different lengths is an error naming the keys and lengths', () => {
  const cfg = config({ python: ['3.12', '3.13'], numpy: ['1.26', '2.0', '2.1'] }, [['python', 'numpy']]);
  assert.throws(
    () => expandVariants(cfg, new Set(['numpy']), LINUX),
    (err: Error) => err instanceof VariantConfigError && err.message === 'zip_keys group [python, numpy] has lists of different lengths: python=2, numpy=3',
  );
});

expand('a mismatched zip group that the recipe does not use is not checked', () => {
  const cfg = config({ a: ['1', '2'], b: ['1'], zlib: ['1.3'] }, [['a', 'b']]);
  assert.equal(expandVariants(cfg, new Set(['zlib']), LINUX), [{ python: '3.13', zlib: '1.3' }]);
});

expand('extra keys are forced, zipped partners follow them', () => {
  const cfg = config({ bootstrap: ['false', 'true'], flit_core: ['3.9', '0'] }, [['bootstrap', 'flit_core']]);
  assert.equal(expandVariants(cfg, new Set(['bootstrap', 'flit_core']), LINUX, { bootstrap: 'true' }), [
    { bootstrap: 'true', flit_core: '0', python: '3.13' },
  ]);
  assert.equal(expandVariants(config({}), new Set(), LINUX, { bootstrap: 'true' }), [{ bootstrap: 'true', python: '3.13' }]);
});

expand('target_platform, when used, is the target subdir', () => {
  assert.equal(expandVariants(config({ target_platform: ['linux-64', 'win-64'] }), new Set(['target_platform']), WIN), [
    { python: '3.13', target_platform: 'win-64' },
  ]);
});

expand('the three functions together on one recipe', async () => {
  const cfg = config({ python: ['3.12'], numpy: ['2.0', '2.1'], blas_impl: ['mkl', 'openblas'], zlib: ['1.3'] });
  const recipe = 'requirements:\n  host:\n    - python\n    - numpy\n    - mkl  # [blas_impl == "mkl"]\n';
  const variants = expandVariants(cfg, usedVariantKeys(recipe, cfg), WIN);
  assert.is(variants.length, 4);
  assert.equal(variants[3], { blas_impl: 'openblas', numpy: '2.1', python: '3.13' });
});

// expandVariants as it was written with closures, spreads and flatMap (before the loops that
// TurboFan compiles once): the loops must give the same variants in the same order, or the same error.
function expandReference(config: VariantConfig, used: Set<string>, target: Target, extra: Record<string, string> = {}): Record<string, string>[] {
  const versionParts = (v: string) => v.trim().split(/\s+/)[0].split('.').map((p) => Number.parseInt(p, 10)).filter((n) => !Number.isNaN(n));
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0);
      if (d) return d;
    }
    return 0;
  };
  const matches = (key: string, value: string, want: string) => {
    if (key !== 'python') return value === want;
    const head = value.trim().split(/\s+/)[0].replace(/\.\*$/, '');
    return head === want || head.startsWith(`${want}.`);
  };
  const forced = new Map<string, string>([['python', target.python]]);
  if (used.has('target_platform')) forced.set('target_platform', target.subdir);
  for (const [k, v] of Object.entries(extra)) forced.set(k, v);
  const has = (k: string) => (config.values[k]?.length ?? 0) > 0;
  const included = new Set([...used].filter((k) => has(k) || forced.has(k)));
  for (const k of forced.keys()) included.add(k);
  const dimensions: { first: string; options: [string, string][][] }[] = [];
  const zipped = new Set<string>();
  for (const group of config.zipKeys) {
    const members = group.filter(has);
    if (!members.some((k) => included.has(k))) continue;
    members.forEach((k) => zipped.add(k));
    const lengths = members.map((k) => config.values[k].length);
    if (new Set(lengths).size > 1) {
      throw new VariantConfigError(undefined, `zip_keys group [${group.join(', ')}] has lists of different lengths: ${members.map((k, i) => `${k}=${lengths[i]}`).join(', ')}`);
    }
    let positions = [...Array(lengths[0] ?? 0).keys()];
    for (const key of members.filter((k) => forced.has(k))) {
      const want = forced.get(key)!;
      const values = config.values[key];
      const matching = positions.filter((i) => matches(key, values[i], want));
      if (matching.length) positions = matching;
      else if (key === 'python' && positions.length) {
        const wanted = versionParts(want);
        const older = positions.filter((i) => compare(versionParts(values[i]), wanted) < 0);
        const best = older.reduce<number | undefined>((b, i) => (b === undefined || compare(versionParts(values[i]), versionParts(values[b])) > 0 ? i : b), undefined);
        positions = [best ?? positions[0]];
      }
    }
    const shown = members.filter((k) => included.has(k) && !forced.has(k));
    if (!shown.length) continue;
    dimensions.push({ first: [...shown].sort()[0], options: positions.map((i) => shown.map((k): [string, string] => [k, config.values[k][i]])) });
  }
  for (const key of included) {
    if (forced.has(key) || zipped.has(key)) continue;
    dimensions.push({ first: key, options: config.values[key].map((v): [string, string][] => [[key, v]]) });
  }
  dimensions.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const fixed = new Map<string, string>();
  const varying: [string, string][][][] = [];
  for (const { options } of dimensions) {
    if (options.length === 1) for (const [k, v] of options[0]) fixed.set(k, v);
    else varying.push(options);
  }
  for (const [k, v] of forced) fixed.set(k, v);
  let combos: [string, string][][][] = [[]];
  for (const options of varying) combos = combos.flatMap((c) => options.map((o) => [...c, o]));
  const seen = new Set<string>();
  const variants: Record<string, string>[] = [];
  for (const combo of combos) {
    const all = new Map(fixed);
    for (const o of combo) for (const [k, v] of o) all.set(k, v);
    const variant = Object.fromEntries([...all.keys()].sort().map((k) => [k, all.get(k)!]));
    if (combos.length > 1) {
      const id = JSON.stringify(variant);
      if (seen.has(id)) continue;
      seen.add(id);
    }
    variants.push(variant);
  }
  return variants;
}

expand('the same variants as the reference, in the same order :: seeded random configs (zip groups, forced python and extra keys, repeated values, uneven zips)', () => {
  let seed = 20261206;
  const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const KEYS = ['python', 'numpy', 'python_impl', 'blas_impl', 'c_compiler_version', 'cxx_compiler_version', 'zlib', 'target_platform', 'bootstrap', 'mpi', 'cuda-compiler'];
  const VALUES = ['3.10', '3.11.* *_cpython', '3.12', '3.14', '1.26', '2.0', 'mkl', 'openblas', '12', '13', 'linux-64', 'true', 'false', '', 'x y'];
  const outcome = (f: () => unknown) => {
    try {
      return JSON.stringify(f());
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  };
  let products = 0;
  for (let round = 0; round < 3000; round++) {
    const values: Record<string, string[]> = {};
    for (const key of KEYS) {
      if (random(4) === 0) continue;
      const list: string[] = [];
      for (let n = random(4); n > 0; n--) list.push(VALUES[random(VALUES.length)]);
      values[key] = list;
    }
    const zipKeys: string[][] = [];
    const pool = KEYS.filter(() => random(3) === 0);
    while (pool.length > 1 && random(2)) zipKeys.push(pool.splice(0, 2 + random(2)));
    const used = new Set(KEYS.filter(() => random(2) === 0));
    const target: Target = { subdir: random(2) ? 'linux-64' : 'win-64', python: ['3.11', '3.13', '3.9'][random(3)] };
    const extra: Record<string, string> = random(3) === 0 ? { [KEYS[random(KEYS.length)]]: VALUES[random(VALUES.length)] } : {};
    const cfg = config(values, zipKeys);
    const got = outcome(() => expandVariants(cfg, used, target, extra));
    assert.is(got, outcome(() => expandReference(cfg, used, target, extra)), JSON.stringify({ values, zipKeys, used: [...used], target, extra }));
    if (got.startsWith('[') && (JSON.parse(got) as unknown[]).length > 1) products++;
  }
  assert.ok(products > 300, `only ${products} configs with more than one variant`);
});

expand.run();

// ------------------------------------------------------------------ sharedByKeys

const shared = suite('sharedByKeys');

shared('configs with the same keys in the same order share what is made from their keys', () => {
  let made = 0;
  const make = () => ({ n: ++made });
  const root = Object.freeze({ zlib: ['1.3'], 'libjpeg-turbo': ['3'], python: ['3.12'] });
  // A recipe-dir config that changes a value of the aggregate's: other values, the same keys.
  const local = Object.freeze({ zlib: ['1.2'], 'libjpeg-turbo': ['3'], python: ['3.12'] });
  const first = sharedByKeys(root, 'test', make);
  assert.is(sharedByKeys(local, 'test', make), first);
  assert.is(made, 1);
  assert.is.not(sharedByKeys(local, 'other use', make), first, 'per use');
  assert.is.not(sharedByKeys(Object.freeze({ python: ['3.12'], zlib: ['1.3'], 'libjpeg-turbo': ['3'] }), 'test', make), first, 'keys in another order');
  assert.is.not(sharedByKeys(Object.freeze({ zlib: ['1.3'], 'libjpeg-turbo': ['3'] }), 'test', make), first, 'fewer keys');
  const open = { zlib: ['1.3'], 'libjpeg-turbo': ['3'], python: ['3.12'] };
  assert.is.not(sharedByKeys(open, 'test', make), first, 'a config that can change is not shared');
  assert.is.not(sharedByKeys(open, 'test', make), sharedByKeys(open, 'test', make));
});

shared('usedVariantKeys of a config with the keys of another finds its own keys', () => {
  const a = config({ 'libjpeg-turbo': ['3'], zlib: ['1.3'] });
  const b = config({ 'libjpeg-turbo': ['2'], zlib: ['1.2'] });
  Object.freeze(a.values);
  Object.freeze(b.values);
  assert.equal(sorted(usedVariantKeys('  - libjpeg_turbo\n', a)), ['libjpeg-turbo']);
  assert.equal(sorted(usedVariantKeys('  - libjpeg_turbo\n  - zlib\n', b)), ['libjpeg-turbo', 'zlib']);
});

shared.run();

// ------------------------------------------------------------------ stacking on a kept stack

const onto = suite<Ctx>('recipe-dir config stacked on the kept aggregate stack', {} as Ctx);
withTmp(onto);

const ROOT = `c_compiler:
  - gcc
zlib:
  - '1.2'
  - '1.3'
openssl:
empty_here:   # [linux]
  - x         # [win]
blas_impl:
  - mkl
  - openblas
pin_run_as_build:
  zlib:
    max_pin: x.x
libpng: 1.6
dropped: 1  # [root_unknown_name]
zip_keys:
  - [zlib, blas_impl]
`;

/** The stack of [root, local] with the root's stack kept first (python 3.12), and without (3.11). */
function bothWays(ctx: Ctx, local: string) {
  const root = ctx.write('root.yaml', ROOT);
  const file = ctx.write('local.yaml', local);
  const kept: Target = { subdir: 'linux-64', python: '3.12' };
  const fresh: Target = { subdir: 'linux-64', python: '3.11' };
  loadSharedVariantConfig([root], kept, []);
  const run = (target: Target) => {
    const warnings: { file: string; line: number; message: string }[] = [];
    try {
      const c = loadSharedVariantConfig([root, file], target, warnings);
      return { keys: Object.keys(c.values), config: JSON.stringify(c), warnings };
    } catch (err) {
      return { error: String(err), warnings };
    }
  };
  return [run(kept), run(fresh)];
}

onto('the same values, key order, extra, zip_keys and warnings (in order) as stacking every file', (ctx) => {
  const local = `zlib:\n  - '1.2'\n  - '1.4'\nopenssl: 3\nlibpng:\n  a: 1\nnew_key: [a, b]\nnothing:\npin_run_as_build:\n  openssl:\n    max_pin: x\nsel: 1  # [nonsense_name]\nzip_keys:\n  - [c_compiler, new_key]\n`;
  const [kept, fresh] = bothWays(ctx, local);
  assert.ok(kept.keys?.includes('new_key'), JSON.stringify(kept));
  assert.equal(kept, fresh);
  assert.ok(kept.warnings.length >= 3, JSON.stringify(kept.warnings));
});

onto('a recipe-dir config that adds extend_keys changes how the aggregate config merges', (ctx) => {
  const [kept, fresh] = bothWays(ctx, 'extend_keys:\n  - libpng\nlibpng:\n  - 1.5\n');
  assert.equal(kept, fresh);
  assert.ok(!kept.keys?.includes('libpng'), 'libpng merged as an extend key');
});

onto('errors of the recipe-dir config: the same error and warnings', (ctx) => {
  const [kept, fresh] = bothWays(ctx, 'zip_keys:\n  - [zlib, c_compiler]\n');
  assert.match(String(kept.error), /in two groups/);
  assert.equal(kept, fresh);
  const [keptYaml, freshYaml] = bothWays(ctx, 'a: [1\n');
  assert.ok(keptYaml.error);
  assert.equal(keptYaml, freshYaml);
});

onto.run();
