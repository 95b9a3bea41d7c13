import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainstSchema } from './validate-schema.ts';

const whole = { python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: 'agg' };
const messages = (value: unknown, target: 'resolved' | 'base' | 'profile' = 'resolved') =>
  validateAgainstSchema(value, target).map((i) => `${i.path}: ${i.message}`);

const v = suite('validateAgainstSchema');

v('a whole config passes', () => {
  assert.equal(messages(whole), []);
});

v('enum :: did-you-mean, or the allowed values when nothing is close', () => {
  assert.equal(messages({ ...whole, blocklist: [{ name: 'x', reason: 'too-heavyy' }] }), ["/blocklist/0/reason: 'too-heavyy' is not a known block reason; did you mean 'too-heavy'?"]);
  assert.equal(messages({ ...whole, retry: { transient: ['quantum'] } }), ["/retry/transient/0: 'quantum' is not a known value; expected one of: container-start, timeout, network"]);
});

v('anyOf :: one message saying what is accepted, when the value fits no branch', () => {
  assert.equal(messages({ ...whole, aggregate: 3 }), ['/aggregate: must be a non-empty string or a non-empty array of strings, got 3']);
  assert.equal(messages({ ...whole, python: { from: '3.12', to: 3.1 } }), [
    '/python/to: must be a string or a non-empty array of strings, got 3.1 (quote versions in YAML: 3.10 unquoted is the number 3.1)',
  ]);
});

v('anyOf :: the errors of the one branch the value\'s type fits, at the item at fault', () => {
  assert.equal(messages({ ...whole, aggregate: [] }), ['/aggregate: must not be empty']);
  assert.equal(messages({ ...whole, aggregate: ['a', ''] }), ['/aggregate/1: must not be empty']);
});

v('python.to :: a version or a non-empty list of distinct versions', () => {
  const to = (value: unknown) => messages({ ...whole, python: { from: '3.12', to: value } });
  assert.equal(to(['3.13', '3.14']), []);
  assert.equal(to([]), ['/python/to: must not be empty']);
  assert.equal(to(['3.13', '3.x']), ["/python/to/1: '3.x' is not a python major.minor version such as '3.13'"]);
  assert.equal(to(['3.13', '3.13']), ["/python/to: duplicate item '3.13' (at 0 and 1)"]);
  assert.equal(to(['3.13', 3.1]), ['/python/to/1: must be a string, got 3.1 (quote versions in YAML: 3.10 unquoted is the number 3.1)']);
  assert.equal(to('3'), ["/python/to: '3' is not a python major.minor version such as '3.13'"]);
  assert.equal(messages({ python: { to: ['3.13', 'next'] } }, 'profile'), ["/python/to/1: 'next' is not a python major.minor version such as '3.13'"]);
});

v('numbers, duplicates, emptiness', () => {
  assert.equal(messages({ ...whole, concurrency: 0, arches: ['win-64', 'win-64'] }), [
    "/arches: duplicate item 'win-64' (at 0 and 1)",
    '/concurrency: must be >= 1, got 0',
  ]);
  assert.equal(messages({ ...whole, arches: [] }), ['/arches: must not be empty']);
});

v('unknown nested key :: did-you-mean among that object\'s keys', () => {
  assert.equal(messages({ ...whole, timeouts: { buildSecond: 5 } }), ["/timeouts/buildSecond: unknown key; did you mean 'buildSeconds'?"]);
});

v('a layer may leave keys of per-key objects to another layer, not those of list items', () => {
  assert.equal(messages({ python: { to: '3.14' } }, 'profile'), []);
  assert.equal(messages({ blocklist: [{ name: 'x' }] }, 'profile'), ["/blocklist/0: missing required key 'reason'"]);
  assert.equal(messages({ arches: ['linux-64'] }, 'base'), []);
  assert.equal(messages({ python: { to: '3.14' } }, 'resolved'), [
    ": missing required key 'arches'",
    ": missing required key 'aggregate'",
    "/python: missing required key 'from'",
  ]);
});

v('base :: profile contents are left to the per-profile check', () => {
  assert.equal(messages({ ...whole, profiles: { p: { arches: ['nope'] } } }, 'base'), []);
  assert.equal(messages({ ...whole, profiles: { p: 3 } }, 'base'), ['/profiles/p: must be an object, got 3']);
});

v.run();
