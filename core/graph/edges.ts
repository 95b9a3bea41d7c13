// Dependency edges (dependency → dependent), each labelled with the requirements behind it.
//
// What blocks a build: the outputs named in build/host, plus everything their run requirements pull
// in transitively (they must install into the build/host environments); those reasons carry `via`,
// the chain of outputs that pulled them in. A node's own run and test requirements only block its
// test (`blocksBuild` false unless another reason blocks). Specs only make edges when an aggregate
// output satisfies them (see output-index.ts); a node's requirement on its own outputs is no edge.
// The run closure of an output is computed once and shared by every dependent (no O(n²) walks).
import type { DependencyEdge, EdgeReason, PackageNode, Section } from '../model/types.ts';
import { type MatchSpec, parseMatchSpec } from '../conda/match-spec.ts';
import type { PackageGraph } from './package-graph.ts';
import type { OutputIndex } from './output-index.ts';

interface Resolved {
  node: string;
  output: string;
}

interface ClosureItem extends Resolved {
  spec: string;
  via: string[];
  /** The reason objects, made once per section and shared by every dependent (they are never mutated). */
  reasons: Partial<Record<Section, EdgeReason>>;
  /** The last dependenciesOf call that used this item (one via reason per item and dependent). */
  mark: number;
}

/** Where the builder reads nodes from (a Map, or the graph itself). */
export interface NodeLookup {
  get(id: string): PackageNode | undefined;
}

/** The graph as a NodeLookup (nodes added later, e.g. bootstrap builds, are seen too). */
export function graphLookup(graph: PackageGraph): NodeLookup {
  return { get: (id) => (graph.hasNode(id) ? graph.getNodeAttributes(id) : undefined) };
}

/** Redirects resolutions: a spec that resolves to key resolves to value (a bootstrap build). */
export type ResolutionOverride = ReadonlyMap<string, string>;

export class EdgeBuilder {
  private readonly specs = new Map<string, MatchSpec | null>();
  private readonly resolutions = new Map<string, Resolved[]>();
  /** (node, output) pairs as small integers: closures, run specs and walks index arrays by them. */
  private readonly pairIds = new Map<string, Map<string, number>>();
  private readonly closures: (ClosureItem[] | undefined)[] = [];
  private readonly runSpecs: (string[] | undefined)[] = [];
  private readonly seen: number[] = [];
  private walks = 0;
  private calls = 0;

  constructor(
    private readonly nodes: NodeLookup,
    private readonly index: OutputIndex,
    private readonly warn: (node: PackageNode, message: string) => void = () => {},
  ) {}

  private parse(spec: string, node: PackageNode): MatchSpec | null {
    let ms = this.specs.get(spec);
    if (ms === undefined) {
      try {
        ms = parseMatchSpec(spec);
      } catch (err) {
        ms = null;
        this.warn(node, `${(err as Error).message} (ignored)`);
      }
      this.specs.set(spec, ms);
    }
    return ms;
  }

  private resolve(spec: string, node: PackageNode, override?: ResolutionOverride): Resolved[] {
    let list = this.resolutions.get(spec);
    if (!list) {
      const ms = this.parse(spec, node);
      const r = ms ? this.index.resolve(ms) : null;
      list = !r ? [] : r.kind === 'node' ? [{ node: r.node, output: r.output }] : r.candidates.map((c) => ({ node: c, output: r.output }));
      this.resolutions.set(spec, list);
    }
    if (!override?.size) return list;
    return list.map((r) => (override.has(r.node) ? { node: override.get(r.node)!, output: r.output } : r));
  }

  private pairId(node: string, output: string): number {
    let outputs = this.pairIds.get(node);
    if (!outputs) this.pairIds.set(node, (outputs = new Map()));
    let id = outputs.get(output);
    if (id === undefined) {
      outputs.set(output, (id = this.seen.length));
      this.seen.push(-1);
    }
    return id;
  }

  /** Run requirements of one output of a node, over its non-skipped variants. */
  private outputRunSpecs(nodeId: string, output: string, pair: number): string[] {
    let specs = this.runSpecs[pair];
    if (!specs) {
      const set = new Set<string>();
      for (const v of this.nodes.get(nodeId)?.variants ?? []) {
        if (v.skip) continue;
        for (const o of v.outputs) if (o.name.toLowerCase() === output) for (const s of o.requirements.run) set.add(s);
      }
      specs = [...set];
      this.runSpecs[pair] = specs;
    }
    return specs;
  }

