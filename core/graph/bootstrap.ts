// Bootstrap builds break dependency cycles: build a feedstock in bootstrap mode (its variant keys
// from `bootstrap.variants`, rendered through `run.hooks.render` with `variantOverrides`), build the
// cycle members that need it against that build, then build the feedstock again normally after them
// (conda-build's bootstrap variants; Fedora's "bconds"). The python chain is the built-in instance:
// python@bootstrap → [wincertstore on win-64] → certifi → setuptools → wheel → pip → python.
//
// Rewiring a member recomputes its edges with the feedstock's resolutions redirected to the
// bootstrap node, so the run requirements pulled into its build env are the bootstrap build's.
//
// A cycle is broken by a member with a bootstrap mode: one configured (`bootstrap.variants`), else
// one its own recipe declares — its variant config sets a `bootstrap.keys` key (default `bootstrap`,
// e.g. `bootstrap: no` in flit's recipe-dir conda_build_config.yaml) that the recipe reads (the key
// is among its rendered variant's used keys). Such a member is rendered with the key set to the
// YAML 1.1 truthy spellings in turn (yes, true, True, 1); the first rendering that needs no other
// member of the cycle is its bootstrap build.
import { relative } from 'node:path';
import type { Cycle, DependencyEdge, PackageNode, RenderWarning, Target } from '../model/types.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import type { PackageGraph } from './package-graph.ts';
import type { OutputIndex } from './output-index.ts';
import { type EdgeBuilder, addDependencyEdge } from './edges.ts';
import { blockingDependents, describeCycle, inCycleDependents, keyMember, plannedCycles, formatCyclePath } from './cycles.ts';
import { applyExclusion } from './blocklist-propagation.ts';

export interface BootstrapContext {
  graph: PackageGraph;
  target: Target;
  config: Pick<ResolvedConfig, 'bootstrap'>;
  edges: EdgeBuilder;
  index: OutputIndex;
  /** Render the bootstrap build of a node (id `<node>@bootstrap`); an error node when it fails. Not added anywhere. */
  renderBootstrap(node: PackageNode, variant: Record<string, string>): Promise<{ node: PackageNode; warnings: RenderWarning[] }>;
  warnings: RenderWarning[];
}

const isPython = (n: PackageNode) => n.outputs.some((o) => o.toLowerCase() === 'python');

/** The variant keys of a node's bootstrap build, or null when none is declared. */
export function bootstrapVariant(config: Pick<ResolvedConfig, 'bootstrap'>, node: PackageNode): Record<string, string> | null {
  const declared = config.bootstrap.variants[node.feedstock] ?? (isPython(node) ? config.bootstrap.variants.python : undefined);
  if (declared) return Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, String(v)]));
  if (isPython(node) && config.bootstrap.python) return { bootstrap: 'true' };
  return null;
}

/** The values tried, in order, for a bootstrap key a recipe declares (YAML 1.1 truthy spellings). */
export const BOOTSTRAP_VALUES = ['yes', 'true', 'True', '1'] as const;

/** The `bootstrap.keys` a node's recipe reads, with the value its variant config gives each (first variant that has it). */
export function declaredBootstrapKeys(config: Pick<ResolvedConfig, 'bootstrap'>, node: PackageNode): Map<string, string> {
  const found = new Map<string, string>();
  for (const key of config.bootstrap.keys ?? ['bootstrap']) {
    const v = node.variants.find((x) => key in x.variant);
    if (v) found.set(key, v.variant[key]);
  }
  return found;
}

/** The python chain for a target: `bootstrap.chain`, with wincertstore first on win-64. */
export function pythonChain(config: Pick<ResolvedConfig, 'bootstrap'>, target: Target): string[] {
  const chain = [...config.bootstrap.chain];
  if (target.subdir === 'win-64' && !chain.includes('wincertstore')) chain.unshift('wincertstore');
  return chain;
}

/** Blocking dependencies of a bootstrap build (its own feedstock's outputs are no edge, as for any node). */
function bootstrapDependencies(ctx: BootstrapContext, of: PackageNode, boot: PackageNode): Map<string, DependencyEdge> {
  return ctx.edges.dependenciesOf(boot, new Map([[of.id, boot.id]]));
}

/** Add a bootstrap build (rendered with `variant`, or `rendered` already) and its edges. */
async function addBootstrapNode(ctx: BootstrapContext, node: PackageNode, variant: Record<string, string>, rendered?: { node: PackageNode; warnings: RenderWarning[] }): Promise<PackageNode> {
  // A plugin (run.hooks.graph) may have added it already.
  if (ctx.graph.hasNode(`${node.id}@bootstrap`)) return ctx.graph.getNodeAttributes(`${node.id}@bootstrap`);
  const { node: boot, warnings } = rendered ?? (await ctx.renderBootstrap(node, variant));
  ctx.warnings.push(...warnings);
  // A bootstrap build that renders without python dependency is still needed: it is part of the chain.
  if (boot.status === 'excluded') {
    boot.status = 'planned';
    boot.reason = null;
    delete boot.exclusion;
  }
  ctx.graph.addNode(boot.id, boot);
  const deps = bootstrapDependencies(ctx, node, boot);
  for (const from of [...deps.keys()].sort()) if (ctx.graph.hasNode(from)) addDependencyEdge(ctx.graph, from, boot.id, deps.get(from)!);
  return boot;
}

