import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareVersions, parseMatchSpec, specMatches, tryParseMatchSpec, versionMatchesOrFalse } from './match-spec.ts';

const parse = suite('parseMatchSpec');

parse('reads the forms recipes and repodata use', () => {
  const cases: [string, string, string | null, string | null][] = [
    ['numpy', 'numpy', null, null],
    ['numpy >=1.21,<2', 'numpy', '>=1.21,<2', null],
    ['numpy >= 1.21', 'numpy', '>=1.21', null],
    ['python 3.13.* *_cpython', 'python', '3.13.*', '*_cpython'],
    ['python=3.7', 'python', '3.7.*', null],
    ['python=3.7=h1_0', 'python', '3.7', 'h1_0'],
    ['python==3.7.1', 'python', '==3.7.1', null],
    ['python>=3.7', 'python', '>=3.7', null],
    ['conda-forge::Numpy 1.2', 'numpy', '1.2', null],
    ["numpy[version='>=1.0', build=py*]", 'numpy', '>=1.0', 'py*'],
    ['gcc_linux-64 14.*', 'gcc_linux-64', '14.*', null],
    ['pkg *', 'pkg', null, null],
  ];
  for (const [text, name, version, build] of cases) {
    const s = parseMatchSpec(text);
    assert.equal([s.name, s.version, s.build], [name, version, build], text);
  }
});

parse('rejects a spec without a name', () => {
  assert.throws(() => parseMatchSpec('>=1.0'), /invalid match spec '>=1.0': no package name/);
});

const match = suite('specMatches');

match('uses conda version semantics', () => {
  const py = { name: 'python', version: '3.13.1', build: 'h1_0_cpython' };
  assert.ok(specMatches(parseMatchSpec('python 3.13.*'), py));
  assert.ok(specMatches(parseMatchSpec('python >=3.9,<3.14'), py));
  assert.not.ok(specMatches(parseMatchSpec('python 3.12.*'), py));
  assert.ok(specMatches(parseMatchSpec('python 3.13.* *_cpython'), py));
  assert.not.ok(specMatches(parseMatchSpec('python 3.13.* *_pypy'), py));
  assert.not.ok(specMatches(parseMatchSpec('numpy'), py));
  assert.ok(compareVersions('1.10', '1.9') > 0);
  assert.ok(compareVersions('1.0rc1', '1.0') < 0);
});

match('the lenient forms: unreadable specs and versions are no match, not an error', () => {
  assert.is(tryParseMatchSpec('>=1.0'), null);
  assert.is(tryParseMatchSpec('numpy >=1')?.name, 'numpy');
  assert.ok(versionMatchesOrFalse('>=3.6,<3.7.0a0', '3.6.0'));
  assert.not.ok(versionMatchesOrFalse('>=>', '3.6.0'));
});

match.run();
parse.run();
