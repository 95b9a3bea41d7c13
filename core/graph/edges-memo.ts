// The edges into each node of a target's graph, kept in the render cache dir
// (`edges-<hash of the target and selection.prefer>.bin`), so that planning again after a few
// recipes changed computes the edges into those nodes only (buildEdges walks the run closures of
// every build/host requirement of 25,000 nodes: the largest part of planning from cached renderings).
//
// The edges into a node are made of its own requirements and status, and of what the other nodes
// show the output index and the run closures: their ids, feedstock names, statuses, outputs,
// versions and run requirements (its interface, below). They are replayed exactly (the graph gets
// the same edges in the same order as from buildEdges) under these rules:
//   - the same node ids, the same code version (core/graph, core/conda, core/model, core/recipes),
//     target and selection.prefer, and no warning while the stored edges were made (a warning goes
//     to the first node whose walk parses the spec: walked in full, they stay where they belong);
//   - a node is clean when its rendering has the render cache key stored for it and its run
//     exports were replayed (run-exports-memo.ts) — its requirements are those of last time;
//   - a node that is not clean gets its edges computed; if it shows another interface than last
//     time with other output names, every node's edges are computed; with the same output names,
//     so are the edges of every node whose computation may read it (below);
//   - a clean node gets last time's edges.
// What a node's edges read of the others: the nodes building each name its specs name (the output
// index resolves a name among them), and for a build or host spec the run closure, i.e. the
// nodes building each name the run requirements of those name, and so on. So the memo keeps per
// node the names it builds, the names its specs name and the names its run requirements name
// (NodeNames, as the match spec parser names them), and a node's edges are computed again when a
// name its specs name is built by a node showing another interface, or by a node whose run
// requirements name such a name (transitively).
// Stored in numbers (PackedEdges: each text, via chain and reason once), read back ~10x faster than
// v8-deserialized objects. The file is written (under a temporary name, renamed into place) when the edges were computed in
// full, or when more than 1% of the nodes were not clean (they are computed each time until then).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { DependencyEdge, EdgeReason, PackageNode, Section } from '../model/types.ts';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';
import { sourcesVersion } from '../recipes/render-cache.ts';
import { parseMatchSpec } from '../conda/match-spec.ts';
import type { EdgeAttributesSource, PackageGraph } from './package-graph.ts';
import { type EdgeBuilder, buildEdges } from './edges.ts';
import { NameTable } from '../recipes/name-table.ts';

/** One node's incoming edges: [index of the dependency in `ids`, blocksBuild, reasons], in the graph's order. */
type StoredEdges = [number, boolean, EdgeReason[]][];

const SECTIONS: Section[] = ['build', 'host', 'run', 'test'];

/**
 * Every node's incoming edges in numbers (v8's deserializer makes objects one by one, several times
 * slower than reading these arrays): each text once in `strings`; each `via` chain once
 * (`viaStarts`: its slice of `vias`, string indexes); each reason once, 4 numbers (section, spec,
 * output, via + 1 or 0); per node (`edgeStarts`: its slice of `edges`) per edge the dependency's
 * index, blocksBuild (0/1), the number of reasons and their indexes. Reasons and via chains are
 * shared by the edges that shared them.
 */
interface PackedEdges {
  strings: string[];
  viaStarts: Uint32Array;
  vias: Uint32Array;
  reasons: Uint32Array;
  edgeStarts: Uint32Array;
  edges: Uint32Array;
}

function packEdges(all: StoredEdges[]): PackedEdges {
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const str = (s: string) => {
    let i = stringIds.get(s);
    if (i === undefined) {
      stringIds.set(s, (i = strings.length));
      strings.push(s);
    }
    return i;
  };
  const viaIds = new Map<string[], number>();
  const viaStarts: number[] = [0];
  const vias: number[] = [];
  const reasonIds = new Map<EdgeReason, number>();
  const reasons: number[] = [];
  const edgeStarts: number[] = [0];
  const edges: number[] = [];
  for (const list of all) {
    for (const [from, blocksBuild, rs] of list) {
      edges.push(from, blocksBuild ? 1 : 0, rs.length);
      for (const r of rs) {
        let k = reasonIds.get(r);
        if (k === undefined) {
          let via = 0;
          if (r.via) {
            let v = viaIds.get(r.via);
            if (v === undefined) {
              viaIds.set(r.via, (v = viaStarts.length - 1));
              for (const o of r.via) vias.push(str(o));
              viaStarts.push(vias.length);
            }
            via = v + 1;
          }
          reasonIds.set(r, (k = reasons.length / 4));
          reasons.push(SECTIONS.indexOf(r.section), str(r.spec), str(r.output), via);
        }
        edges.push(k);
      }
    }
    edgeStarts.push(edges.length);
  }
  const u32 = (a: number[]) => Uint32Array.from(a);
  return { strings, viaStarts: u32(viaStarts), vias: u32(vias), reasons: u32(reasons), edgeStarts: u32(edgeStarts), edges: u32(edges) };
}

