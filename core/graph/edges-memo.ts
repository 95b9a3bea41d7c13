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
//   - a node that is not clean but shows the same interface as last time gets its edges computed;
//     if one shows another interface, every node's edges are computed;
//   - a clean node gets last time's edges.
// The file is written (under a temporary name, renamed into place) when the edges were computed in
// full, or when more than 1% of the nodes were not clean (they are computed each time until then).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { DependencyEdge, EdgeReason, PackageNode } from '../model/types.ts';
import { writeFileAtomicSync } from '../conda/atomic-write.ts';
import { sourcesVersion } from '../recipes/render-cache.ts';
import type { PackageGraph } from './package-graph.ts';
import { type EdgeBuilder, buildEdges } from './edges.ts';

/** One node's incoming edges: [index of the dependency in `ids`, blocksBuild, reasons], in the graph's order. */
type StoredEdges = [number, boolean, EdgeReason[]][];

interface Memo {
  format: 1;
  code: string;
  context: string;
  ids: string[];
  keys: (string | null)[];
  ifaces: string[];
  edges: StoredEdges[];
  /** Warnings given while computing them (0 to replay). */
  warnings: number;
}

/** What the memo did in this process (tests, bench). */
export const edgesMemoStats = { replayed: 0, computed: 0, written: 0 };

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
    if (m?.format !== 1 || m.code !== codeVersion() || m.context !== context || typeof m.warnings !== 'number') return undefined;
    if (!Array.isArray(m.ids) || !Array.isArray(m.keys) || !Array.isArray(m.ifaces) || !Array.isArray(m.edges)) return undefined;
    const n = m.ids.length;
    if (m.keys.length !== n || m.ifaces.length !== n || m.edges.length !== n) return undefined;
    for (const list of m.edges) {
      if (!Array.isArray(list)) return undefined;
      for (const e of list) if (!Array.isArray(e) || !(e[0] >= 0 && e[0] < n) || !Array.isArray(e[2])) return undefined;
    }
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
  if (old && old.warnings === 0 && old.ids.length === n && old.ids.every((id, i) => id === ids[i])) {
    changed = [];
    for (let i = 0; i < n; i++) if (mine[i] === null || mine[i] !== old.keys[i] || !replayed.has(ids[i])) changed.push(i);
    for (const i of changed) {
      if (edgesInterface(graph.getNodeAttributes(ids[i])) !== old.ifaces[i]) {
        changed = null;
        break;
      }
    }
  }

  const before = warnings();
  const position = new Map(ids.map((id, i) => [id, i]));
  const computed = new Set(changed ?? ids.map((_, i) => i));
  const edges: StoredEdges[] = new Array(n);
  const mayBeRebuilt = (id: string) => graph.getNodeAttributes(id).status !== 'excluded';
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (!computed.has(i)) {
      // Replayed: the same edges, in the same order, as buildEdges adds them.
      for (const [from, blocksBuild, reasons] of old!.edges[i]) graph.addDirectedEdge(ids[from], id, { blocksBuild, reasons });
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
  if (changed && changed.length <= n / 100 && !warned) return; // the computed nodes are computed again next time
  for (let i = 0; i < n; i++) edges[i] ??= old!.edges[i];
  const memo: Memo = {
    format: 1,
    code: codeVersion(),
    context,
    ids,
    keys: mine,
    ifaces: ids.map((id, i) => (changed && !computed.has(i) ? old!.ifaces[i] : edgesInterface(graph.getNodeAttributes(id)))),
    edges,
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
