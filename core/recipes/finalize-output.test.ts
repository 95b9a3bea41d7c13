import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RawOutput } from './finalize-output.ts';
import { buildString, finalizeOutput, hashContents, hashDependencies, pinRunAsBuild, pinVariantRequirements, pythonJsonDumps } from './finalize-output.ts';

const raw = (over: Partial<RawOutput> = {}): RawOutput => ({
  name: 'pkg',
  version: '1.0',
  buildNumber: 0,
  buildString: null,
  noarch: null,
  requirements: { build: [], host: [], run: [], run_constrained: [] },
  test: { requires: [], imports: [], commands: [] },
  runExports: { weak: [], strong: [] },
  script: null,
  ...over,
});

const pins = suite('pinVariantRequirements');

pins('bare names equal to a variant key get its value :: dash and underscore alike', () => {
  const v = { python: '3.13', numpy: '2.0', r_base: '4.3', zlib: '1.3' };
  assert.equal(pinVariantRequirements(['python', 'numpy', 'r-base', 'zlib >=1.2', 'pip', 'numpy x.x'], v), [
    'python 3.13.*',
    'numpy 2.0.*',
    'r-base 4.3.*',
    'zlib >=1.2',
    'pip',
    'numpy 2.0.*',
  ]);
});

pins('only underscores of a key match either; the first key in variant order wins; trailing space; keys with spaces', () => {
  // `libxml2-dev` matches key libxml2_dev; key `gcc-x` matches only `gcc-x`, not `gcc_x`; of
  // c_compiler and c-compiler (one normal form) the first in the variant is taken.
  const v = { 'gcc-x': '12', libxml2_dev: '2.11', c_compiler: 'gcc', 'c-compiler': 'clang', empty: '', n_u_m: '1' };
  assert.equal(pinVariantRequirements(['libxml2-dev', 'gcc_x', 'gcc-x ', 'c-compiler', 'c_compiler\t', 'empty', 'n-u_m', 'n_u_m 2', 'libxml2.dev'], v), [
    'libxml2-dev 2.11.*',
    'gcc_x',
    'gcc-x 12.*',
    'c-compiler gcc.*',
    'c_compiler gcc.*',
    'empty',
    'n-u_m 1.*',
    'n_u_m 2',
    'libxml2.dev',
  ]);
  // A key holding a space (a config can have one) is matched as written, trailing space and all.
  assert.equal(pinVariantRequirements(['my key', 'my key  ', 'my_key', 'zlib'], { 'my key': '1', zlib: '1.3' }), ['my key 1', 'my key 1', 'my_key', 'zlib 1.3.*']);
});

pins('the index of positions as the regex per key :: seeded random variants (keys alike by normal form, chains of pins), frozen and not', () => {
  // A variant with a space in a key takes the regex path (every key's pattern on every requirement,
  // in variant order): the same variant plus an unused spaced key is the reference.
  const names = ['a_b', 'a-b', 'a_b_c', 'a-b_c', 'a_b-c', 'x', 'x-y', 'x_y', 'zlib'];
  const values = ['', '1', '2.0', 'a-b', 'x_y', 'zlib', '3 *'];
  let seed = 21;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let round = 0; round < 3000; round++) {
    const v: Record<string, string> = {};
    for (let k = rnd(7); k >= 0; k--) v[names[rnd(names.length)]] = values[rnd(values.length)];
    const reqs = Array.from({ length: 1 + rnd(4) }, () => names[rnd(names.length)] + ['', ' ', '\t', ' 1'][rnd(4)]);
    const want = pinVariantRequirements(reqs, { ...v, 'un used': '0' });
    assert.equal(pinVariantRequirements(reqs, v), want, JSON.stringify([v, reqs]));
    assert.equal(pinVariantRequirements(reqs, Object.freeze({ ...v })), want, JSON.stringify([v, reqs]));
  }
});

pins.run();

const hash = suite('hash and build string');

hash('json.dumps escaped once as each string escaped :: seeded random keys and values (non-ASCII, quotes, controls, lone surrogates)', () => {
  const byString = (obj: Record<string, string>) => {
    const str = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return `{${Object.keys(obj).sort().map((k) => `${str(k)}: ${str(obj[k])}`).join(', ')}}`;
  };
  const chars = ['a', 'Z', '_', '"', '\\', '\n', '\u0001', '\u007f', 'é', '∂', '\ud83d', '\ude00', '\uffff', ' ', ':', ','];
  let seed = 8;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const word = () => Array.from({ length: rnd(5) }, () => chars[rnd(chars.length)]).join('');
  for (let round = 0; round < 3000; round++) {
    const obj: Record<string, string> = {};
    for (let k = rnd(5); k > 0; k--) obj[word()] = word();
    assert.is(pythonJsonDumps(obj), byString(obj), JSON.stringify(obj));
  }
});

hash('hash is sha1 of json.dumps(sort_keys=True) :: a real 2018 Anaconda hash', () => {
  assert.is(pythonJsonDumps({ b: '1', a: 'é' }), '{"a": "\\u00e9", "b": "1"}');
  // h14c3975 is the most frequent hash in defaults' 2018 linux-64 repodata: {"c_compiler": "gcc"}.
  assert.is(hashDependencies({ c_compiler: 'gcc' }), 'h14c3975');
  assert.is(hashDependencies({}), '');
});

