import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPackageGraph } from '../graph/package-graph.ts';
import type { Plan } from '../graph/plan.ts';
import type { DependencyEdge, PackageNode, PlanStatus, Section } from '../model/types.ts';
import type { TargetState } from './target-state.ts';
import { progressView } from './progress.ts';
import { mostNeeded } from './most-needed.ts';
import { lastBlockers } from './last-blockers.ts';
import { LINUX } from './fixtures/ecosystem.ts';

// Hand-made graphs: `edges` are "dep>dependent" (host, blocking) or "dep>dependent:run" (not blocking).
function plan(nodes: Record<string, PlanStatus>, edges: string[]): Plan {
  const graph = createPackageGraph();
  for (const [id, status] of Object.entries(nodes)) {
    const n: PackageNode = { id, feedstock: id, target: LINUX, outputs: [id], status, reason: null, recipe: null, variants: [], bootstrap: false, pythonDependency: 'host: python', recipeHash: null };
    graph.addNode(id, n);
  }
  for (const e of edges) {
    const [pair, section = 'host'] = e.split(':');
    const [from, to] = pair.split('>');
    const edge: DependencyEdge = { blocksBuild: section === 'host' || section === 'build', reasons: [{ section: section as Section, spec: from, output: from }] };
    graph.addDirectedEdge(from, to, edge);
  }
  return { target: LINUX, graph } as Plan;
}

const states = (s: Record<string, 'built' | 'failed'>): TargetState =>
  new Map(Object.entries(s).map(([id, status]) => [id, { status, reason: null, failure: status === 'failed' ? ('build' as const) : null }]));

const progress = suite('progressView');

progress('present and excluded dependencies never wait; run edges do not block; built planned deps do not', () => {
  const p = plan(
    { chan: 'present', nopy: 'excluded', a: 'planned', b: 'planned', c: 'planned', d: 'planned' },
    ['chan>a', 'nopy>a', 'a>b', 'c>a:run', 'd>c'],
  );
  const v = progressView(p, states({ d: 'built' }));
  assert.equal(Object.fromEntries(v.progress), { a: 'ready', b: 'waiting', c: 'ready', d: 'built' });
  assert.equal(v.pendingDeps.get('b'), ['a']);
  assert.equal(v.pendingDeps.get('a'), []);
  assert.not.ok(v.pendingDeps.has('d'));
});

progress('a failed node is failed whatever its dependencies; its dependents are blocked, transitively (as run records them)', () => {
  const v = progressView(plan({ a: 'planned', f: 'planned', g: 'planned', h: 'planned', w: 'planned' }, ['a>f', 'f>g', 'g>h', 'a>w']), states({ f: 'failed' }));
  assert.equal(Object.fromEntries(v.progress), { a: 'ready', f: 'failed', g: 'blocked', h: 'blocked', w: 'waiting' });
});

const needed = suite('mostNeeded / lastBlockers');

needed('transitive waiting dependents through unbuilt nodes only, most first; a diamond counts once', () => {
  // r → x → {y, z} → w ; q (built) → k : k is ready; nothing counts r through a built node.
  const p = plan({ r: 'planned', x: 'planned', y: 'planned', z: 'planned', w: 'planned', q: 'planned', k: 'planned' }, ['r>x', 'x>y', 'x>z', 'y>w', 'z>w', 'q>k']);
  const v = progressView(p, states({ q: 'built' }));
  assert.equal(mostNeeded(v), [
    { id: 'r', waiting: 4 },
    { id: 'x', waiting: 3 },
    { id: 'y', waiting: 1 },
    { id: 'z', waiting: 1 },
  ]);
  // w waits on y and z: neither is its last blocker; y and z wait on x alone.
  assert.equal(lastBlockers(v), [{ id: 'x', unblocks: ['y', 'z'] }, { id: 'r', unblocks: ['x'] }]);
});

needed('a cycle among unbuilt nodes terminates and counts each waiting node once', () => {
  const p = plan({ a: 'planned', b: 'planned', c: 'planned' }, ['a>b', 'b>c', 'c>b']);
  const v = progressView(p, states({}));
  assert.equal(mostNeeded(v), [
    { id: 'a', waiting: 2 },
    { id: 'b', waiting: 1 },
    { id: 'c', waiting: 1 },
  ]);
});

needed('nothing waits: both lists are empty', () => {
  const v = progressView(plan({ a: 'planned', b: 'planned' }, ['a>b']), states({ a: 'built', b: 'built' }));
  assert.equal(mostNeeded(v), []);
  assert.equal(lastBlockers(v), []);
});

progress.run();
needed.run();