/** Do the numbers of a pack hold together (every index in range, every slice inside its array)? */
function packHolds(p: PackedEdges, nodes: number): boolean {
  if (!Array.isArray(p?.strings)) return false;
  for (const a of [p.viaStarts, p.vias, p.reasons, p.edgeStarts, p.edges]) if (!(a instanceof Uint32Array)) return false;
  const vias = p.viaStarts.length - 1;
  if (vias < 0 || p.viaStarts[0] !== 0 || p.viaStarts[vias] !== p.vias.length || p.reasons.length % 4) return false;
  for (let v = 0; v < vias; v++) if (p.viaStarts[v] > p.viaStarts[v + 1]) return false;
  for (const s of p.vias) if (s >= p.strings.length) return false;
  for (let k = 0; k < p.reasons.length; k += 4) {
    if (p.reasons[k] >= SECTIONS.length || p.reasons[k + 1] >= p.strings.length || p.reasons[k + 2] >= p.strings.length || p.reasons[k + 3] > vias) return false;
  }
  if (p.edgeStarts.length !== nodes + 1 || p.edgeStarts[0] !== 0 || p.edgeStarts[nodes] !== p.edges.length) return false;
  const reasons = p.reasons.length / 4;
  for (let i = 0; i < nodes; i++) {
    let at = p.edgeStarts[i];
    const end = p.edgeStarts[i + 1];
    while (at < end) {
      if (p.edges[at] >= nodes || at + 3 > end) return false;
      const count = p.edges[at + 2];
      at += 3;
      for (let r = 0; r < count; r++, at++) if (at >= end || p.edges[at] >= reasons) return false;
    }
    if (at !== end) return false;
  }
  return true;
}

/**
 * Reads a pack back into edges, making each reason and via chain once. A replayed edge's
 * attributes are made from the pack when first read (most never are: a plan reads the in-edges of
 * its planned nodes, about a fifth), so the Unpacker lives as long as the graph.
 */
class Unpacker implements EdgeAttributesSource {
  private readonly reasons: (EdgeReason | undefined)[] = [];
  private readonly vias: (string[] | undefined)[] = [];
  constructor(private readonly p: PackedEdges) {}

  private via(v: number): string[] {
    let via = this.vias[v];
    if (!via) {
      via = [];
      for (let k = this.p.viaStarts[v]; k < this.p.viaStarts[v + 1]; k++) via.push(this.p.strings[this.p.vias[k]]);
      this.vias[v] = via;
    }
    return via;
  }

  private reason(k: number): EdgeReason {
    let r = this.reasons[k];
    if (!r) {
      const [section, spec, output, via] = this.p.reasons.subarray(k * 4, k * 4 + 4);
      r = via ? { section: SECTIONS[section], spec: this.p.strings[spec], output: this.p.strings[output], via: this.via(via - 1) } : { section: SECTIONS[section], spec: this.p.strings[spec], output: this.p.strings[output] };
      this.reasons[k] = r;
    }
    return r;
  }

  /** The attributes of the edge stored at `at` in the pack's `edges`. */
  attributesAt(at: number): DependencyEdge {
    edgesMemoStats.attributesMade++;
    const { edges } = this.p;
    const count = edges[at + 2];
    const reasons: EdgeReason[] = new Array(count);
    for (let r = 0; r < count; r++) reasons[r] = this.reason(edges[at + 3 + r]);
    return { blocksBuild: edges[at + 1] === 1, reasons };
  }

  blocksBuildAt(at: number): boolean {
    return this.p.edges[at + 1] === 1;
  }