hash('hash contents :: python excluded, target_platform alone ignored, build-only numpy trimmed, virtual packages', () => {
  const out = { requirements: { build: ['numpy'], host: ['python 3.13.*'], run: ['python', '__glibc >=2.17'], run_constrained: [] }, noarch: null };
  const variant = { python: '3.13', numpy: '2.0', target_platform: 'linux-64', c_compiler: 'gcc' };
  assert.equal(hashContents(out, { variant, usedKeys: ['python', 'target_platform'] }), { __glibc: '__glibc >=2.17' });
  assert.equal(hashContents(out, { variant, usedKeys: ['python', 'numpy', 'c_compiler'], requirementsUsedKeys: ['numpy'] }), {
    c_compiler: 'gcc',
    target_platform: 'linux-64',
    __glibc: '__glibc >=2.17',
  });
  assert.equal(hashContents({ ...out, noarch: 'python' }, { variant, usedKeys: ['c_compiler'] }), { c_compiler: 'gcc', __glibc: '__glibc >=2.17' });
});

hash('build strings :: py, noarch python, no python, explicit, features', () => {
  const py = raw({ requirements: { build: [], host: ['python 3.13.*'], run: ['python >=3.13,<3.14.0a0'], run_constrained: [] } });
  assert.is(buildString(py, 'h1234567'), 'py313h1234567_0');
  assert.is(buildString(py, ''), 'py313_0');
  assert.is(buildString({ ...py, noarch: 'python' }, ''), 'py_0');
  assert.is(buildString({ ...py, noarch: 'python', buildNumber: 2 }, 'hd8ed1ab'), 'pyhd8ed1ab_2');
  assert.is(buildString(raw({ buildNumber: 4 }), 'habcdef0'), 'habcdef0_4');
  assert.is(buildString(raw(), ''), '0');
  assert.is(buildString({ ...py, buildString: 'custom_1' }, 'h1234567'), 'custom_1');
  // conda-build appends the hash to everything before the last '_': features come first.
  assert.is(buildString({ ...py, features: ['vc14'] }, 'h1234567'), 'py313_vc14h1234567_0');
  // python only in host (not run) gets no py prefix, as in conda-build.
  assert.is(buildString(raw({ requirements: { build: [], host: ['python 3.13.*'], run: [], run_constrained: [] } }), 'h1234567'), 'h1234567_0');
});

hash.run();

const fin = suite('finalizeOutput');

fin('pins host, pins run as build, computes the build string', () => {
  const out = finalizeOutput(
    raw({
      name: 'pyfoo',
      buildNumber: 3,
      requirements: { build: ['gcc_linux-64 13.*'], host: ['python', 'numpy', 'zlib'], run: ['python', 'zlib', 'numpy >=1.0'], run_constrained: ['foo-docs 1.*'] },
      runExports: { weak: ['pyfoo >=1.0'], strong: [] },
    }),
    {
      variant: { python: '3.13', numpy: '2.1', zlib: '1.3', c_compiler: 'gcc', target_platform: 'linux-64' },
      usedKeys: ['c_compiler', 'numpy', 'zlib', 'python'],
      requirementsUsedKeys: ['numpy', 'zlib', 'python'],
      pinRunAsBuild: { zlib: { max_pin: 'x' } },
    },
  );
  assert.equal(out.requirements, {
    build: ['gcc_linux-64 13.*'],
    host: ['python 3.13.*', 'numpy 2.1.*', 'zlib 1.3.*'],
    run: ['python >=3.13,<3.14.0a0', 'zlib >=1.3,<2.0a0', 'numpy >=1.0'],
    run_constrained: ['foo-docs 1.*'],
  });
  const expected = hashDependencies({ c_compiler: 'gcc', numpy: '2.1', zlib: '1.3', target_platform: 'linux-64' });
  assert.is(out.build, `py313${expected}_3`);
  assert.equal(out.runExports, { weak: ['pyfoo >=1.0'], strong: [] });
});

fin('pin_run_as_build: a run requirement named by its text up to the first whitespace (tabs too); the rest kept as it was', () => {
  const cfg = { zlib: { max_pin: 'x' }, 'r-base': 'x.x' };
  const run = ['zlib', '  zlib\t1.2\t*_0', 'zlib-dev', 'r-base >=4', 'openssl 3', 'zlib2'];
  assert.equal(pinRunAsBuild(run, ['zlib 1.3.*', 'r-base 4.3'], {}, cfg, null), ['zlib >=1.3,<2.0a0', 'zlib >=1.3,<2.0a0 *_0', 'zlib-dev', 'r-base >=4.3,<4.4.0a0', 'openssl 3', 'zlib2']);
});

fin('noarch python keeps a bare python run requirement', () => {
  const out = finalizeOutput(raw({ noarch: 'python', requirements: { build: [], host: ['python'], run: ['python'], run_constrained: [] } }), {
    variant: { python: '3.13', target_platform: 'linux-64' },
    usedKeys: ['python'],
  });
  assert.equal(out.requirements.run, ['python']);
  assert.equal(out.requirements.host, ['python 3.13.*']);
  assert.is(out.build, 'py_0');
});

fin.run();
