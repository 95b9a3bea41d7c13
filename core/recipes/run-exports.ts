// run_exports between packages built in the same aggregate, as conda-build's add_upstream_pins
// applies them when it finalises a package:
//   - strong exports of the build environment → host (when the recipe has a host section) and run;
//   - weak and strong exports of the host environment → run (weak_constrains/strong_constrains → run_constrained);
//   - without a host section, the build environment is the host: its weak exports count too;
//   - noarch outputs only take the host environment's `noarch:` exports;
//   - the top-level build environment of a multi-output recipe takes its build's strong exports
//     into its host (it has no run section).
// An environment holds its direct requirements plus, transitively, their run requirements (what
// conda installs). Only packages rendered in the same aggregate and target are known here; the
// exports of channel packages are the builder's business. Specs are added once (exact text).
//
// Only the package that would be installed exports: when several renderings build a name (python-,
// python-3.10- and python-3.11-feedstock all build python), a spec takes the first rendering whose
// version satisfies the spec and, for the dependent's own build/host specs, its variant value for
// that name (python: always the target's); when none does, the package comes from a channel and
// nothing is exported from the aggregate (a 3.14 python's `python_abi 3.14.*` never reaches a 3.11
// build). Run requirements pulled in transitively carry their own pins and resolve by the spec.
import { targetKey, type RenderedOutput, type RenderedRecipe } from '../model/types.ts';
import { tryParseMatchSpec, versionMatches } from '../conda/match-spec.ts';
import { specName } from './finalize-output.ts';

type Exported = Required<Pick<RenderedOutput, 'runExports'>>['runExports'];

/** The outputs of one target by package name (every non-skipped variant's, in recipe order). */
export interface OutputsByName {
  get(name: string): RenderedOutput[] | undefined;
}

/** Index of the outputs of one target (every non-skipped variant's, in recipe order), by package name. */
function indexOutputs(recipes: RenderedRecipe[]): Map<string, RenderedOutput[]> {
  const byName = new Map<string, RenderedOutput[]>();
  for (const r of recipes)
    for (const v of r.variants) {
      if (v.skip) continue;
      for (const o of v.outputs) {
        const list = byName.get(o.name);
        if (!list) byName.set(o.name, [o]);
        else if (!list.includes(o)) list.push(o);
      }
    }
  return byName;
}

/** Does a version satisfy a spec's version (or a variant value, as conda-build pins it: `3.11` or `3.11.*`)? Unreadable counts as yes. */
function fits(spec: string, version: string, variantValue = false): boolean {
  try {
    return versionMatches(spec, version) || (variantValue && versionMatches(`${spec}.*`, version));
  } catch {
    return true;
  }
}

/** What the walks know of one spec text: its name, the index's candidates, its resolutions. */
interface SpecEntry {
  name: string;
  candidates: RenderedOutput[] | undefined;
  /** The name with `_` for `-`, when different (variant keys spell names either way). */
  variantKey: string | undefined;
  /** The spec's version constraint (null: none or unreadable), parsed on first resolution. */
  version: string | null | undefined;
  /** Resolved without a variant value, and per variant value. */
  plain: number | undefined;
  byValue: Map<string, number> | undefined;
}

/**
 * The packages of one target's index as small integers, with the ids of their run requirements,
 * for the environment walks: every output walks its build and host environments, so the walk is
 * made of array reads. A spec resolves to a package (a rendered output) or to nothing (a channel
 * package), once per spec text and variant value of its name. Run requirements are read as they
 * are at the walk (earlier outputs may already have received their own exports): `added` mirrors
 * every spec added to an indexed output.
 */