interface WayOut {
  pick: string;
  variant: Record<string, string>;
  why: string;
  rendered?: { node: PackageNode; warnings: RenderWarning[] };
}

/** Members of a cycle that `id` needs to build (blocking edges), sorted. */
function neededMembers(graph: PackageGraph, id: string, members: ReadonlySet<string>): string[] {
  return graph.filterInNeighbors(id, (from) => members.has(from) && from !== id && graph.getEdgeAttributes(graph.edge(from, id)!).blocksBuild).sort();
}

/**
 * The bootstrap build that breaks a cycle: a member with a configured variant (the one most others
 * need), else a member whose recipe declares a bootstrap key and renders, with one of the truthy
 * values, without needing the other members. Null when there is none.
 */
async function findWayOut(ctx: BootstrapContext, members: string[], done: ReadonlySet<string>): Promise<WayOut | null> {
  const { graph } = ctx;
  const open = (id: string) => !graph.getNodeAttributes(id).bootstrap && !done.has(id);
  const configured = keyMember(graph, members, (id) => open(id) && bootstrapVariant(ctx.config, graph.getNodeAttributes(id)) !== null);
  if (configured !== null) {
    const node = graph.getNodeAttributes(configured);
    const variant = bootstrapVariant(ctx.config, node)!;
    const source = ctx.config.bootstrap.variants[node.feedstock] ? `bootstrap.variants['${node.feedstock}']` : 'bootstrap.python';
    return { pick: configured, variant, why: `${source} in the config: ${formatVariant(variant)}` };
  }
  const set = new Set(members);
  const counts = inCycleDependents(graph, members);
  // Tried in the order keyMember would pick them: the member most others need first.
  const declaring = members
    .filter((id) => open(id) && declaredBootstrapKeys(ctx.config, graph.getNodeAttributes(id)).size > 0)
    .sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
  for (const id of declaring) {
    const node = graph.getNodeAttributes(id);
    const closing = neededMembers(graph, id, set);
    for (const [key, declared] of declaredBootstrapKeys(ctx.config, node)) {
      for (const value of BOOTSTRAP_VALUES) {
        if (value === declared) continue;
        const variant = { [key]: value };
        const rendered = await ctx.renderBootstrap(node, variant);
        if (rendered.node.status === 'error') continue;
        const deps = bootstrapDependencies(ctx, node, rendered.node);
        if (members.some((m) => m !== id && deps.get(m)?.blocksBuild)) continue;
        const file = node.recipe ? relative(node.recipe.aggregate, node.recipe.file) : node.id;
        return {
          pick: id,
          variant,
          rendered,
          why:
            `${file} reads the variant key ${key} (${key}: ${declared} in its variant config); ` +
            `rendered with ${key}: ${value} it no longer needs ${closing.join(', ')} to build`,
        };
      }
    }
  }
  return null;
}

const formatVariant = (v: Record<string, string>) => `{ ${Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(', ')} }`;

/** Per graph and member: every redirect to a bootstrap build made so far (a later round keeps the earlier ones). */
const redirects = new WeakMap<PackageGraph, Map<string, Map<string, string>>>();

/** Recompute a member's incoming edges with `node` redirected to its bootstrap build (and the earlier redirects kept). */
function rewire(ctx: BootstrapContext, memberId: string, from: string, to: string): void {
  const member = ctx.graph.getNodeAttributes(memberId);
  let byMember = redirects.get(ctx.graph);
  if (!byMember) redirects.set(ctx.graph, (byMember = new Map()));
  const override = byMember.get(memberId) ?? new Map<string, string>();
  byMember.set(memberId, override.set(from, to));
  for (const e of ctx.graph.inEdges(memberId)) ctx.graph.dropEdge(e);
  const deps = ctx.edges.dependenciesOf(member, override);
  for (const dep of [...deps.keys()].sort()) if (ctx.graph.hasNode(dep)) addDependencyEdge(ctx.graph, dep, memberId, deps.get(dep)!);
}

/**
 * Is `to` reachable from `from` through build-blocking edges between planned nodes (every node of
 * the path after `from` planned)? Searched backwards from `to` through its dependencies: a chain
 * member's planned dependencies are few, while its dependents are most of the planned nodes.
 */
function reaches(graph: PackageGraph, from: string, to: string): boolean {
  if (from === to) return true;
  if (graph.getNodeAttributes(to).status !== 'planned') return false;
  const seen = new Set([to]);
  const queue = [to];
  let found = false;
  const visit = (source: string, node: PackageNode) => {
    if (seen.has(source)) return;
    if (source === from) found = true;
    else if (node.status === 'planned') seen.add(source), queue.push(source);
  };
  for (let i = 0; i < queue.length && !found; i++) graph.forEachBlockingInNeighbor(queue[i], visit);
  return found;
}

function chainEdge(output: string): DependencyEdge {
  return { blocksBuild: true, reasons: [{ section: 'build', spec: '(bootstrap chain)', output }] };
}

