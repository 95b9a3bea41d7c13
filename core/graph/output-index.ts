// Output index: output package name → the nodes that build it, and which one a match spec means.
//
// Per output name the "main" provider is chosen once: the only non-extra candidate; else the one
// `selection.prefer[name]` names. Otherwise a feedstock is chosen or passed over as a unit (python-,
// python-3.10- and python-3.11-feedstock all build python, libpython-static, ...): the one a
// `selection.prefer` entry of another output every candidate builds names (so one entry decides
// them all); else the candidate whose rendered versions fit the target (it builds python at the
// target's version); else the output is ambiguous (an error naming all candidates). A candidate whose variants are all skipped for the
// target builds nothing here, so it is no candidate at all.
// Extra versions (`RecipeRef.extraVersion`) never compete for main: a spec resolves to the main
// provider when its version satisfies the spec, else to the newest extra version that does, else to
// nothing (the spec is met from channels). Lookups are O(1) per name and cached per spec text.
import type { PackageNode, Target } from '../model/types.ts';
import { type MatchSpec, compareVersions, versionMatches } from '../conda/match-spec.ts';

export interface Provider {
  id: string;
  feedstock: string;
  /** Distinct rendered versions of this output in the node's variants; empty = unknown (matches any). */
  versions: string[];
  extraVersion?: string;
}

export interface AmbiguousOutput {
  output: string;
  candidates: string[];
}

/** A candidate that did not become the main provider of an output, and who did. */
export interface LostOutput {
  output: string;
  winner: string;
  why: 'prefer' | 'fit';
  /** With why 'fit': the winner's python version(s) for the target. */
  detail?: string;
}

export type Resolution =
  | { kind: 'node'; node: string; output: string }
  | { kind: 'ambiguous'; candidates: string[]; output: string };

export interface OutputIndexOptions {
  target: Target;
  prefer?: Record<string, string>;
  /** Called for problems that are not errors (a prefer entry naming no candidate, a bad version spec). */
  warn?: (message: string, node?: string) => void;
  /** A node's outputs' versions when known without reading its variants (node-memo.ts); else outputVersions(node). */
  versionsOf?: (node: PackageNode) => OutputVersions | undefined;
}

/** Per output name (lower case), the distinct versions its non-skipped variants render, in variant order. */
export type OutputVersions = [name: string, versions: string[]][];

export function outputVersions(node: PackageNode): OutputVersions {
  const versions = new Map<string, Set<string>>();
  for (const v of node.variants) {
    if (v.skip) continue;
    for (const o of v.outputs) {
      const name = o.name.toLowerCase();
      let set = versions.get(name);
      if (!set) versions.set(name, (set = new Set()));
      set.add(o.version);
    }
  }
  return [...versions].map(([name, set]) => [name, [...set]]);
}

const AMBIGUOUS = Symbol('ambiguous');

export class OutputIndex {
  private readonly byName = new Map<string, Provider[]>();
  private readonly main = new Map<string, Provider | typeof AMBIGUOUS>();
  private readonly extras = new Map<string, Provider[]>();
  readonly ambiguous: AmbiguousOutput[] = [];
  /** Per node id, the outputs it lost to another candidate. */
  readonly lost = new Map<string, LostOutput[]>();
  private readonly warn: (message: string, node?: string) => void;
  private readonly badSpecs = new Set<string>();
  /** Per node id: its outputs' versions (names lower case), read for the outputs it builds (`outputsOf`). */
  private readonly versionsById = new Map<string, OutputVersions>();

  /** Index the outputs of `nodes` (bootstrap nodes are never providers; error nodes stand in for their feedstock name). */
  constructor(nodes: Iterable<PackageNode>, private readonly options: OutputIndexOptions) {
    this.warn = options.warn ?? (() => {});
    const fallbacks: PackageNode[] = [];
    for (const node of nodes) {
      if (node.bootstrap) continue;
      if (node.status === 'error' && !node.variants.length) {
        fallbacks.push(node);
        continue;
      }
      const versions = options.versionsOf?.(node) ?? outputVersions(node);
      this.versionsById.set(node.id, versions);
      for (const [name, list] of versions) {
        const providers = this.byName.get(name) ?? [];
        providers.push({ id: node.id, feedstock: node.feedstock, versions: [...list], extraVersion: node.extraVersion });
        this.byName.set(name, providers);
      }
    }
    // A recipe that failed to render still answers for its feedstock name, so dependents are blocked by it.
    for (const node of fallbacks) {
      const name = node.feedstock.toLowerCase();
      if (!this.byName.has(name)) this.byName.set(name, [{ id: node.id, feedstock: node.feedstock, versions: [], extraVersion: node.extraVersion }]);
    }
    for (const [name, list] of this.byName) this.chooseMain(name, list);
  }