  /**
   * Add node i's incoming edges to the graph (`ids`: node ids by index), in the stored order; their
   * attributes are made when first read (attributesAt).
   */
  addEdgesOf(i: number, graph: PackageGraph, ids: readonly string[]): void {
    const { edges, edgeStarts } = this.p;
    const id = ids[i];
    for (let at = edgeStarts[i], end = edgeStarts[i + 1]; at < end; at += 3 + edges[at + 2]) graph.addDirectedEdgeFrom(ids[edges[at]], id, this, at);
  }

  /** Node i's incoming edges. */
  edgesOf(i: number): StoredEdges {
    const { edges, edgeStarts } = this.p;
    const out: StoredEdges = [];
    for (let at = edgeStarts[i]; at < edgeStarts[i + 1]; ) {
      const from = edges[at];
      const blocks = edges[at + 1] === 1;
      const count = edges[at + 2];
      at += 3;
      const rs: EdgeReason[] = [];
      for (let r = 0; r < count; r++) rs.push(this.reason(edges[at++]));
      out.push([from, blocks, rs]);
    }
    return out;
  }
}

/**
 * Per node (in `ids` order) the names it builds (its outputs), the names its specs name (every
 * section, every variant) and the names its outputs' run requirements name, by number in `table`:
 * node i's are table[outIds[outStarts[i] .. outStarts[i+1])], and likewise.
 */
interface NodeNames {
  table: string[];
  outStarts: Uint32Array;
  outIds: Uint32Array;
  specStarts: Uint32Array;
  specIds: Uint32Array;
  runStarts: Uint32Array;
  runIds: Uint32Array;
}

type NameList = 'out' | 'spec' | 'run';
const LISTS: NameList[] = ['out', 'spec', 'run'];

/** NodeNames made node by node, numbering names after those of an earlier table. */
class NamesBuilder {
  private readonly table: NameTable;
  private readonly starts: Record<NameList, number[]> = { out: [0], spec: [0], run: [0] };
  private readonly ids: Record<NameList, number[]> = { out: [], spec: [], run: [] };

  constructor(table: readonly string[] = []) {
    this.table = new NameTable(table);
  }

  add(names: Record<NameList, Set<string>>): void {
    for (const list of LISTS) {
      for (const name of names[list]) this.ids[list].push(this.table.id(name));
      this.starts[list].push(this.ids[list].length);
    }
  }

  copy(from: NodeNames, i: number): void {
    for (const list of LISTS) {
      const starts = from[`${list}Starts`];
      const ids = from[`${list}Ids`];
      for (let k = starts[i]; k < starts[i + 1]; k++) this.ids[list].push(ids[k]);
      this.starts[list].push(this.ids[list].length);
    }
  }

  done(): NodeNames {
    const u32 = (a: number[]) => Uint32Array.from(a);
    const { starts, ids } = this;
    return {
      table: this.table.names,
      outStarts: u32(starts.out),
      outIds: u32(ids.out),
      specStarts: u32(starts.spec),
      specIds: u32(ids.spec),
      runStarts: u32(starts.run),
      runIds: u32(ids.run),
    };
  }
}

/** A spec's name as the output index resolves it (the match spec parser's); none when it does not parse. */
function nameOf(spec: string, specNames: Map<string, string | null>): string | null {
  let name = specNames.get(spec);
  if (name === undefined) {
    try {
      name = parseMatchSpec(spec).name;
    } catch {
      name = null;
    }
    specNames.set(spec, name);
  }
  return name;
}

/** A node's NodeNames lists, from its variants (`specNames`: the names of spec texts met so far). */
function namesOfNode(node: PackageNode, specNames: Map<string, string | null>): Record<NameList, Set<string>> {
  const out = new Set<string>(node.outputs.map((o) => o.toLowerCase()));
  const spec = new Set<string>();
  const run = new Set<string>();
  const add = (into: Set<string>, specs: readonly string[] | undefined) => {
    for (const s of specs ?? []) {
      const name = nameOf(s, specNames);
      if (name !== null) into.add(name);
    }
  };
  for (const v of node.variants) {
    add(spec, v.requirements?.build);
    add(spec, v.requirements?.host);
    for (const o of v.outputs) {
      out.add(o.name.toLowerCase());
      add(spec, o.requirements.build);
      add(spec, o.requirements.host);
      add(spec, o.requirements.run);
      add(spec, o.test.requires);
      add(run, o.requirements.run);
    }
  }
  return { out, spec, run };
}

