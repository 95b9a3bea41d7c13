import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyPinExpressions, ensureValidSpec } from './pins.ts';

const pins = suite('applyPinExpressions');

pins('bounds as conda-build writes them :: x, x.x, x.x.x', () => {
  assert.is(applyPinExpressions('1.2.3'), '>=1.2.3,<2.0a0');
  assert.is(applyPinExpressions('1.2.3', 'x.x.x.x.x.x', 'x.x'), '>=1.2.3,<1.3.0a0');
  assert.is(applyPinExpressions('3.13', 'x.x', 'x.x'), '>=3.13,<3.14.0a0');
  assert.is(applyPinExpressions('2.5.1', 'x.x', 'x.x.x'), '>=2.5,<2.5.2.0a0');
});

pins('short versions and missing bounds :: max_pin longer than the version, None', () => {
  assert.is(applyPinExpressions('1.3', undefined, 'x.x.x'), '>=1.3,<1.4.0a0');
  assert.is(applyPinExpressions('1.3', null, 'x'), '<2.0a0');
  assert.is(applyPinExpressions('1.3', 'x.x', null), '>=1.3');
});

pins('asked again with the same or other bounds (kept answers are per version and both bounds, None apart)', () => {
  for (let round = 0; round < 2; round++) {
    assert.is(applyPinExpressions('1.3'), '>=1.3,<2.0a0');
    assert.is(applyPinExpressions('1.3', null), '<2.0a0');
    assert.is(applyPinExpressions('1.3', 'x.x', null), '>=1.3');
    assert.is(applyPinExpressions('1.3', null, null), '');
    assert.is(applyPinExpressions('1.3', 'x', 'x.x'), '>=1,<1.4.0a0');
  }
});

pins('letters in the last place bump the number before them :: 1.1.1k', () => {
  // 1.1.1k sorts below 1.1.1 in conda's order, so the version itself is the lower bound.
  assert.is(applyPinExpressions('1.1.1k', 'x.x.x', 'x.x.x'), '>=1.1.1k,<1.1.2.0a0');
});

pins.run();

const valid = suite('ensureValidSpec');

valid('adds .* to a bare version :: and nothing else', () => {
  assert.is(ensureValidSpec('python 3.13'), 'python 3.13.*');
  assert.is(ensureValidSpec('gcc_linux-64 13'), 'gcc_linux-64 13.*');
  assert.is(ensureValidSpec('numpy 2.0.*'), 'numpy 2.0.*');
  assert.is(ensureValidSpec('numpy >=1.21'), 'numpy >=1.21');
  assert.is(ensureValidSpec('libbar 2.5 h123_0'), 'libbar 2.5 h123_0');
});

valid.run();
