// The package graph keeps graphology's calling conventions: the same operations on it and on a
// graphology DirectedGraph give the same nodes, edges, orders, neighbours and errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import graphology from 'graphology';
import type { DependencyEdge, PackageNode } from '../model/types.ts';
import { createPackageGraph, NotFoundGraphError, UsageGraphError } from './package-graph.ts';

const { DirectedGraph } = graphology as unknown as { DirectedGraph: typeof import('graphology').DirectedGraph };

const graphs = suite('package graph');

const node = (id: string) => ({ id, status: 'planned' }) as unknown as PackageNode;
const edge = (n: number): DependencyEdge => ({ blocksBuild: n % 2 === 0, reasons: [{ section: 'host', spec: `s${n}`, output: `o${n}` }] });

/** Everything observable of a graph, keys of edges left out (graphology's are random). */
function observe(g: any): unknown {
  const ids: string[] = g.nodes();
  const edges: unknown[] = [];
  g.forEachEdge((_k: string, a: DependencyEdge, s: string, t: string, sa: PackageNode, ta: PackageNode, u: boolean) => edges.push([s, t, a, sa.id, ta.id, u]));
  const per = ids.map((id) => {
    const ins: unknown[] = [];
    const outs: unknown[] = [];
    const inN: string[] = [];
    const outN: string[] = [];
    g.forEachInEdge(id, (_k: string, a: DependencyEdge, s: string, t: string) => ins.push([s, t, a]));
    g.forEachOutEdge(id, (_k: string, a: DependencyEdge, s: string, t: string) => outs.push([s, t, a]));
    g.forEachInNeighbor(id, (n: string, a: PackageNode) => inN.push(`${n}:${a.id}`));
    g.forEachOutNeighbor(id, (n: string, a: PackageNode) => outN.push(`${n}:${a.id}`));
    return [id, ins, outs, inN, outN, g.inNeighbors(id), g.outNeighbors(id), g.inDegree(id), g.outDegree(id), g.inEdges(id).map((k: string) => g.source(k)), g.filterInNeighbors(id, (n: string) => n < 'm')];
  });
  return [g.order, g.size, ids, g.mapNodes((id: string, a: PackageNode) => `${id}=${a.id}`), g.filterNodes((id: string) => id.includes('1')), edges, per];
}

function errorName(f: () => unknown): string {
  try {
    f();
    return 'none';
  } catch (err) {
    return (err as Error).name;
  }
}

graphs('the same operations as on a graphology DirectedGraph give the same graph', () => {
  const ours = createPackageGraph();
  const theirs = new DirectedGraph<PackageNode, DependencyEdge>();
  const both = (f: (g: any) => unknown) => {
    const a = f(ours);
    const b = f(theirs);
    return [a, b];
  };
  // A fixed pseudo-random sequence: nodes, edges (some twice, some to missing nodes), self loops, drops.
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % n;
  const ids = Array.from({ length: 40 }, (_, i) => `pkg-${(i * 7) % 40}`);
  for (const id of ids) both((g) => g.addNode(id, node(id)));
  for (let n = 0; n < 600; n++) {
    const s = ids[rand(ids.length)];
    const t = rand(10) === 0 ? 'missing' : ids[rand(ids.length)];
    const [a, b] = both((g) => errorName(() => g.addDirectedEdge(s, t, edge(n))));
    assert.is(a, b, `addDirectedEdge ${s} → ${t}`);
    if (n % 7 === 0) {
      const x = ids[rand(ids.length)];
      const y = ids[rand(ids.length)];
      const [ha, hb] = both((g) => [g.hasEdge(x, y), g.hasDirectedEdge(x, y), g.edge(x, y) !== undefined]);
      assert.equal(ha, hb);
      if ((ha as boolean[])[0]) {
        both((g) => g.updateEdgeAttributes(g.edge(x, y), (a: DependencyEdge) => ({ ...a, blocksBuild: !a.blocksBuild })));
        assert.equal(ours.getEdgeAttributes(ours.edge(x, y)!), theirs.getEdgeAttributes(theirs.edge(x, y)!));
        assert.equal(ours.getEdgeAttributes(x, y), theirs.getEdgeAttributes(x, y));
        if (n % 3 === 0) both((g) => g.dropEdge(g.edge(x, y)));
        else if (n % 3 === 1) both((g) => g.dropEdge(x, y));
        else for (const k of ours.inEdges(y)) assert.ok(ours.hasEdge(k) && ours.target(k) === y);
      }
    }
  }
  both((g) => g.mergeNodeAttributes('pkg-3', { status: 'excluded' }));
  assert.is(ours.getNodeAttributes('pkg-3').status, 'excluded');
  assert.equal(observe(ours), observe(theirs));
  assert.ok(ours.size > 100);

  // Errors: the same names where graphology throws.
  const cases: ((g: any) => unknown)[] = [
    (g) => g.addNode('pkg-1', node('x')),
    (g) => g.getNodeAttributes('nope'),
    (g) => g.edge('nope', 'pkg-1'),
    (g) => g.edge('pkg-1', 'nope'),
    (g) => g.getEdgeAttributes('nope'),
    (g) => g.getEdgeAttributes('pkg-1', 'nope'),
    (g) => g.dropEdge('nope'),
    (g) => g.inNeighbors('nope'),
    (g) => g.forEachInEdge('nope', () => {}),
  ];
  for (const c of cases) {
    const [a, b] = both((g) => errorName(() => c(g)));
    assert.is(a, b, String(c));
  }
  assert.ok(new NotFoundGraphError('x') instanceof Error && new UsageGraphError('x').name === 'UsageGraphError');
  assert.is(ours.hasEdge('length'), false);
  assert.is(ours.hasEdge('constructor'), false);
});