/** Does NodeNames hold together for n nodes? */
function namesHold(m: NodeNames, n: number): boolean {
  if (!Array.isArray(m?.table)) return false;
  for (const list of LISTS) {
    const starts = m[`${list}Starts`];
    const ids = m[`${list}Ids`];
    if (!(starts instanceof Uint32Array) || !(ids instanceof Uint32Array) || starts.length !== n + 1 || starts[0] !== 0 || starts[n] !== ids.length) return false;
    for (let i = 0; i < n; i++) if (starts[i + 1] < starts[i]) return false;
    for (const id of ids) if (id >= m.table.length) return false;
  }
  return true;
}

/**
 * The nodes whose edges may read a node of `changed` (see the header): those whose specs name a
 * name built by a changed node, or by a node whose run requirements name such a name, transitively.
 */
function readersOf(names: NodeNames, changed: readonly number[]): Uint8Array {
  const n = names.outStarts.length - 1;
  const m = names.table.length;
  // Per name, the nodes whose run requirements name it.
  const rStarts = new Uint32Array(m + 1);
  for (const id of names.runIds) rStarts[id + 1]++;
  for (let id = 0; id < m; id++) rStarts[id + 1] += rStarts[id];
  const at = rStarts.slice(0, m);
  const readers = new Uint32Array(names.runIds.length);
  for (let i = 0; i < n; i++) for (let k = names.runStarts[i]; k < names.runStarts[i + 1]; k++) readers[at[names.runIds[k]]++] = i;
  const tainted = new Uint8Array(m);
  const seen = new Uint8Array(n);
  const queue: number[] = [];
  const taint = (i: number) => {
    seen[i] = 1;
    for (let k = names.outStarts[i]; k < names.outStarts[i + 1]; k++) {
      const id = names.outIds[k];
      if (!tainted[id]) {
        tainted[id] = 1;
        queue.push(id);
      }
    }
  };
  for (const i of changed) taint(i);
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q];
    for (let r = rStarts[id]; r < rStarts[id + 1]; r++) if (!seen[readers[r]]) taint(readers[r]);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = names.specStarts[i]; k < names.specStarts[i + 1]; k++) {
      if (tainted[names.specIds[k]]) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

interface Memo {
  format: 3;
  code: string;
  context: string;
  ids: string[];
  keys: (string | null)[];
  ifaces: string[];
  edges: PackedEdges;
  names: NodeNames;
  /** Warnings given while computing them (0 to replay). */
  warnings: number;
}

/** What the memo did in this process (tests, bench). */
export const edgesMemoStats = { replayed: 0, computed: 0, written: 0, attributesMade: 0 };

const codeVersion = () => sourcesVersion(['core/graph', 'core/conda', 'core/model', 'core/recipes'], ['@conda-org/rattler', 'graphology']);

/** What other nodes' edges read of a node (see the header). */
export function edgesInterface(node: PackageNode): string {
  const variants = node.variants.map((v) => [v.skip, v.outputs.map((o) => [o.name, o.version, o.requirements.run])]);
  const shown = [node.id, node.feedstock, node.status, node.exclusion?.kind ?? null, node.extraVersion ?? null, node.bootstrap, node.outputs, variants];
  return createHash('sha256').update(JSON.stringify(shown)).digest('base64');
}

function readMemo(file: string, context: string): Memo | undefined {
  try {
    const m = deserialize(readFileSync(file)) as Memo;
    if (m?.format !== 3 || m.code !== codeVersion() || m.context !== context || typeof m.warnings !== 'number') return undefined;
    if (!Array.isArray(m.ids) || !Array.isArray(m.keys) || !Array.isArray(m.ifaces)) return undefined;
    const n = m.ids.length;
    if (m.keys.length !== n || m.ifaces.length !== n || !packHolds(m.edges, n) || !namesHold(m.names, n)) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/**
 * buildEdges through the memo in `dir` (null: buildEdges). `context` names the plan's other inputs
 * (target, selection.prefer); `keys` gives per node id the render cache key of its rendering (absent:
 * none), `replayed` the nodes whose run exports were replayed; `warnings()` counts the plan's
 * warnings so far.
 */
export function buildEdgesMemo(
  dir: string | null,
  context: string,
  graph: PackageGraph,
  builder: EdgeBuilder,
  keys: ReadonlyMap<string, string>,
  replayed: ReadonlySet<string>,
  warnings: () => number,
): void {
  if (!dir) return buildEdges(graph, builder);
  const file = join(dir, `edges-${createHash('sha256').update(context).digest('hex').slice(0, 16)}.bin`);
  const ids = [...graph.nodes()].sort();
  const n = ids.length;
  const old = readMemo(file, context);
  const mine = ids.map((id) => keys.get(id) ?? null);

  let changed: number[] | null = null; // null: compute every node's edges
  // Not clean nodes' names, read from their variants.
  const specNames = new Map<string, string | null>();
  const fresh = new Map<number, Record<NameList, Set<string>>>();
  const otherInterface: number[] = [];
  if (old && old.warnings === 0 && old.ids.length === n && old.ids.every((id, i) => id === ids[i])) {
    changed = [];
    for (let i = 0; i < n; i++) if (mine[i] === null || mine[i] !== old.keys[i] || !replayed.has(ids[i])) changed.push(i);
    for (const i of changed) {
      const node = graph.getNodeAttributes(ids[i]);
      if (edgesInterface(node) === old.ifaces[i]) continue;
      const names = namesOfNode(node, specNames);
      fresh.set(i, names);
      const before = old.names.outIds.subarray(old.names.outStarts[i], old.names.outStarts[i + 1]);
      if (names.out.size !== before.length || [...before].some((id) => !names.out.has(old.names.table[id]))) {
        changed = null;
        break;
      }
      otherInterface.push(i);
    }
  }
  // The names of every node: last time's for a clean one (the same requirements), else read.
  let names: NodeNames | undefined;
  const namesNow = (): NodeNames => {
    if (names) return names;
    const builder = new NamesBuilder(changed ? old!.names.table : []);
    const clean = changed ? new Set(changed) : null;
    for (let i = 0; i < n; i++) {
      if (clean && !clean.has(i)) builder.copy(old!.names, i);
      else builder.add(fresh.get(i) ?? namesOfNode(graph.getNodeAttributes(ids[i]), specNames));
    }
    return (names = builder.done());
  };

  const before = warnings();
  const position = new Map(ids.map((id, i) => [id, i]));
  const computed = new Set(changed ?? ids.map((_, i) => i));
  if (changed && otherInterface.length) {
    const readers = readersOf(namesNow(), otherInterface);
    for (let i = 0; i < n; i++) if (readers[i]) computed.add(i);
  }
  // Replayed nodes' edges go straight from the pack into the graph; their StoredEdges are made
  // only when the memo is written (below), usually not: a re-plan after a few recipes changed.
  const edges: (StoredEdges | undefined)[] = new Array(n);
  const mayBeRebuilt = (id: string) => graph.getNodeAttributes(id).status !== 'excluded';
  const unpack = changed ? new Unpacker(old!.edges) : null;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (!computed.has(i)) {
      // Replayed: the same edges, in the same order, as buildEdges adds them.
      unpack!.addEdgesOf(i, graph, ids);
      edgesMemoStats.replayed++;
      continue;
    }
    const node = graph.getNodeAttributes(id);
    const deps = builder.dependenciesOf(node, undefined, node.status === 'excluded' ? mayBeRebuilt : undefined);
    const list: StoredEdges = [];
    for (const from of [...deps.keys()].sort()) {
      const edge: DependencyEdge = deps.get(from)!;
      graph.addDirectedEdge(from, id, edge);
      list.push([position.get(from)!, edge.blocksBuild, edge.reasons]);
    }
    edges[i] = list;
    edgesMemoStats.computed++;
  }

  const warned = warnings() - before;
  if (changed && computed.size <= n / 100 && !warned) return; // the computed nodes are computed again next time
  const memo: Memo = {
    format: 3,
    code: codeVersion(),
    context,
    ids,
    keys: mine,
    ifaces: ids.map((id, i) => (changed && !computed.has(i) ? old!.ifaces[i] : edgesInterface(graph.getNodeAttributes(id)))),
    edges: packEdges(Array.from(edges, (list, i) => list ?? unpack!.edgesOf(i))),
    names: namesNow(),
    warnings: warned,
  };
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomicSync(file, serialize(memo));
    edgesMemoStats.written++;
  } catch {
    // not written: the next plan computes every node's edges
  }
}