class Environments {
  private readonly ids = new Map<RenderedOutput, number>();
  private readonly pkgs: RenderedOutput[] = [];
  /** Per package id: the ids of its run requirements (made on first use). */
  private readonly runIds: (number[] | undefined)[] = [];
  /** Per spec text: its name, candidates and resolutions (one lookup per spec in the walks). */
  private readonly specs = new Map<string, SpecEntry>();
  /** The ids whose run requirements are read from each array (to mirror what is added to it). */
  private readonly readers = new Map<string[], number[]>();
  private readonly seen: number[] = [];
  private walk = 0;
  /** Per package id: the last run list that named it (to list each package once). */
  private readonly mark: number[] = [];
  private marks = 0;
  /** Per package id: does it export anything (the walks list only those)? */
  private readonly exporting: boolean[] = [];
  /** The variant of the output whose environment is walked, and the target python. */
  private variant: Record<string, string> = {};

  constructor(
    private readonly index: OutputsByName,
    private readonly python: string,
  ) {}

  private entry(spec: string): SpecEntry {
    let e = this.specs.get(spec);
    if (!e) {
      const name = specName(spec);
      const candidates = this.index.get(name);
      const variantKey = name.replace(/-/g, '_');
      e = { name, candidates, variantKey: variantKey === name ? undefined : variantKey, version: undefined, plain: undefined, byValue: undefined };
      this.specs.set(spec, e);
    }
    return e;
  }

  nameOfSpec(spec: string): string {
    return this.entry(spec).name;
  }

  /**
   * The package a spec installs, or -1 (from a channel). Direct build/host specs are pinned by the
   * dependent's variant (`withVariant`); run requirements of packages already carry their pins, and
   * resolve by the spec alone (python: the target's), so their resolution is shared by every walk.
   */
  specId(spec: string, withVariant = false): number {
    const e = this.entry(spec);
    if (!e.candidates) return -1;
    const own = withVariant ? (this.variant[e.name] ?? (e.variantKey === undefined ? undefined : this.variant[e.variantKey])) : undefined;
    const value = own ?? (e.name === 'python' ? this.python : undefined);
    let id = value === undefined ? e.plain : e.byValue?.get(value);
    if (id === undefined) {
      if (e.version === undefined) e.version = tryParseMatchSpec(spec)?.version ?? null;
      const version = e.version;
      const pkg = e.candidates.find((c) => (version === null || fits(version, c.version)) && (value === undefined || fits(value, c.version, true)));
      id = pkg ? this.idOf(pkg) : -1;
      if (value === undefined) e.plain = id;
      else (e.byValue ??= new Map()).set(value, id);
    }
    return id;
  }

  private idOf(pkg: RenderedOutput): number {
    let id = this.ids.get(pkg);
    if (id === undefined) {
      this.ids.set(pkg, (id = this.pkgs.length));
      this.pkgs.push(pkg);
      this.runIds.push(undefined);
      this.seen.push(-1);
      this.mark.push(0);
      const e = pkg.runExports;
      this.exporting.push(e.strong.length + e.weak.length + (e.strong_constrains?.length ?? 0) + (e.weak_constrains?.length ?? 0) + (e.noarch?.length ?? 0) > 0);
    }
    return id;
  }

  /**
   * The packages a package's run requirements install, each once, in the order of their first spec
   * (channel packages left out): a walk reaches a package through its first mention only, so the
   * later ones and the channel's change nothing — and run lists grown by exports repeat packages.
   */
  private runOf(id: number): number[] {
    let run = this.runIds[id];
    if (!run) {
      const specs = this.pkgs[id].requirements.run;
      const mark = ++this.marks;
      this.runIds[id] = run = [];
      for (const dep of specs) {
        const d = this.specId(dep);
        if (d >= 0 && this.mark[d] !== mark) {
          this.mark[d] = mark;
          run.push(d);
        }
      }
      const readers = this.readers.get(specs);
      if (readers) readers.push(id);
      else this.readers.set(specs, [id]);
    }
    return run;
  }

  /** `spec` was added to the run requirements array `specs`. */
  added(specs: string[], spec: string): void {
    const readers = this.readers.get(specs);
    if (!readers) return;
    const d = this.specId(spec);
    if (d < 0) return;
    for (const id of readers) {
      const run = this.runIds[id]!;
      if (!run.includes(d)) run.push(d);
    }
  }