  private chooseMain(name: string, list: Provider[]): void {
    // One provider, not an extra version (nearly every name): it is the main one.
    if (list.length === 1 && list[0].extraVersion === undefined) {
      this.main.set(name, list[0]);
      return;
    }
    const mains = list.filter((p) => p.extraVersion === undefined);
    const extras = list.filter((p) => p.extraVersion !== undefined);
    if (extras.length) {
      // Newest first, so the first extra satisfying a spec is the newest that does.
      const newest = (p: Provider) => p.versions.reduce((a, b) => (safeCompare(a, b) >= 0 ? a : b), p.versions[0] ?? '0');
      extras.sort((a, b) => safeCompare(newest(b), newest(a)) || a.id.localeCompare(b.id));
      this.extras.set(name, extras);
    }
    if (!mains.length) return;
    if (mains.length === 1) {
      this.main.set(name, mains[0]);
      return;
    }
    const sorted = [...mains].sort((a, b) => a.id.localeCompare(b.id));
    const preferred = this.options.prefer?.[name];
    if (preferred !== undefined) {
      const winner = sorted.find((p) => p.feedstock === preferred || p.id === preferred);
      if (winner) return this.win(name, winner, sorted, 'prefer');
      this.warn(`selection.prefer.${name} names '${preferred}', which does not build ${name} (candidates: ${sorted.map((p) => p.id).join(', ')})`);
    }
    const unit = this.preferredUnit(name, sorted);
    if (unit) return this.win(name, unit, sorted, 'prefer');
    const fit = sorted.filter((p) => this.fits(p));
    if (fit.length === 1) return this.win(name, fit[0], sorted, 'fit');
    this.main.set(name, AMBIGUOUS);
    this.ambiguous.push({ output: name, candidates: sorted.map((p) => p.id) });
  }

  /** The python versions a candidate's node builds for the target (its `python` output). */
  private pythonVersions(p: Provider): string[] {
    return this.byName.get('python')?.find((q) => q.id === p.id)?.versions ?? [];
  }

  /** Does this candidate feedstock suit the target as a whole? It builds python at the target's version. */
  private fits(p: Provider): boolean {
    return this.pythonVersions(p).some((v) => this.matches(`${this.options.target.python}.*`, v, p.id));
  }

  /**
   * The candidate a `selection.prefer` entry for another output names, when that output is one every
   * candidate builds (the feedstocks compete as units): `prefer: { python: 'python-3.11' }` also
   * decides libpython-static.
   */
  private preferredUnit(name: string, candidates: Provider[]): Provider | null {
    const prefer = this.options.prefer ?? {};
    const outputs = candidates.map((c) => this.outputsOf(c.id));
    const shared = [...outputs[0]].filter((o) => o !== name && outputs.every((set) => set.has(o)));
    const named = new Set<Provider>();
    for (const o of shared.sort()) {
      const want = prefer[o];
      const hit = want === undefined ? undefined : candidates.find((c) => c.feedstock === want || c.id === want);
      if (hit) named.add(hit);
    }
    return named.size === 1 ? [...named][0] : null;
  }

  /** The outputs a node builds for the target (lower case; none for a node not indexed by its versions). */
  private outputsOf(id: string): Set<string> {
    return new Set((this.versionsById.get(id) ?? []).map(([name]) => name));
  }

  private win(name: string, winner: Provider, all: Provider[], why: LostOutput['why']): void {
    this.main.set(name, winner);
    for (const p of all) {
      if (p === winner) continue;
      const lost = this.lost.get(p.id) ?? [];
      lost.push({ output: name, winner: winner.id, why, ...(why === 'fit' ? { detail: `python ${this.pythonVersions(winner).join(', ')}` } : {}) });
      this.lost.set(p.id, lost);
    }
  }

  private matches(version: string | null, candidate: string, node: string): boolean {
    if (version === null) return true;
    try {
      return versionMatches(version, candidate);
    } catch (err) {
      const key = `${version}\0${candidate}`;
      if (!this.badSpecs.has(key)) {
        this.badSpecs.add(key);
        this.warn(`cannot compare version ${candidate} of ${node} with '${version}': ${(err as Error).message}; counted as a match`, node);
      }
      return true;
    }
  }

  private satisfies(spec: MatchSpec, p: Provider): boolean {
    if (spec.version === null || !p.versions.length) return true;
    return p.versions.some((v) => this.matches(spec.version, v, p.id));
  }

  /** Every provider of an output name (main and extra versions). */
  providers(name: string): Provider[] {
    return this.byName.get(name.toLowerCase()) ?? [];
  }

  /** The main provider's node id of an output, null when none or ambiguous. */
  mainProvider(name: string): string | null {
    const m = this.main.get(name.toLowerCase());
    return m && m !== AMBIGUOUS ? m.id : null;
  }

  /** Which node a spec means, or null when no aggregate output satisfies it (it comes from channels). */
  resolve(spec: MatchSpec): Resolution | null {
    const name = spec.name;
    const m = this.main.get(name);
    if (m === AMBIGUOUS) {
      return { kind: 'ambiguous', candidates: this.byName.get(name)!.filter((p) => p.extraVersion === undefined).map((p) => p.id).sort(), output: name };
    }
    if (m && this.satisfies(spec, m)) return { kind: 'node', node: m.id, output: name };
    for (const p of this.extras.get(name) ?? []) {
      if (this.satisfies(spec, p)) return { kind: 'node', node: p.id, output: name };
    }
    return null;
  }
}

function safeCompare(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return a.localeCompare(b);
  }
}
