import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stronglyConnectedComponents } from './scc.ts';

const scc = suite('stronglyConnectedComponents');
const adjacency = (edges: Record<string, string[]>) => (id: string) => edges[id] ?? [];
const norm = (cs: string[][]) => cs.map((c) => [...c].sort()).sort((a, b) => a[0].localeCompare(b[0]));

scc('finds a cycle and leaves the others single :: a→b→c→a, c→d', () => {
  const out = stronglyConnectedComponents(['a', 'b', 'c', 'd'], adjacency({ a: ['b'], b: ['c'], c: ['a', 'd'] }));
  assert.equal(norm(out), [['a', 'b', 'c'], ['d']]);
});

scc('two components joined one way stay two :: {a,b} → {c,d}', () => {
  const out = stronglyConnectedComponents(['a', 'b', 'c', 'd'], adjacency({ a: ['b'], b: ['a', 'c'], c: ['d'], d: ['c'] }));
  assert.equal(norm(out), [['a', 'b'], ['c', 'd']]);
  // Reverse topological order: the downstream component comes first.
  assert.equal([...out[0]].sort(), ['c', 'd']);
});

scc('a self edge is a component of one; a DAG gives singletons', () => {
  assert.equal(norm(stronglyConnectedComponents(['a', 'b'], adjacency({ a: ['a', 'b'] }))), [['a'], ['b']]);
});

scc('deep chains do not overflow the stack :: 50,000 nodes in one cycle', () => {
  const n = 50_000;
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const out = stronglyConnectedComponents(ids, (id) => [`n${(Number(id.slice(1)) + 1) % n}`]);
  assert.is(out.length, 1);
  assert.is(out[0].length, n);
});

scc.run();
