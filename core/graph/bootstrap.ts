// Bootstrap builds break dependency cycles: build a feedstock in bootstrap mode (its variant keys
// from `bootstrap.variants`, rendered through `run.hooks.render` with `variantOverrides`), build the
// cycle members that need it against that build, then build the feedstock again normally after them
// (conda-build's bootstrap variants; Fedora's "bconds"). The python chain is the built-in instance:
// python@bootstrap → [wincertstore on win-64] → certifi → setuptools → wheel → pip → python.
//
// Rewiring a member recomputes its edges with the feedstock's resolutions redirected to the
// bootstrap node, so the run requirements pulled into its build env are the bootstrap build's.
import type { Cycle, DependencyEdge, PackageNode, RenderWarning, Target } from '../engine/types.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import type { PackageGraph } from './package-graph.ts';
import type { OutputIndex } from './output-index.ts';
import { type EdgeBuilder, addDependencyEdge } from './edges.ts';
import { blockingDependents, describeCycle, keyMember, plannedCycles, formatCyclePath } from './cycles.ts';
import { applyExclusion } from './blocklist-propagation.ts';

export interface BootstrapContext {
  graph: PackageGraph;
  target: Target;
  config: Pick<ResolvedConfig, 'bootstrap'>;
  edges: EdgeBuilder;
  index: OutputIndex;
  /** Render the bootstrap build of a node (id `<node>@bootstrap`); an error node when it fails. */
  renderBootstrap(node: PackageNode, variant: Record<string, string>): Promise<PackageNode>;
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

/** The python chain for a target: `bootstrap.chain`, with wincertstore first on win-64. */
export function pythonChain(config: Pick<ResolvedConfig, 'bootstrap'>, target: Target): string[] {
  const chain = [...config.bootstrap.chain];
  if (target.subdir === 'win-64' && !chain.includes('wincertstore')) chain.unshift('wincertstore');
  return chain;
}

async function addBootstrapNode(ctx: BootstrapContext, node: PackageNode, variant: Record<string, string>): Promise<PackageNode> {
  // A plugin (run.hooks.graph) may have added it already.
  if (ctx.graph.hasNode(`${node.id}@bootstrap`)) return ctx.graph.getNodeAttributes(`${node.id}@bootstrap`);
  const boot = await ctx.renderBootstrap(node, variant);
  // A bootstrap build that renders without python dependency is still needed: it is part of the chain.
  if (boot.status === 'excluded') {
    boot.status = 'planned';
    boot.reason = null;
    delete boot.exclusion;
  }
  ctx.graph.addNode(boot.id, boot);
  const deps = ctx.edges.dependenciesOf(boot);
  for (const from of [...deps.keys()].sort()) if (ctx.graph.hasNode(from)) addDependencyEdge(ctx.graph, from, boot.id, deps.get(from)!);
  return boot;
}

/** Recompute a member's incoming edges with `node` redirected to its bootstrap build. */
function rewire(ctx: BootstrapContext, memberId: string, from: string, to: string): void {
  const member = ctx.graph.getNodeAttributes(memberId);
  for (const e of ctx.graph.inEdges(memberId)) ctx.graph.dropEdge(e);
  const deps = ctx.edges.dependenciesOf(member, new Map([[from, to]]));
  for (const dep of [...deps.keys()].sort()) if (ctx.graph.hasNode(dep)) addDependencyEdge(ctx.graph, dep, memberId, deps.get(dep)!);
}

/** Is `to` reachable from `from` through build-blocking edges between planned nodes? */
function reaches(graph: PackageGraph, from: string, to: string): boolean {
  const seen = new Set([from]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    if (queue[i] === to) return true;
    for (const next of blockingDependents(graph, queue[i])) if (!seen.has(next)) seen.add(next), queue.push(next);
  }
  return false;
}

function chainEdge(output: string): DependencyEdge {
  return { blocksBuild: true, reasons: [{ section: 'build', spec: '(bootstrap chain)', output }] };
}

/**
 * The python chain: when python is planned and bootstrapped, add python@bootstrap, build the chain
 * members against it and in chain order, and python after the last. Returns the cycles it broke.
 */
export async function applyPythonChain(ctx: BootstrapContext): Promise<{ cycles: Cycle[]; bootstrapped: string | null }> {
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
  const still = new Set(plannedCycles(graph).flat());
  const cycles = before.filter((b) => !b.members.every((m) => still.has(m))).map((b) => b.cycle);
  return { cycles, bootstrapped: python.id };
}

/**
 * Break the remaining cycles with declared bootstrap builds (per cycle, the member most others
 * need among those that declare one), repeatedly; cycles left are errors on their members, with a
 * suggestion. Returns every cycle found, broken or not.
 */
export async function breakCycles(ctx: BootstrapContext, alreadyBootstrapped: Iterable<string> = []): Promise<Cycle[]> {
  const { graph } = ctx;
  const done = new Set(alreadyBootstrapped);
  const cycles: Cycle[] = [];
  for (;;) {
    let progress = false;
    for (const members of plannedCycles(graph)) {
      const pick = keyMember(graph, members, (id) => {
        const n = graph.getNodeAttributes(id);
        return !n.bootstrap && !done.has(id) && bootstrapVariant(ctx.config, n) !== null;
      });
      if (pick === null) continue;
      const node = graph.getNodeAttributes(pick);
      cycles.push(describeCycle(graph, members, `${pick}@bootstrap`, pick));
      done.add(pick);
      const needing = blockingDependents(graph, pick).filter((d) => members.includes(d) && d !== pick);
      const boot = await addBootstrapNode(ctx, node, bootstrapVariant(ctx.config, node)!);
      for (const m of needing) rewire(ctx, m, pick, boot.id);
      progress = true;
    }
    if (!progress) break;
  }
  for (const members of plannedCycles(graph)) {
    const cycle = describeCycle(graph, members, null);
    cycles.push(cycle);
    const reason = `in a dependency cycle: ${formatCyclePath(cycle.path)}; ${cycle.suggestion}`;
    for (const m of members) applyExclusion(graph.getNodeAttributes(m), { status: 'error', kind: 'cycle', reason });
  }
  return cycles;
}
