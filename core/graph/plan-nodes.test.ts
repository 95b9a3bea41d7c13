import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PackageNode } from '../model/types.ts';
import { createPackageGraph } from './package-graph.ts';
import { toPlanNodes } from './plan-nodes.ts';

const planNodes = suite('toPlanNodes');
const node = (id: string) => ({ id, feedstock: id, outputs: [id], status: 'planned', reason: null, bootstrap: false, pythonDependency: 'host: python' }) as unknown as PackageNode;
const deps = (list: { id: string; section: string; spec: string }[]) => list.map((d) => `${d.id} ${d.section} ${d.spec}`);

planNodes('dependsOn is sorted by id, section, spec whatever order the edges were added in :: rewired edges come last', () => {
  const g = createPackageGraph();
  for (const id of ['app', 'a', 'b', 'python', 'python@bootstrap']) g.addNode(id, node(id));
  // As buildEdges adds them (sources in id order), then a later edge from a smaller id (a rewire).
  g.addDirectedEdge('b', 'app', { blocksBuild: true, reasons: [{ section: 'run', spec: 'b', output: 'b' }, { section: 'host', spec: 'b >=1', output: 'b' }] });
  g.addDirectedEdge('python', 'app', { blocksBuild: true, reasons: [{ section: 'host', spec: 'python', output: 'python' }] });
  g.addDirectedEdge('a', 'app', { blocksBuild: true, reasons: [{ section: 'build', spec: 'a', output: 'a' }] });
  const app = toPlanNodes(g).find((n) => n.id === 'app')!;
  assert.equal(deps(app.dependsOn), ['a build a', 'b host b >=1', 'b run b', 'python host python']);
});

planNodes('reasons already in order keep their order; ties (same id, section, spec) keep the edge order :: stable', () => {
  const g = createPackageGraph();
  for (const id of ['app', 'a', 'b']) g.addNode(id, node(id));
  g.addDirectedEdge('a', 'app', { blocksBuild: true, reasons: [{ section: 'host', spec: 'a', output: 'a' }, { section: 'host', spec: 'a', output: 'a', via: ['x'] }] });
  g.addDirectedEdge('b', 'app', { blocksBuild: false, reasons: [{ section: 'run', spec: 'b', output: 'b' }] });
  const app = toPlanNodes(g).find((n) => n.id === 'app')!;
  assert.equal(app.dependsOn, [
    { id: 'a', section: 'host', spec: 'a', output: 'a', blocksBuild: true },
    { id: 'a', section: 'host', spec: 'a', output: 'a', via: ['x'], blocksBuild: true },
    { id: 'b', section: 'run', spec: 'b', output: 'b', blocksBuild: false },
  ]);
  // A tie out of place among the others still sorts stably.
  const h = createPackageGraph();
  for (const id of ['app', 'a', 'b']) h.addNode(id, node(id));
  h.addDirectedEdge('b', 'app', { blocksBuild: false, reasons: [{ section: 'run', spec: 'b', output: 'b' }] });
  h.addDirectedEdge('a', 'app', { blocksBuild: true, reasons: [{ section: 'host', spec: 'a', output: 'a', via: ['y'] }, { section: 'host', spec: 'a', output: 'a' }] });
  assert.equal(
    toPlanNodes(h).find((n) => n.id === 'app')!.dependsOn.map((d) => d.via ?? null),
    [['y'], null, null],
  );
});

planNodes('a dropped and re-added edge is listed where it sorts :: nodes in id order', () => {
  const g = createPackageGraph();
  for (const id of ['z', 'app', 'c', 'b']) g.addNode(id, node(id));
  g.addDirectedEdge('b', 'app', { blocksBuild: true, reasons: [{ section: 'host', spec: 'b', output: 'b' }] });
  g.addDirectedEdge('c', 'app', { blocksBuild: true, reasons: [{ section: 'host', spec: 'c', output: 'c' }] });
  g.dropEdge('b', 'app');
  g.addDirectedEdge('b', 'app', { blocksBuild: true, reasons: [{ section: 'build', spec: 'b', output: 'b' }] });
  const out = toPlanNodes(g);
  assert.equal(out.map((n) => n.id), ['app', 'b', 'c', 'z']);
  assert.equal(deps(out[0].dependsOn), ['b build b', 'c host c']);
  assert.equal(out[1].dependsOn, []);
});

planNodes('dependsOn is made when first read, and stays what the edges were when the plan was made :: later add, drop, replace', () => {
  const g = createPackageGraph();
  for (const id of ['app', 'a', 'b', 'c']) g.addNode(id, node(id));
  let reads = 0;
  const counted = (section: 'host' | 'run', spec: string) => ({
    blocksBuild: section === 'host',
    get reasons() {
      reads++;
      return [{ section, spec, output: spec }];
    },
  });
  g.addDirectedEdge('a', 'app', counted('host', 'a'));
  g.addDirectedEdge('b', 'app', counted('run', 'b'));
  g.addDirectedEdge('a', 'c', counted('host', 'a'));
  const nodes = toPlanNodes(g);
  assert.is(reads, 0, 'no edge reasons read before a dependsOn is');
  const [, app, , c] = nodes; // a, app, b, c
  assert.equal(deps(c.dependsOn), ['a host a']);
  assert.is(reads, 1);
  // Edges change after the plan: the lists not read yet are made first, from the edges as they were.
  g.dropEdge('a', 'app');
  g.addDirectedEdge('c', 'app', { blocksBuild: true, reasons: [{ section: 'build', spec: 'c', output: 'c' }] });
  g.updateEdgeAttributes(g.edge('a', 'c')!, () => ({ blocksBuild: false, reasons: [] }));
  assert.equal(deps(app.dependsOn), ['a host a', 'b run b']);
  assert.equal(deps(c.dependsOn), ['a host a']);
  assert.equal(deps(toPlanNodes(g)[1].dependsOn), ['b run b', 'c build c'], 'a new plan sees the new edges');
});

planNodes('a plan node is a plain value to JSON and spreads :: keys in order, extraVersion before pythonDependency', () => {
  const g = createPackageGraph();
  g.addNode('a', node('a'));
  g.addNode('numpy@1.26', { ...node('numpy@1.26'), extraVersion: '1.26' } as PackageNode);
  g.addDirectedEdge('a', 'numpy@1.26', { blocksBuild: false, reasons: [{ section: 'run', spec: 'a', output: 'a' }] });
  const [a, numpy] = toPlanNodes(g);
  assert.is(JSON.stringify(a), '{"id":"a","feedstock":"a","outputs":["a"],"status":"planned","reason":null,"kind":null,"bootstrap":false,"pythonDependency":"host: python","dependsOn":[]}');
  assert.equal(Object.keys(numpy), ['id', 'feedstock', 'outputs', 'status', 'reason', 'kind', 'bootstrap', 'extraVersion', 'pythonDependency', 'dependsOn']);
  assert.equal({ ...numpy }.dependsOn, [{ id: 'a', section: 'run', spec: 'a', output: 'a', blocksBuild: false }]);
  numpy.dependsOn = [];
  assert.equal(numpy.dependsOn, []);
});

planNodes.run();