graphs('ids that look like array indexes keep the order their edges were added in (graphology put them first)', () => {
  const g = createPackageGraph();
  for (const id of ['app', 'zlib', '2048', '7']) g.addNode(id, node(id));
  g.addDirectedEdge('zlib', 'app', edge(0));
  g.addDirectedEdge('2048', 'app', edge(1));
  g.addDirectedEdge('7', 'app', edge(2));
  assert.equal(g.inNeighbors('app'), ['zlib', '2048', '7']);
  assert.equal(g.nodes(), ['app', 'zlib', '2048', '7']);
});

graphs('edges whose attributes are made on first read (addDirectedEdgeFrom) are edges given them at once', () => {
  // Two graphs with the same random edges: one given the attributes, one a source making them.
  let seed = 11;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) >>> 16) % n;
  const ids = Array.from({ length: 30 }, (_, i) => `n${i}`);
  const eager = createPackageGraph();
  const lazy = createPackageGraph();
  let made = 0;
  const source = {
    attributesAt: (at: number) => (made++, edge(at)),
    blocksBuildAt: (at: number) => edge(at).blocksBuild,
  };
  for (const id of ids) eager.addNode(id, node(id)), lazy.addNode(id, node(id));
  for (let n = 0; n < 300; n++) {
    const s = ids[rand(ids.length)];
    const t = ids[rand(ids.length)];
    const a = errorName(() => eager.addDirectedEdge(s, t, edge(n)));
    assert.is(errorName(() => lazy.addDirectedEdgeFrom(s, t, source, n)), a);
  }
  // Blocking in-neighbours are read without making attributes, and are those forEachInEdge shows.
  const blocking = (g: typeof eager, id: string) => {
    const out: string[] = [];
    g.forEachBlockingInNeighbor(id, (n, a) => out.push(`${n}:${a.id}`));
    return out;
  };
  const fromEdges = (g: typeof eager, id: string) => {
    const out: string[] = [];
    g.forEachInEdge(id, (_k, a, s, _t, sa) => a.blocksBuild && out.push(`${s}:${sa.id}`));
    return out;
  };
  for (const id of ids) assert.equal(blocking(lazy, id), blocking(eager, id));
  assert.is(made, 0, 'no attributes made for the blocking in-neighbours');
  for (const id of ids) assert.equal(blocking(eager, id), fromEdges(eager, id));
  assert.equal(observe(lazy), observe(eager));
  assert.is(made, lazy.size, 'each made once');
  // Made once, then the same object: a change in place is seen, by blocksBuild readers too.
  const [s, t] = [lazy.source(lazy.edges()[0]), lazy.target(lazy.edges()[0])];
  const attrs = lazy.getEdgeAttributes(s, t);
  assert.is(lazy.getEdgeAttributes(s, t), attrs);
  attrs.blocksBuild = !attrs.blocksBuild;
  eager.getEdgeAttributes(s, t).blocksBuild = attrs.blocksBuild;
  assert.equal(blocking(lazy, t), blocking(eager, t));
  lazy.updateEdgeAttributes(lazy.edge(s, t)!, (a) => ({ ...a, blocksBuild: !a.blocksBuild }));
  eager.updateEdgeAttributes(eager.edge(s, t)!, (a) => ({ ...a, blocksBuild: !a.blocksBuild }));
  assert.equal(blocking(lazy, t), blocking(eager, t));
  assert.equal(observe(lazy), observe(eager));
  assert.is(made, lazy.size);
});

graphs.run();
