import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PythonEvalError, PythonSyntaxError } from './errors.ts';
import { evaluate } from './evaluate.ts';
import { freeNames, parseExpression } from './parse.ts';

const ev = (expr: string, ns: Record<string, unknown> = {}) => evaluate(expr, ns);

const values = suite('evaluate');

values('and/or return operands like Python', () => {
  assert.is(ev("'' or 'b'"), 'b');
  assert.is(ev("'a' and 'b'"), 'b');
  assert.is(ev("0 and 'b'"), 0);
  assert.equal(ev('[] or [1]'), [1]);
});

values('str methods :: split/rsplit with maxsplit, replace with count, strip chars, format', () => {
  assert.equal(ev("'a b  c'.split()"), ['a', 'b', 'c']);
  assert.equal(ev("' a b c '.split(None, 1)"), ['a', 'b c ']);
  assert.equal(ev("'1.2.3'.split('.', 1)"), ['1', '2.3']);
  assert.equal(ev("'1.2.3'.rsplit('.', 1)"), ['1.2', '3']);
  assert.equal(ev("'a,,b'.split(',')"), ['a', '', 'b']);
  assert.is(ev("'aaa'.replace('a', 'b', 2)"), 'bba');
  assert.is(ev("'xxhixx'.strip('x')"), 'hi');
  assert.is(ev("'{0}-{1}-{0} {{}}'.format('a', 'b')"), 'a-b-a {}');
  assert.is(ev("'abc'.find('c')"), 2);
  assert.is(ev("'hello world'.title()"), 'Hello World');
});

values('subscripts and slices like Python', () => {
  assert.is(ev("'abcdef'[1:4]"), 'bcd');
  assert.is(ev("'abcdef'[::2]"), 'ace');
  assert.is(ev("'abcdef'[::-1]"), 'fedcba');
  assert.is(ev("'abcdef'[-3:]"), 'def');
  assert.is(ev("'abcdef'[4:1:-1]"), 'edc');
  assert.equal(ev('[1, 2, 3][-1:]'), [3]);
  assert.is(ev("{'a': 1}['a']"), 1);
  assert.is(ev("'abc'[10:]"), '');
});

values('builtins :: str, int with base, float, len, bool, sorted', () => {
  assert.is(ev('str(None) + str(True) + str(3)'), 'NoneTrue3');
  assert.is(ev("str([1, 'a'])"), "[1, 'a']");
  assert.is(ev("int('ff', 16) + int(2.9) + int(-2.9)"), 255 + 2 - 2);
  assert.is(ev("float('1e3')"), 1000);
  assert.is(ev("len('héllo') + len([1]) + len({'a': 1})"), 7);
  assert.is(ev('bool([])'), false);
  assert.equal(ev("sorted(['b', 'a'])"), ['a', 'b']);
});

values('literals :: escapes, raw strings, adjacent concatenation, numbers with underscores', () => {
  assert.is(ev("'a\\tb'"), 'a\tb');
  assert.is(ev("r'a\\tb'"), 'a\\tb');
  assert.is(ev("'a' \"b\""), 'ab');
  assert.is(ev('1_000 + .5'), 1000.5);
  assert.equal(ev('(1,)'), [1]);
  assert.equal(ev('()'), []);
});

values('chained comparison evaluates the middle once and stops at the first false', () => {
  let calls = 0;
  const f = () => (calls++, 5);
  assert.is(ev('1 < f() < 10', { f }), true);
  assert.is(calls, 1);
  assert.is(ev("1 > 2 < int('x')"), false);
});

values('JS functions in the namespace are callable', () => {
  assert.is(ev("compiler('c')", { compiler: (lang: string) => `${lang}_compiler` }), 'c_compiler');
});

values('errors are typed :: syntax vs evaluation', () => {
  assert.throws(() => ev('1 +'), (e: unknown) => e instanceof PythonSyntaxError && e.column === 4);
  assert.throws(() => ev('1 + "a"'), (e: unknown) => e instanceof PythonEvalError && e.pythonType === 'TypeError');
  assert.throws(() => ev('3abc'), /invalid number literal/);
});

values('freeNames lists read names, not attributes', () => {
  assert.equal(freeNames(parseExpression("os.environ.get('X', d) == vc and not py27")), ['os', 'd', 'vc', 'py27']);
});

values.run();
