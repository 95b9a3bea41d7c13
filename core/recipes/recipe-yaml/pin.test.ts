import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyPin, DEFAULT_PIN, PinError } from './pin.ts';

const pin = suite('applyPin');

pin('defaults :: lower x.x.x.x.x.x, upper x', () => {
  assert.is(applyPin('foo', '1.2.3', null, DEFAULT_PIN), 'foo >=1.2.3,<2.0a0');
});

pin('pin expressions :: the documented 3.10.5 with x.x / x.x.x', () => {
  assert.is(applyPin('foo', '3.10.5', null, { ...DEFAULT_PIN, lowerBound: 'x.x', upperBound: 'x.x.x' }), 'foo >=3.10,<3.10.6.0a0');
  assert.is(applyPin('foo', '3.1.5', null, { ...DEFAULT_PIN, lowerBound: 'x.x', upperBound: 'x.x' }), 'foo >=3.1,<3.2.0a0');
});

pin('a letter in the last bumped place :: 9e → 10a, 1.1.1j → 1.1.2a', () => {
  assert.is(applyPin('jpeg', '9e', null, { ...DEFAULT_PIN, lowerBound: null }), 'jpeg <10a');
  assert.is(applyPin('openssl', '1.1.1j', null, { ...DEFAULT_PIN, lowerBound: null, upperBound: 'x.x.x' }), 'openssl <1.1.2a');
});

pin('literal bounds, None bounds, build globs, exact', () => {
  assert.is(applyPin('o', '1.0', null, { ...DEFAULT_PIN, lowerBound: '1.2.3', upperBound: '1.2.4' }), 'o >=1.2.3,<1.2.4');
  assert.is(applyPin('o', '1.0', null, { ...DEFAULT_PIN, lowerBound: null, upperBound: null }), 'o');
  assert.is(applyPin('o', '3.1.5', null, { ...DEFAULT_PIN, lowerBound: 'x.x', upperBound: 'x.x', build: 'py38*' }), 'o >=3.1,<3.2.0a0 py38*');
  assert.is(applyPin('o', '3.1.5', 'h1234_0', { ...DEFAULT_PIN, exact: true }), 'o ==3.1.5 h1234_0');
});

pin('an upper bound longer than the version pads with zeros', () => {
  assert.is(applyPin('o', '2', null, { ...DEFAULT_PIN, lowerBound: null, upperBound: 'x.x' }), 'o <2.1.0a0');
});

pin('a version whose bumped place has no number cannot be pinned', () => {
  assert.throws(() => applyPin('o', 'abc', null, DEFAULT_PIN), (e: Error) => e instanceof PinError && /'abc'/.test(e.message));
});

pin.run();
