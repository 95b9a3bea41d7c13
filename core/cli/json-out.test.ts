import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonArrayWriter, writeJson } from './json-out.ts';

const json = suite('writeJson');

const collect = (value: unknown, depth?: number) => {
  const writes: string[] = [];
  writeJson(value, (t) => writes.push(t), depth);
  return writes;
};

json('the same bytes as JSON.stringify(value, null, 2) + newline, whatever the depth walked', () => {
  const values: unknown[] = [
    [],
    {},
    null,
    'a "quoted"\nline ✓',
    42,
    [{ target: { subdir: 'linux-64', python: '3.13' }, nodes: [{ id: 'a', dependsOn: [], via: undefined, kind: null }, { id: 'b\u2028', n: NaN, f: () => 1 }], empty: {}, list: [[], [1, [2, { x: undefined }]], undefined] }],
    { when: new Date(0), nested: { deeper: { deepest: [1, 2, { k: 'v' }] } }, s: Symbol('x') },
  ];
  for (const v of values) {
    for (const depth of [0, 1, 2, 3, 6]) assert.is(collect(v, depth).join(''), `${JSON.stringify(v, null, 2)}\n`, `depth ${depth}: ${JSON.stringify(v)}`);
  }
});

json('an array written element by element :: the same bytes as writeJson of the whole', () => {
  const arrays: unknown[][] = [
    [],
    [{ feedstock: 'a', variants: [{ outputs: [{ name: 'a', deps: ['x >=1', 'y'] }], skip: false }], warnings: [] }],
    [{ a: 1 }, 'two', null, undefined, [3, [4, { five: 5 }]], {}, [], () => 6],
  ];
  for (const a of arrays) {
    for (const depth of [1, 2, 3, 5]) {
      const writes: string[] = [];
      const out = jsonArrayWriter((t) => writes.push(t), depth);
      for (const v of a) out.push(v);
      out.end();
      assert.is(writes.join(''), collect(a, depth).join(''), `depth ${depth}: ${JSON.stringify(a)}`);
    }
  }
});

json('a value larger than a string may be is written in chunks, none much over a megabyte', () => {
  // 40 nodes of ~100 KB each: JSON.stringify of the whole would be one 4 MB string.
  const node = (i: number) => ({ id: `n${i}`, dependsOn: Array.from({ length: 1000 }, (_, k) => ({ id: `d${k}`, section: 'host', spec: `d${k} >=1.0`, via: ['x', 'y'] })) });
  const plans = [{ target: { subdir: 'linux-64' }, nodes: Array.from({ length: 40 }, (_, i) => node(i)) }];
  const writes = collect(plans);
  assert.ok(writes.length > 2, `${writes.length} writes`);
  const largestNode = Math.max(...plans[0].nodes.map((n) => JSON.stringify(n, null, 2).length));
  assert.ok(Math.max(...writes.map((w) => w.length)) < (1 << 20) + largestNode * 1.2, 'no write holds much more than a chunk and a node');
  assert.is(writes.join(''), `${JSON.stringify(plans, null, 2)}\n`);
});

json.run();