/**
 * The python chain: when python is planned and bootstrapped, add python@bootstrap, build the chain
 * members against it and in chain order, and python after the last. Returns the cycles it broke.
 */
export async function applyPythonChain(ctx: BootstrapContext): Promise<{ cycles: Cycle[]; bootstrapped: string | null; remaining?: string[][] }> {
  const { graph } = ctx;
  const pythonId = ctx.index.mainProvider('python');
  const python = pythonId && graph.hasNode(pythonId) ? graph.getNodeAttributes(pythonId) : null;
  if (!python || python.status !== 'planned' || !ctx.config.bootstrap.python) return { cycles: [], bootstrapped: null };
  const variant = bootstrapVariant(ctx.config, python)!;
  const members = pythonChain(ctx.config, ctx.target)
    .map((name) => ctx.index.mainProvider(name) ?? (graph.hasNode(name) ? name : null))
    .filter((id): id is string => id !== null && id !== pythonId && graph.getNodeAttributes(id).status === 'planned');
  const unique = [...new Set(members)];
  // The cycles the chain is meant to break, described before the graph changes.
  const before = plannedCycles(graph)
    .filter((c) => c.some((m) => unique.includes(m) || m === pythonId))
    .map((c) => ({ members: c, cycle: describeCycle(graph, c, `${pythonId}@bootstrap`) }));

  const boot = await addBootstrapNode(ctx, python, variant);
  for (const b of before) b.cycle.why = `the python chain (bootstrap.python): ${formatVariant(variant)}`;
  for (const m of unique) rewire(ctx, m, python.id, boot.id);
  const order = [...unique, python.id];
  for (let i = 0; i + 1 < order.length; i++) {
    const [a, b] = [order[i], order[i + 1]];
    if (reaches(graph, b, a)) {
      ctx.warnings.push({
        feedstock: graph.getNodeAttributes(b).feedstock,
        file: graph.getNodeAttributes(b).recipe?.file ?? '',
        message: `bootstrap chain: ${b} is needed to build ${a}, so the chain order ${a} → ${b} is not enforced`,
      });
      continue;
    }
    addDependencyEdge(graph, a, b, chainEdge(graph.getNodeAttributes(a).outputs[0] ?? a));
  }
  const remaining = plannedCycles(graph);
  const still = new Set(remaining.flat());
  const cycles = before.filter((b) => !b.members.every((m) => still.has(m))).map((b) => b.cycle);
  return { cycles, bootstrapped: python.id, remaining };
}

/**
 * Break the remaining cycles with bootstrap builds (per cycle, see findWayOut), repeatedly: a
 * bootstrap build may leave a smaller cycle behind, broken in the next round. Cycles left are
 * errors on their members, with a suggestion. Returns every cycle found, broken or not.
 */
export async function breakCycles(ctx: BootstrapContext, alreadyBootstrapped: Iterable<string> = [], current?: string[][]): Promise<Cycle[]> {
  const { graph } = ctx;
  const done = new Set(alreadyBootstrapped);
  const cycles: Cycle[] = [];
  // `current`: the graph's plannedCycles when it has not changed since (applyPythonChain's
  // `remaining`); a round that breaks nothing leaves the graph as it found it (findWayOut only
  // renders), so its cycles are the ones left.
  let found = current ?? plannedCycles(graph);
  for (;;) {
    let progress = false;
    for (const members of found) {
      const way = await findWayOut(ctx, members, done);
      if (way === null) continue;
      const { pick } = way;
      const node = graph.getNodeAttributes(pick);
      cycles.push({ ...describeCycle(graph, members, `${pick}@bootstrap`, pick), why: way.why });
      done.add(pick);
      const needing = blockingDependents(graph, pick).filter((d) => members.includes(d) && d !== pick);
      const boot = await addBootstrapNode(ctx, node, way.variant, way.rendered);
      for (const m of needing) rewire(ctx, m, pick, boot.id);
      progress = true;
    }
    if (!progress) break;
    found = plannedCycles(graph);
  }
  for (const members of found) {
    const cycle = describeCycle(graph, members, null);
    const readers = members.filter((m) => !graph.getNodeAttributes(m).bootstrap && declaredBootstrapKeys(ctx.config, graph.getNodeAttributes(m)).size > 0);
    if (readers.length) {
      const keys = (id: string) => [...declaredBootstrapKeys(ctx.config, graph.getNodeAttributes(id)).keys()].join(', ');
      cycle.suggestion =
        `${readers.map((r) => `${r} reads ${keys(r)}`).join('; ')} (declared in its variant config), but no value of ${BOOTSTRAP_VALUES.join(', ')} ` +
        `drops the requirements that close the cycle: check the recipe's conditions on it, or ${cycle.suggestion}`;
    }
    cycles.push(cycle);
    const reason = `in a dependency cycle: ${formatCyclePath(cycle.path)}; ${cycle.suggestion}`;
    for (const m of members) applyExclusion(graph.getNodeAttributes(m), { status: 'error', kind: 'cycle', reason });
  }
  return cycles;
}
