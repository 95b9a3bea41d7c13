import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Environment } from 'minijinja-js';
import { JinjaCompat, rewriteTemplate } from '../meta-yaml/jinja-compat.ts';
import { evaluate } from './evaluate.ts';
import { pyInt, pyRepr, pySplit, pyStr, truthy } from './semantics.ts';

const int = suite('pyInt');

int('parses like Python :: sign, whitespace, underscores, prefixes, bases 2..36 and 0', () => {
  assert.is(pyInt(' -42 '), -42);
  assert.is(pyInt('1_000'), 1000);
  assert.is(pyInt('0x1f', 16), 31);
  assert.is(pyInt('1f', 16), 31);
  assert.is(pyInt('z', 36), 35);
  assert.is(pyInt('0o17', 0), 15);
  assert.is(pyInt('0b101', 0), 5);
  assert.is(pyInt('-0x10', 0), -16);
  assert.is(pyInt('0b1', 16), 0xb1);
  assert.is(pyInt('00', 0), 0);
  assert.is(pyInt(3.9), 3);
  assert.is(pyInt(-3.9), -3);
  assert.is(pyInt(true), 1);
});

int('refuses what Python refuses :: trailing junk, floats in strings, double underscores, bad bases', () => {
  assert.throws(() => pyInt('12abc', 10), /ValueError: invalid literal for int\(\) with base 10: '12abc'/);
  assert.throws(() => pyInt('1.5'), /invalid literal for int\(\) with base 10: '1.5'/);
  assert.throws(() => pyInt('1__0'), /invalid literal/);
  assert.throws(() => pyInt('_1'), /invalid literal/);
  assert.throws(() => pyInt('010', 0), /invalid literal for int\(\) with base 0: '010'/);
  assert.throws(() => pyInt('8', 8), /invalid literal for int\(\) with base 8/);
  assert.throws(() => pyInt('1', 37), /ValueError: int\(\) base must be >= 2 and <= 36, or 0/);
  assert.throws(() => pyInt(12, 10), /TypeError: int\(\) can't convert non-string with explicit base/);
  assert.throws(() => pyInt(null), /TypeError: int\(\) argument must be .* not 'NoneType'/);
});

const values = suite('truthy, pyStr, pyRepr, pySplit');

values('truthiness :: empty dict and Map are false, NaN is true, methods are not items', () => {
  assert.is(truthy({}), false);
  assert.is(truthy(new Map()), false);
  assert.is(truthy(new Map([['a', 1]])), true);
  assert.is(truthy({ get: () => 1 }), false);
  assert.is(truthy(NaN), true);
  assert.is(truthy([]), false);
  assert.is(truthy('0'), true);
  assert.is(truthy(0), false);
});

values('str and repr :: floats, None, nested containers, Maps, objects with methods', () => {
  assert.is(pyStr(NaN), 'nan');
  assert.is(pyStr(-Infinity), '-inf');
  assert.is(pyStr(null), 'None');
  assert.is(pyStr([1, 'a', true]), "[1, 'a', True]");
  assert.is(pyStr(new Map([['k', ["it's"]]])), `{'k': ['it\\'s']}`);
  assert.is(pyStr({ a: 1, get: () => 1 }), "{'a': 1}");
  assert.is(pyRepr('a\\b'), "'a\\\\b'");
});

values('split and rsplit :: maxsplit keeps the remainder whitespace as Python does; empty separator refused', () => {
  assert.equal(pySplit('  a b  c ', null, 1, true), ['  a b', 'c']);
  assert.equal(pySplit('  a b  c ', null, 1, false), ['a', 'b  c ']);
  assert.equal(pySplit('1.2.3', '.', 1, true), ['1.2', '3']);
  assert.equal(pySplit('1.2.3', '.', -1, true), ['1', '2', '3']);
  assert.throws(() => pySplit('abc', '', -1, true), /ValueError: empty separator/);
  assert.throws(() => pySplit('abc', 1, -1, true), /TypeError: separator must be str, not int/);
});

// The two languages that use these semantics must agree: each expression below gave a different
// answer in a selector and in a meta.yaml template before they shared this module.
const agree = suite('selectors and Jinja agree');

function jinja(expr: string): { out: string; errors: string[] } {
  const env = new Environment();
  env.enablePyCompat();
  env.undefinedBehavior = 'chainable';
  const compat = new JinjaCompat();
  compat.register(env);
  const out = env.renderStr(rewriteTemplate(`{{ ${expr} }}`), {});
  return { out, errors: compat.errors.map((e) => e.message) };
}

const SAME: [string, string][] = [
  ["int('z', 36)", '35'],
  ["int('0o17', 0)", '15'],
  ["bool({})", 'False'],
  ["'  a b  c '.rsplit(None, 1)[0]", '  a b'],
  ["str(int('-0x10', 0))", '-16'],
];

for (const [expr, want] of SAME) {
  agree(`${expr} → ${want}`, () => {
    assert.is(pyStr(evaluate(expr, {})), want, 'selector');
    const { out, errors } = jinja(expr);
    assert.equal(errors, [], 'jinja errors');
    assert.is(out.replace(/^false$/, 'False'), want, 'jinja');
  });
}

agree("int('12abc', 10) is an error in both (Jinja read 12)", () => {
  assert.throws(() => evaluate("int('12abc', 10)", {}), /invalid literal for int\(\) with base 10: '12abc'/);
  assert.equal(jinja("int('12abc', 10)").errors, ["int(): ValueError: invalid literal for int() with base 10: '12abc'"]);
});

int.run();
values.run();
agree.run();
