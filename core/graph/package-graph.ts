// The package graph of one target: nodes are PackageNodes, edges go dependency → dependent.
//
// A directed simple graph with graphology's calling conventions (the methods below keep the names,
// arguments, callback arguments, return values and errors of graphology's DirectedGraph, which this
// class replaced): a plan of 25,000 feedstocks adds ~137,000 edges, and graphology's insertion (an
// edge key looked up in a Map, a record attached to two adjacency objects per edge) was the largest
// part of a cached re-plan's graph phase. Here the edges are an array in insertion order, each
// node's in- and out-edges two Maps keyed by the other end, and an edge's key its index as text.
// Orders are graphology's: nodes and edges in insertion order, a node's in/out edges and neighbours
// in the order the edges were added (graphology kept them in plain objects, which put ids that look
// like array indexes, e.g. "2048", first; here insertion order holds for every id).
import type { DependencyEdge, PackageNode } from '../model/types.ts';

/**
 * Makes the attributes of edges added with `addDirectedEdgeFrom` when first read (edges-memo.ts: a
 * replayed edge's attributes come from the stored numbers; most are never read by a plan).
 */
export interface EdgeAttributesSource {
  attributesAt(at: number): DependencyEdge;
  /** `attributesAt(at).blocksBuild`, without making them. */
  blocksBuildAt(at: number): boolean;
}

class Edge {
  /** The attributes, once given or made (undefined: made from `from` at `at` when first read). */
  private attrs: DependencyEdge | undefined;
  constructor(
    /** Its place in the graph's edge list; its key is that number as text (made when read). */
    readonly index: number,
    attributes: DependencyEdge | undefined,
    readonly source: Vertex,
    readonly target: Vertex,
    private from: EdgeAttributesSource | null,
    private readonly at: number,
  ) {
    this.attrs = attributes;
  }

  get key(): string {
    return String(this.index);
  }

  get attributes(): DependencyEdge {
    if (this.attrs === undefined) {
      this.attrs = this.from!.attributesAt(this.at);
      this.from = null;
    }
    return this.attrs;
  }

  /** `attributes.blocksBuild`, without making attributes not read yet. */
  get blocksBuild(): boolean {
    return this.attrs !== undefined ? this.attrs.blocksBuild : this.from!.blocksBuildAt(this.at);
  }

  set attributes(attributes: DependencyEdge) {
    this.attrs = attributes;
    this.from = null;
  }
}

class Vertex {
  readonly in = new Map<string, Edge>();
  readonly out = new Map<string, Edge>();
  constructor(
    readonly key: string,
    public attributes: PackageNode,
  ) {}
}

type EdgeCallback = (edge: string, attributes: DependencyEdge, source: string, target: string, sourceAttributes: PackageNode, targetAttributes: PackageNode, undirected: boolean) => void;
type NeighborCallback = (neighbor: string, attributes: PackageNode) => void;

/** Thrown for a node or edge that is not in the graph (graphology's NotFoundGraphError). */
export class NotFoundGraphError extends Error {
  override name = 'NotFoundGraphError';
}

/** Thrown for a node or edge added twice (graphology's UsageGraphError). */
export class UsageGraphError extends Error {
  override name = 'UsageGraphError';
}

export class PackageGraph {
  readonly type = 'directed' as const;
  readonly multi = false;
  readonly allowSelfLoops = true;
  private readonly vertices = new Map<string, Vertex>();
  /** Edges by index (their key); a dropped edge leaves a hole. */
  private readonly list: (Edge | undefined)[] = [];
  private edgeCount = 0;
  /** Called once before the next change to the edges (onNextEdgeChange). */
  private beforeEdgeChange: (() => void) | null = null;

  /** Number of nodes. */
  get order(): number {
    return this.vertices.size;
  }

  /** Number of edges. */
  get size(): number {
    return this.edgeCount;
  }

  private vertex(method: string, key: string): Vertex {
    const v = this.vertices.get(key);
    if (!v) throw new NotFoundGraphError(`Graph.${method}: could not find the "${key}" node in the graph.`);
    return v;
  }

  private edgeByKey(method: string, key: string): Edge {
    const e = this.list[key as unknown as number];
    if (!e || e.key !== key) throw new NotFoundGraphError(`Graph.${method}: could not find the "${key}" edge in the graph.`);
    return e;
  }

  /** The edge of `a` (a key), or of a → b (source, target). */
  private edgeOf(method: string, a: string, b?: string): Edge {
    if (b === undefined) return this.edgeByKey(method, a);
    const e = this.vertex(method, a).out.get(b);
    if (!e) {
      this.vertex(method, b);
      throw new NotFoundGraphError(`Graph.${method}: could not find an edge for the given path ("${a}" - "${b}").`);
    }
    return e;
  }