  /** Walk the environments of an output of this variant next. */
  use(variant: Record<string, string>): void {
    this.variant = variant;
  }

  /** The exports of every package in the environment made from `specs` (transitively through run requirements), breadth first. */
  exports(specs: string[], self: string, ignoreFrom: ReadonlySet<string>): Exported[] {
    // A package is marked when queued: it is visited at its first mention, as with a mark when
    // visited, but each package is queued once (queues held every edge of the environment).
    const walk = this.walk++;
    const seen = this.seen;
    const queue: number[] = [];
    for (const spec of specs) {
      const id = this.specId(spec, true);
      if (id >= 0 && seen[id] !== walk) {
        seen[id] = walk;
        queue.push(id);
      }
    }
    const out: Exported[] = [];
    // The hottest loop of applying run_exports (1,300 real-size recipes: ~250 M run-list entries).
    const { pkgs, runIds, exporting } = this;
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      const pkg = pkgs[id];
      if (pkg.name === self) continue;
      if (exporting[id] && (!ignoreFrom.size || !ignoreFrom.has(pkg.name))) out.push(pkg.runExports);
      const run = runIds[id] ?? this.runOf(id);
      for (let j = 0; j < run.length; j++) {
        const dep = run[j];
        if (seen[dep] !== walk) {
          seen[dep] = walk;
          queue.push(dep);
        }
      }
    }
    return out;
  }
}

const NONE: ReadonlySet<string> = new Set();

/** Add `specs` not yet in `target` (nor ignored). */
function addAll(target: string[], specs: string[], ignore: ReadonlySet<string>, env: Environments): void {
  if (!specs.length) return;
  // Requirement lists are short: a scan costs less than a Set of them (made for long ones only).
  const present = target.length + specs.length > 32 ? new Set(target) : null;
  for (const spec of specs) {
    if ((ignore.size && ignore.has(env.nameOfSpec(spec))) || (present ? present.has(spec) : target.includes(spec))) continue;
    target.push(spec);
    present?.add(spec);
    env.added(target, spec);
  }
}

/** Append `specs` to `to` (a loop: spread pushes and `?? []` cost more in the walks' hot path). */
function append(to: string[], specs: readonly string[] | undefined): void {
  if (specs) for (let i = 0; i < specs.length; i++) to.push(specs[i]);
}

/** Apply the exports of the environments of `r`'s outputs (and top-level build) to `r`'s own requirements. */
function applyToRecipe(r: RenderedRecipe, env: Environments): void {
  for (const v of r.variants) {
    env.use(v.variant);
    // The top-level build environment of a multi-output recipe (no package of its own): strong
    // exports of its build go to its host, as for an output; nothing goes to a run section.
    const top = v.requirements;
    if (top?.host.length) {
      const strong: string[] = [];
      for (const e of env.exports(top.build, '', NONE)) append(strong, e.strong);
      addAll(top.host, strong, NONE, env);
    }
    for (const o of v.outputs) {
      const ignore = o.ignoreRunExports ? new Set(o.ignoreRunExports.names) : NONE;
      const ignoreFrom = o.ignoreRunExports ? new Set(o.ignoreRunExports.from) : NONE;
      const req = o.requirements;
      const hasHost = req.host.length > 0;
      const fromBuild = env.exports(req.build, o.name, ignoreFrom);
      const fromHost = hasHost ? env.exports(req.host, o.name, ignoreFrom) : [];
      const run: string[] = [];
      const constrained: string[] = [];
      if (o.noarch) {
        for (const e of hasHost ? fromHost : fromBuild) append(run, e.noarch);
      } else {
        // One addAll of them all adds what one per package would, in the same order (the walks are done).
        const toHost: string[] = [];
        for (const e of fromBuild) {
          append(run, e.strong);
          append(constrained, e.strong_constrains);
          if (hasHost) append(toHost, e.strong);
          else {
            append(run, e.weak);
            append(constrained, e.weak_constrains);
          }
        }
        addAll(req.host, toHost, ignore, env);
        for (const e of fromHost) {
          append(run, e.strong);
          append(run, e.weak);
          append(constrained, e.strong_constrains);
          append(constrained, e.weak_constrains);
        }
      }
      addAll(req.run, run, ignore, env);
      addAll(req.run_constrained, constrained, ignore, env);
    }
  }
}

