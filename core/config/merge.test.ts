import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeLayer, mergeValue, mergeByName } from './merge.ts';
import { MERGE_TABLE, describeStrategy } from './merge-table.ts';
import { configSchema, PROFILE_META_KEYS } from './schema.ts';

const merge = suite('mergeLayer');

merge('replace :: a profile arches list replaces the base list', () => {
  const out = mergeLayer({ arches: ['linux-64', 'win-64'] }, { arches: ['osx-arm64'] });
  assert.equal(out.arches, ['osx-arm64']);
});

merge('union :: blocklist entries are appended, equal entries not repeated', () => {
  const a = { name: 'tensorflow', reason: 'too-heavy' };
  const b = { name: 'pytorch', reason: 'not-ready' };
  const out = mergeLayer({ blocklist: [a] }, { blocklist: [{ ...a }, b] });
  assert.equal(out.blocklist, [a, b]);
});

merge('assign :: per key; keys the profile does not set are kept', () => {
  const out = mergeLayer({ timeouts: { buildSeconds: 10, hookMs: 5 } }, { timeouts: { buildSeconds: 99 } });
  assert.equal(out.timeouts, { buildSeconds: 99, hookMs: 5 });
});

merge('assign :: nested keys merge by their own strategy (limits.arch assigns, bootstrap.chain replaces)', () => {
  const out = mergeLayer(
    { limits: { arch: { 'win-64': 1 } }, bootstrap: { python: true, chain: ['certifi', 'pip'], variants: { flit: { bootstrap: true } } } },
    { limits: { arch: { 'osx-64': 2 } }, bootstrap: { chain: ['pip'], variants: { python: { bootstrap: 'yes' } } } },
  );
  assert.equal(out.limits, { arch: { 'win-64': 1, 'osx-64': 2 } });
  assert.equal(out.bootstrap, { python: true, chain: ['pip'], variants: { flit: { bootstrap: true }, python: { bootstrap: 'yes' } } });
});

merge('by-name :: same name replaces in place, new names are appended', () => {
  const p = (name: string, v: number) => ({ name, v, apply() {} });
  const out = mergeLayer({ plugins: [p('a', 1), p('b', 1)] }, { plugins: [p('c', 2), p('a', 2)] }).plugins as { name: string; v: number }[];
  assert.equal(out.map((x) => `${x.name}${x.v}`), ['a2', 'b1', 'c2']);
});

merge('never by value type :: an array under an assign key is replaced, not unioned', () => {
  const out = mergeLayer({ selection: { only: ['a'], noarch: false } }, { selection: { only: ['b'] } });
  assert.equal(out.selection, { only: ['b'], noarch: false });
});

merge('does not mutate its inputs; an undefined value is not a change', () => {
  const base = { timeouts: { buildSeconds: 1 }, arches: ['linux-64'] };
  const out = mergeLayer(base, { timeouts: { hookMs: 2 }, arches: undefined });
  assert.equal(base, { timeouts: { buildSeconds: 1 }, arches: ['linux-64'] });
  assert.equal(out, { timeouts: { buildSeconds: 1, hookMs: 2 }, arches: ['linux-64'] });
});

merge('a key with no strategy is an internal error naming the key', () => {
  assert.throws(() => mergeLayer({}, { nope: 1 }), /no merge strategy for config key 'nope'/);
});

const values = suite('mergeValue');

values('anything over undefined is the later value; undefined over anything keeps the earlier', () => {
  assert.equal(mergeValue({ kind: 'union' }, undefined, [1]), [1]);
  assert.equal(mergeValue({ kind: 'assign' }, { a: 1 }, undefined), { a: 1 });
});

values('mergeByName keeps the order of the earlier list', () => {
  assert.equal(mergeByName([{ name: 'x' }, { name: 'y' }], [{ name: 'y' }, { name: 'x' }]).map((p) => p.name), ['x', 'y']);
});

const table = suite('MERGE_TABLE');

table('covers exactly the keys a profile may set (the schema is the source of truth)', () => {
  const profileKeys = Object.keys(configSchema.definitions!.profile.properties!).filter((k) => !(PROFILE_META_KEYS as readonly string[]).includes(k));
  assert.equal(Object.keys(MERGE_TABLE).sort(), profileKeys.sort());
});

table('every top-level schema key is mergeable or read from the file only', () => {
  const fileOnly = ['$schema', 'profiles', 'defaultProfile'];
  for (const key of Object.keys(configSchema.properties!))
    assert.ok(key in MERGE_TABLE || fileOnly.includes(key), `no strategy for ${key}`);
});

table('nested strategies name real sub-keys of the schema', () => {
  for (const [key, s] of Object.entries(MERGE_TABLE)) {
    if (s.kind !== 'assign' || !s.keys) continue;
    const props = Object.keys(configSchema.properties![key].properties ?? {});
    for (const sub of Object.keys(s.keys)) assert.ok(props.includes(sub), `${key}.${sub} is not in the schema`);
  }
});

table('describeStrategy shows nested strategies', () => {
  assert.is(describeStrategy(MERGE_TABLE.limits), 'assign (arch: assign, builder: assign)');
  assert.is(describeStrategy(MERGE_TABLE.plugins), 'by-name');
});

merge.run();
values.run();
table.run();