  // Nodes

  addNode(key: string, attributes: PackageNode): string {
    if (this.vertices.has(key)) throw new UsageGraphError(`Graph.addNode: the "${key}" node already exist in the graph.`);
    this.vertices.set(key, new Vertex(key, attributes));
    return key;
  }

  hasNode(key: string): boolean {
    return this.vertices.has(key);
  }

  getNodeAttributes(key: string): PackageNode {
    return this.vertex('getNodeAttributes', key).attributes;
  }

  getNodeAttribute<K extends keyof PackageNode>(key: string, name: K): PackageNode[K] {
    return this.vertex('getNodeAttribute', key).attributes[name];
  }

  mergeNodeAttributes(key: string, attributes: Partial<PackageNode>): string {
    Object.assign(this.vertex('mergeNodeAttributes', key).attributes, attributes);
    return key;
  }

  updateNodeAttributes(key: string, updater: (attributes: PackageNode) => PackageNode): string {
    const v = this.vertex('updateNodeAttributes', key);
    v.attributes = updater(v.attributes);
    return key;
  }

  nodes(): string[] {
    return [...this.vertices.keys()];
  }

  forEachNode(callback: (key: string, attributes: PackageNode) => void): void {
    for (const v of this.vertices.values()) callback(v.key, v.attributes);
  }

  mapNodes<T>(callback: (key: string, attributes: PackageNode) => T): T[] {
    const out: T[] = new Array(this.vertices.size);
    let i = 0;
    for (const v of this.vertices.values()) out[i++] = callback(v.key, v.attributes);
    return out;
  }

  filterNodes(callback: (key: string, attributes: PackageNode) => unknown): string[] {
    const out: string[] = [];
    for (const v of this.vertices.values()) if (callback(v.key, v.attributes)) out.push(v.key);
    return out;
  }

  inDegree(key: string): number {
    return this.vertex('inDegree', key).in.size;
  }

  outDegree(key: string): number {
    return this.vertex('outDegree', key).out.size;
  }

  // Edges

  /**
   * Call `fn` once, just before the next change to the edges (one added or dropped, attributes
   * replaced): what is made lazily from the edges as they are now (plan-nodes.ts' dependsOn) is made
   * then. Not part of graphology's API.
   */
  onNextEdgeChange(fn: () => void): void {
    const before = this.beforeEdgeChange;
    this.beforeEdgeChange = before
      ? () => {
          before();
          fn();
        }
      : fn;
  }

  private edgesChanging(): void {
    const fn = this.beforeEdgeChange;
    if (!fn) return;
    this.beforeEdgeChange = null;
    fn();
  }

  addDirectedEdge(source: string, target: string, attributes: DependencyEdge): string {
    return this.insertEdge('addDirectedEdge', source, target, attributes, null, 0);
  }

  /**
   * addDirectedEdge with attributes made by `from.attributesAt(at)` when first read (then kept, as
   * given ones are). Not part of graphology's API.
   */
  addDirectedEdgeFrom(source: string, target: string, from: EdgeAttributesSource, at: number): string {
    return this.insertEdge('addDirectedEdge', source, target, undefined, from, at);
  }

  private insertEdge(method: string, source: string, target: string, attributes: DependencyEdge | undefined, from: EdgeAttributesSource | null, at: number): string {
    if (this.beforeEdgeChange) this.edgesChanging();
    const s = this.vertices.get(source);
    if (!s) throw new NotFoundGraphError(`Graph.${method}: source node "${source}" not found.`);
    const t = this.vertices.get(target);
    if (!t) throw new NotFoundGraphError(`Graph.${method}: target node "${target}" not found.`);
    if (s.out.has(target)) throw new UsageGraphError(`Graph.${method}: an edge linking "${source}" to "${target}" already exists. If you really want to add multiple edges linking those nodes, you should create a multi graph by using the 'multi' option.`);
    const index = this.list.length;
    const e = new Edge(index, attributes, s, t, from, at);
    this.list.push(e);
    this.edgeCount++;
    s.out.set(target, e);
    t.in.set(source, e);
    return String(index);
  }

  /** The same as addDirectedEdge (the graph is directed). */
  addEdge(source: string, target: string, attributes: DependencyEdge): string {
    return this.addDirectedEdge(source, target, attributes);
  }

  /** The key of the edge source → target, undefined when there is none. */
  edge(source: string, target: string): string | undefined {
    const s = this.vertex('edge', source);
    this.vertex('edge', target);
    return s.out.get(target)?.key;
  }