/**
 * The requirement arrays of a recipe that its exports may grow, in a fixed order: per variant its
 * top-level host, then per output host, run and run_constrained. An array met twice (shared by two
 * outputs) is listed once.
 */
export function exportTargets(r: RenderedRecipe): string[][] {
  const out: string[][] = [];
  const seen = new Set<string[]>();
  const add = (a: string[] | undefined) => {
    if (a && !seen.has(a)) {
      seen.add(a);
      out.push(a);
    }
  };
  for (const v of r.variants) {
    add(v.requirements?.host);
    for (const o of v.outputs) {
      add(o.requirements.host);
      add(o.requirements.run);
      add(o.requirements.run_constrained);
    }
  }
  return out;
}

/** What applying the exports appended to each of a recipe's exportTargets, in order. */
export type ExportAdditions = string[][];

/**
 * A replay of an earlier application (run-exports-memo.ts): for a recipe, the additions known to be
 * what its walk would add (they are appended as the walk would, without walking), or undefined to
 * walk; `walked` is told what a walk added.
 */
export interface RunExportsReplay {
  additions(r: RenderedRecipe): ExportAdditions | undefined;
  walked(r: RenderedRecipe, added: ExportAdditions): void;
  /** The outputs by name, when known without reading every recipe's variants (default: all read). */
  index?: OutputsByName;
  /**
   * Run `append` (the replayed additions) when `r`'s variants are first read, if they are not yet
   * (true): a recipe nothing reads before is not read for its replay. Its arrays have no reader in
   * the walks until then, and a walk that reads it after its turn gets it with its additions.
   */
  defer?(r: RenderedRecipe, append: () => void): boolean;
}

/**
 * Add the run_exports of packages built in the same aggregate to their dependents' requirements,
 * in place, per target. Idempotent: applying twice adds nothing more. With `only`, the exports of
 * all `recipes` are applied to the `only` ones alone (a recipe rendered later, e.g. a bootstrap
 * build, gets what it would have got with the others; `only` must be among `recipes`). With
 * `replay`, a recipe's additions may come from an earlier application instead of its walk.
 */
export function applyRunExports(recipes: RenderedRecipe[], only?: ReadonlySet<RenderedRecipe>, replay?: RunExportsReplay): void {
  const byTarget = new Map<string, RenderedRecipe[]>();
  for (const r of recipes) {
    const key = targetKey(r.target);
    let group = byTarget.get(key);
    if (!group) byTarget.set(key, (group = []));
    group.push(r);
  }
  for (const group of byTarget.values()) {
    const env = new Environments(replay?.index ?? indexOutputs(group), group[0].target.python);
    for (const r of group) {
      if (only && !only.has(r)) continue;
      const stored = replay?.additions(r);
      if (stored) {
        // Appended in each array's order, as the walk appends them (the environments mirror them).
        const append = () =>
          exportTargets(r).forEach((target, i) => {
            for (const spec of stored[i] ?? []) {
              target.push(spec);
              env.added(target, spec);
            }
          });
        if (!replay!.defer?.(r, append)) append();
        continue;
      }
      if (!replay) {
        applyToRecipe(r, env);
        continue;
      }
      const targets = exportTargets(r);
      const before = targets.map((t) => t.length);
      applyToRecipe(r, env);
      replay.walked(r, targets.map((t, i) => t.slice(before[i])));
    }
  }
}