  /** Everything the run requirements of (node, output) pull in, breadth first, with the chain of outputs. */
  private closure(start: Resolved, override?: ResolutionOverride): ClosureItem[] {
    const startId = this.pairId(start.node, start.output);
    const memo = !override?.size;
    if (memo) {
      const hit = this.closures[startId];
      if (hit) return hit;
    }
    const items: ClosureItem[] = [];
    const walk = this.walks++;
    this.seen[startId] = walk;
    const queue: { at: Resolved; pair: number; via: string[] }[] = [{ at: start, pair: startId, via: [start.output] }];
    for (let i = 0; i < queue.length; i++) {
      const { at, pair, via } = queue[i];
      const owner = this.nodes.get(at.node);
      if (!owner) continue;
      for (const spec of this.outputRunSpecs(at.node, at.output, pair)) {
        for (const r of this.resolve(spec, owner, override)) {
          const k = this.pairId(r.node, r.output);
          if (this.seen[k] === walk) continue;
          this.seen[k] = walk;
          items.push({ node: r.node, output: r.output, spec, via, reasons: {}, mark: -1 });
          queue.push({ at: r, pair: k, via: [...via, r.output] });
        }
      }
    }
    if (memo) this.closures[startId] = items;
    return items;
  }

  /**
   * The edges into `node`: dependency id → edge. `override` redirects dependencies (bootstrap
   * builds). `only` keeps the direct edges from the dependencies it accepts and drops the run
   * closures (for nodes that are not rebuilt: see buildEdges).
   */
  dependenciesOf(node: PackageNode, override?: ResolutionOverride, only?: (dependency: string) => boolean): Map<string, DependencyEdge> {
    const deps = new Map<string, DependencyEdge>();
    const seenDirect = new Set<string>();
    // One via reason per pulled-in output and dependent (the first chain found), whatever the edge.
    const call = this.calls++;
    const add = (from: string, reason: EdgeReason, blocks: boolean) => {
      let edge = deps.get(from);
      if (!edge) deps.set(from, (edge = { blocksBuild: false, reasons: [] }));
      edge.reasons.push(reason);
      if (blocks) edge.blocksBuild = true;
    };
    const direct = (section: Section, spec: string, blocks: boolean) => {
      for (const r of this.resolve(spec, node, override)) {
        if (only && !only(r.node)) continue;
        const key = `${section}|${spec}|${r.node}|${r.output}`;
        if (r.node !== node.id && !seenDirect.has(key)) {
          seenDirect.add(key);
          add(r.node, { section, spec, output: r.output }, blocks);
        }
        if (!blocks || only) continue;
        // The dependency's run requirements install into this build's environment too.
        for (const item of this.closure(r, override)) {
          if (item.node === node.id || item.mark === call) continue;
          item.mark = call;
          const reason = (item.reasons[section] ??= { section, spec: item.spec, output: item.output, via: item.via });
          add(item.node, reason, true);
        }
      }
    };
    for (const v of node.variants) {
      if (v.skip) continue;
      // The top-level build environment of a recipe with outputs: every output waits for it.
      for (const spec of v.requirements?.build ?? []) direct('build', spec, true);
      for (const spec of v.requirements?.host ?? []) direct('host', spec, true);
      for (const o of v.outputs) {
        for (const spec of o.requirements.build) direct('build', spec, true);
        for (const spec of o.requirements.host) direct('host', spec, true);
        for (const spec of o.requirements.run) direct('run', spec, false);
        for (const spec of o.test.requires) direct('test', spec, false);
      }
    }
    return deps;
  }
}

/** Add (or merge into) the edge from → to. */
export function addDependencyEdge(graph: PackageGraph, from: string, to: string, edge: DependencyEdge): void {
  const existing = graph.edge(from, to);
  if (existing === undefined) {
    graph.addDirectedEdge(from, to, edge);
    return;
  }
  graph.updateEdgeAttributes(existing, (attrs) => ({
    blocksBuild: attrs.blocksBuild || edge.blocksBuild,
    reasons: [...attrs.reasons, ...edge.reasons],
  }));
}

/**
 * Compute and add the edges into every node of the graph (sorted, so edge order is deterministic).
 * A node already excluded here (no python dependency, skipped, superseded) is never rebuilt, and
 * neither is another excluded node it needs: such edges cannot order, block or explain anything in
 * the rebuild, so an excluded node only gets its direct edges from nodes that may be rebuilt
 * (about three edges in four of a real ecosystem are between two such nodes). Every edge into a node
 * that may be rebuilt is drawn, through excluded nodes too (`via`).
 */
export function buildEdges(graph: PackageGraph, builder: EdgeBuilder): void {
  const mayBeRebuilt = (id: string) => graph.getNodeAttributes(id).status !== 'excluded';
  for (const id of [...graph.nodes()].sort()) {
    const node = graph.getNodeAttributes(id);
    const deps = builder.dependenciesOf(node, undefined, node.status === 'excluded' ? mayBeRebuilt : undefined);
    // Each dependent is visited once, so these edges are new: no lookup needed.
    for (const from of [...deps.keys()].sort()) graph.addDirectedEdge(from, id, deps.get(from)!);
  }
}