  /** Is there an edge with this key (one argument) or from source to target? */
  hasEdge(a: string, b?: string): boolean {
    if (b === undefined) {
      const e = this.list[a as unknown as number];
      return e !== undefined && e.key === a;
    }
    return this.vertices.get(a)?.out.has(b) ?? false;
  }

  hasDirectedEdge(a: string, b?: string): boolean {
    return this.hasEdge(a, b);
  }

  /** The attributes of the edge with key `a`, or of the edge a → b. */
  getEdgeAttributes(a: string, b?: string): DependencyEdge {
    return this.edgeOf('getEdgeAttributes', a, b).attributes;
  }

  updateEdgeAttributes(key: string, updater: (attributes: DependencyEdge) => DependencyEdge): string {
    const e = this.edgeByKey('updateEdgeAttributes', key);
    if (this.beforeEdgeChange) this.edgesChanging();
    e.attributes = updater(e.attributes);
    return key;
  }

  source(key: string): string {
    return this.edgeByKey('source', key).source.key;
  }

  target(key: string): string {
    return this.edgeByKey('target', key).target.key;
  }

  /** Drop the edge with key `a`, or the edge a → b. */
  dropEdge(a: string, b?: string): void {
    const e = this.edgeOf('dropEdge', a, b);
    if (this.beforeEdgeChange) this.edgesChanging();
    e.source.out.delete(e.target.key);
    e.target.in.delete(e.source.key);
    this.list[e.index] = undefined;
    this.edgeCount--;
  }

  edges(): string[] {
    const out: string[] = [];
    for (const e of this.list) if (e) out.push(e.key);
    return out;
  }

  forEachEdge(callback: EdgeCallback): void {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (e) callback(e.key, e.attributes, e.source.key, e.target.key, e.source.attributes, e.target.attributes, false);
    }
  }

  inEdges(node: string): string[] {
    return Array.from(this.vertex('inEdges', node).in.values(), (e) => e.key);
  }

  outEdges(node: string): string[] {
    return Array.from(this.vertex('outEdges', node).out.values(), (e) => e.key);
  }

  forEachInEdge(node: string, callback: EdgeCallback): void {
    for (const e of this.vertex('forEachInEdge', node).in.values()) callback(e.key, e.attributes, e.source.key, e.target.key, e.source.attributes, e.target.attributes, false);
  }

  forEachOutEdge(node: string, callback: EdgeCallback): void {
    for (const e of this.vertex('forEachOutEdge', node).out.values()) callback(e.key, e.attributes, e.source.key, e.target.key, e.source.attributes, e.target.attributes, false);
  }

  /**
   * For each in-edge of `node` whose attributes' `blocksBuild` is true, in the order of
   * forEachInEdge: its source and the source's attributes. The same as testing the attributes in
   * forEachInEdge, without making the attributes of edges added by addDirectedEdgeFrom (a plan's
   * cycles and build order read nearly every edge this way). Not part of graphology's API.
   */
  forEachBlockingInNeighbor(node: string, callback: NeighborCallback): void {
    for (const e of this.vertex('forEachBlockingInNeighbor', node).in.values()) if (e.blocksBuild) callback(e.source.key, e.source.attributes);
  }

  // Neighbours

  inNeighbors(node: string): string[] {
    return [...this.vertex('inNeighbors', node).in.keys()];
  }

  outNeighbors(node: string): string[] {
    return [...this.vertex('outNeighbors', node).out.keys()];
  }

  forEachInNeighbor(node: string, callback: NeighborCallback): void {
    for (const e of this.vertex('forEachInNeighbor', node).in.values()) callback(e.source.key, e.source.attributes);
  }

  forEachOutNeighbor(node: string, callback: NeighborCallback): void {
    for (const e of this.vertex('forEachOutNeighbor', node).out.values()) callback(e.target.key, e.target.attributes);
  }

  filterInNeighbors(node: string, callback: (neighbor: string, attributes: PackageNode) => unknown): string[] {
    const out: string[] = [];
    for (const e of this.vertex('filterInNeighbors', node).in.values()) if (callback(e.source.key, e.source.attributes)) out.push(e.source.key);
    return out;
  }

  filterOutNeighbors(node: string, callback: (neighbor: string, attributes: PackageNode) => unknown): string[] {
    const out: string[] = [];
    for (const e of this.vertex('filterOutNeighbors', node).out.values()) if (callback(e.target.key, e.target.attributes)) out.push(e.target.key);
    return out;
  }
}

export function createPackageGraph(): PackageGraph {
  return new PackageGraph();
}
