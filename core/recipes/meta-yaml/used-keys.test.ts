import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { blocksClosed, outputKeys, requirementsSection, scriptKeys, selectorNames } from './used-keys.ts';
import { completeVariant } from './render.ts';

const keysOf = (file: string, text: string, keys: string[]) => [...scriptKeys(file, keys, () => text)].sort();

const script = suite('scriptKeys');

script('shell: $key and ${ key } as whole names; a longer name or another case is no use', () => {
  const text = 'cmake ${CMAKE_ARGS} -DX=$cuda_compiler_version\necho ${ blas_impl }|tr\necho $python_impl_x $Zlib\nfoo $openssl';
  assert.equal(keysOf('build.sh', text, ['CMAKE_ARGS', 'cuda_compiler_version', 'blas_impl', 'python_impl', 'zlib', 'openssl', 'absent']), [
    'CMAKE_ARGS',
    'blas_impl',
    'cuda_compiler_version',
    'openssl',
  ]);
});

script('batch files: %key% in any case, ASCII and non-ASCII keys', () => {
  const text = 'set X=%PY_VER%\r\necho %Cuda_Compiler_Version% %ümlaut% %ÉTÉ%\r\n';
  assert.equal(keysOf('bld.bat', text, ['py_ver', 'cuda_compiler_version', 'ümlaut', 'été', 'vc', 'py']), ['cuda_compiler_version', 'py_ver', 'ümlaut', 'été'].sort());
  // The same text as a shell script names none of them.
  assert.equal(keysOf('build.sh', text, ['py_ver', 'PY_VER']), []);
});

script('no script: no keys', () => {
  assert.equal([...scriptKeys('build.sh', ['a'], () => null)], []);
});

script('shell: the scan reads what the regex read (spaces, braces, what may follow, keys that are no words)', () => {
  const cases: [string, boolean][] = [
    ['$k', true], ['${k}', true], ['${ k }', true], ['${\tk\u00a0}', true], ['$k|x', true], ['$k\n', true], ['x$k y', true], ['$ k', true],
    ['${{k}', false], ['$ {k}', false], ['$kk', false], ['$k_', false], ['$k-', false], ['{k}', false], ['$xk', false], ['k $', false],
    ['$k-x $k.', false], ['$kx $k', true],
  ];
  for (const [text, reads] of cases) assert.equal(keysOf('build.sh', text, ['k']), reads ? ['k'] : [], JSON.stringify(text));
  // Keys of other characters (regex path): `-` and `.` are literal.
  assert.equal(keysOf('build.sh', 'a ${gcc_linux-64} $x.y', ['gcc_linux-64', 'x.y', 'x_y']), ['gcc_linux-64', 'x.y']);
});

script('requirementsSection finds what the regex finds (line starts of every kind, whitespace across lines, - name / - type)', () => {
  const REQS_RE = /requirements:.+?(?=^\w|(?![\s\S])|^\s+-\s(?=name|type))/ms;
  const parts = ['requirements:', 'requirements:', '\n', '\n', '\r', '\r\n', '\u2028', ' ', '  ', '\t', '\u00a0', '-', '- ', 'name', 'type', 'x', '_', 'é', 'build:', '- name: b', '  - type: c', '#'];
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let i = 0; i < 5000; i++) {
    let text = '';
    for (let k = random(14); k >= 0; k--) text += parts[random(parts.length)];
    assert.is(requirementsSection(text), text.match(REQS_RE)?.[0] ?? '', JSON.stringify(text));
  }
  assert.is(requirementsSection('outputs:\n  - name: a\n    requirements:\n      host:\n        - zlib\n  - name: b\n'), 'requirements:\n      host:\n        - zlib\n');
});

const complete = suite('completeVariant');

complete('a key takes the position of a chosen zip partner, else its first value; only restricts the keys', () => {
  const config = {
    values: Object.freeze({ c_compiler_version: ['11', '12', '13'], cxx_compiler_version: ['11', '12', '13'], numpy: ['1.26', '2.0'], zlib: ['1.2', '1.3'] }),
    zipKeys: [['c_compiler_version', 'cxx_compiler_version'], ['cxx_compiler_version', 'numpy']],
    extra: {},
  };
  const variant = { c_compiler_version: '12' };
  const defaults = { target_platform: 'linux-64' };
  assert.equal(completeVariant(config, variant, defaults), { target_platform: 'linux-64', cxx_compiler_version: '12', numpy: '1.26', zlib: '1.2', c_compiler_version: '12' });
  // The first group that holds a key decides (numpy's group is the second one).
  assert.equal(completeVariant(config, { cxx_compiler_version: '13' }, defaults, ['c_compiler_version', 'numpy']), { target_platform: 'linux-64', c_compiler_version: '13', numpy: '1.26', cxx_compiler_version: '13' });
  // Twice with the same shared config: the same answer.
  assert.equal(completeVariant(config, variant, defaults, ['cxx_compiler_version']), { target_platform: 'linux-64', cxx_compiler_version: '12', c_compiler_version: '12' });
});

const outputs = suite('outputKeys');

const frozenConfig = (keys: string[]) => ({ values: Object.freeze(Object.fromEntries(keys.map((k) => [k, ['1']]))), zipKeys: [], extra: {} });
const usedBy = (selected: string, config: ReturnType<typeof frozenConfig>, index: number, keys = Object.keys(config.values)) => {
  const variant = Object.fromEntries(keys.map((k) => [k, '1']));
  const k = outputKeys({ raw: selected, selected, config, variant, recipeDir: '/nowhere', index, script: null, win: false, readScript: () => null });
  return [...k.used].sort();
};

outputs('an output uses the top level\'s keys and its own, never those of the recipe or config asked for before', () => {
  const config = frozenConfig(['zlib', 'openssl', 'libpng', 'blas_impl']);
  const recipe = (top: string) => `package:\n  name: {{ ${top} }}\noutputs:\n  - name: a\n    requirements:\n      - zlib\n  - name: b\n    requirements:\n      - openssl\n`;
  assert.equal(usedBy(recipe('blas_impl'), config, 0), ['blas_impl', 'zlib']);
  assert.equal(usedBy(recipe('blas_impl'), config, 1), ['blas_impl', 'openssl']);
  // Another recipe, same config: its own top level.
  assert.equal(usedBy(recipe('libpng'), config, 1), ['libpng', 'openssl']);
  // The same recipe, another config (libpng no key of it, though the variant has it): that config's keys.
  assert.equal(usedBy(recipe('libpng'), frozenConfig(['openssl', 'blas_impl']), 1, ['openssl', 'blas_impl', 'libpng']), ['openssl']);
});

outputs('a Jinja block the top level opens and an output closes is read whole, as in the joined text', () => {
  const config = frozenConfig(['zlib', 'openssl']);
  // The block from `{{` to `}}` names zlib (a name inside it), which neither text alone shows.
  const selected = 'package:\n  name: x\nabout:\n  summary: {{ "a" ~ zlib\noutputs:\n  - name: a\n    about: }}\n';
  assert.equal(usedBy(selected, config, 0), ['zlib']);
});

outputs('blocksClosed: openers outside a closed block are dangling', () => {
  assert.ok(blocksClosed('a {{ x }} b {% if y %} c'));
  assert.ok(blocksClosed('{% set s = "{{" %}'), 'an opener inside a block');
  assert.not.ok(blocksClosed('a {{ x'));
  assert.not.ok(blocksClosed('{{% if y %}'), '`{{` before the block that starts one character later');
  assert.not.ok(blocksClosed('{{ a }} {% b'));
});

outputs('selectorNames by characters as by the regexes :: seeded random texts (brackets, spaces, newlines, identifiers)', () => {
  const byRegex = (raw: string) => {
    const names = new Set<string>();
    for (const m of raw.matchAll(/#\s*\[([^\[\]]+)\]/g)) for (const id of m[1].match(/[A-Za-z_]\w*/g) ?? []) names.add(id);
    return names;
  };
  const parts = ['#', '# ', '#\n', '[', ']', '[]', 'linux', 'py>=38', ' and ', 'x_1', '3ab', '_', 'é', '\u00a0', '\u2028', '\n', ' ', 'not win', '"s"', '(', ')'];
  let seed = 3;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let round = 0; round < 20000; round++) {
    let text = '';
    for (let k = rnd(10); k >= 0; k--) text += parts[rnd(parts.length)];
    assert.equal([...selectorNames(text)], [...byRegex(text)], JSON.stringify(text));
  }
});

script.run();
complete.run();
outputs.run();
