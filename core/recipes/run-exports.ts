// run_exports between packages built in the same aggregate, as conda-build's add_upstream_pins
// applies them when it finalises a package:
//   - strong exports of the build environment → host (when the recipe has a host section) and run;
//   - weak and strong exports of the host environment → run (weak_constrains/strong_constrains → run_constrained);
//   - without a host section, the build environment is the host: its weak exports count too;
//   - noarch outputs only take the host environment's `noarch:` exports.
// An environment holds its direct requirements plus, transitively, their run requirements (what
// conda installs). Only packages rendered in the same aggregate and target are known here; the
// exports of channel packages are the builder's business. Specs are added once (exact text).
import { targetKey, type RenderedOutput, type RenderedRecipe } from '../engine/types.ts';
import { specName } from './finalize-output.ts';

type Exported = Required<Pick<RenderedOutput, 'runExports'>>['runExports'];

/** Index of the outputs (first non-skipped variant wins) of one target, by package name. */
function indexOutputs(recipes: RenderedRecipe[]): Map<string, RenderedOutput> {
  const byName = new Map<string, RenderedOutput>();
  for (const r of recipes)
    for (const v of r.variants) {
      if (v.skip) continue;
      for (const o of v.outputs) if (!byName.has(o.name)) byName.set(o.name, o);
    }
  return byName;
}

/**
 * The packages of one target's index as small integers, with the names of their run requirements,
 * for the environment walks: every output walks its build and host environments, so the walk is
 * made of array reads. Run requirements are read as they are at the walk (earlier outputs may
 * already have received their own exports): `added` mirrors every spec added to an indexed output.
 */
class Environments {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly specIds = new Map<string, number>();
  /** Per id: the indexed output of that name, and the ids of its run requirements (made on first use). */
  private readonly pkgs: (RenderedOutput | undefined)[] = [];
  private readonly runIds: (number[] | undefined)[] = [];
  /** The ids whose run requirements are read from each array (to mirror what is added to it). */
  private readonly readers = new Map<string[], number[]>();
  private readonly seen: number[] = [];
  private walk = 0;

  constructor(private readonly index: Map<string, RenderedOutput>) {}

  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
      this.pkgs.push(this.index.get(name));
      this.runIds.push(undefined);
      this.seen.push(-1);
    }
    return id;
  }

  specId(spec: string): number {
    let id = this.specIds.get(spec);
    if (id === undefined) this.specIds.set(spec, (id = this.idOf(specName(spec))));
    return id;
  }

  nameOfSpec(spec: string): string {
    return this.names[this.specId(spec)];
  }

  private runOf(id: number, pkg: RenderedOutput): number[] {
    let run = this.runIds[id];
    if (!run) {
      const specs = pkg.requirements.run;
      this.runIds[id] = run = specs.map((dep) => this.specId(dep));
      const readers = this.readers.get(specs);
      if (readers) readers.push(id);
      else this.readers.set(specs, [id]);
    }
    return run;
  }

  /** `spec` was added to the run requirements array `specs`. */
  added(specs: string[], spec: string): void {
    for (const id of this.readers.get(specs) ?? []) this.runIds[id]!.push(this.specId(spec));
  }

  /** The exports of every package in the environment made from `specs` (transitively through run requirements), breadth first. */
  exports(specs: string[], self: string, ignoreFrom: ReadonlySet<string>): Exported[] {
    const walk = this.walk++;
    const selfId = this.idOf(self);
    const queue = specs.map((spec) => this.specId(spec));
    const out: Exported[] = [];
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      if (this.seen[id] === walk || id === selfId) continue;
      this.seen[id] = walk;
      const pkg = this.pkgs[id];
      if (!pkg) continue;
      if (!ignoreFrom.size || !ignoreFrom.has(this.names[id])) out.push(pkg.runExports);
      for (const dep of this.runOf(id, pkg)) queue.push(dep);
    }
    return out;
  }
}

const NONE: ReadonlySet<string> = new Set();

/** Add `specs` not yet in `target` (nor ignored). */
function addAll(target: string[], specs: string[], ignore: ReadonlySet<string>, env: Environments): void {
  if (!specs.length) return;
  const present = new Set(target);
  for (const spec of specs) {
    if ((ignore.size && ignore.has(env.nameOfSpec(spec))) || present.has(spec)) continue;
    target.push(spec);
    present.add(spec);
    env.added(target, spec);
  }
}

/**
 * Add the run_exports of packages built in the same aggregate to their dependents' requirements,
 * in place, per target. Idempotent: applying twice adds nothing more. With `only`, the exports of
 * all `recipes` are applied to the `only` ones alone (a recipe rendered later, e.g. a bootstrap
 * build, gets what it would have got with the others; `only` must be among `recipes`).
 */
export function applyRunExports(recipes: RenderedRecipe[], only?: ReadonlySet<RenderedRecipe>): void {
  const byTarget = new Map<string, RenderedRecipe[]>();
  for (const r of recipes) {
    const key = targetKey(r.target);
    let group = byTarget.get(key);
    if (!group) byTarget.set(key, (group = []));
    group.push(r);
  }
  for (const group of byTarget.values()) {
    const env = new Environments(indexOutputs(group));
    for (const r of group) {
      if (only && !only.has(r)) continue;
      for (const v of r.variants)
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
            for (const e of hasHost ? fromHost : fromBuild) run.push(...(e.noarch ?? []));
          } else {
            for (const e of fromBuild) {
              run.push(...e.strong);
              constrained.push(...(e.strong_constrains ?? []));
              if (hasHost) addAll(req.host, e.strong, ignore, env);
              else {
                run.push(...e.weak);
                constrained.push(...(e.weak_constrains ?? []));
              }
            }
            for (const e of fromHost) {
              run.push(...e.strong, ...e.weak);
              constrained.push(...(e.strong_constrains ?? []), ...(e.weak_constrains ?? []));
            }
          }
          addAll(req.run, run, ignore, env);
          addAll(req.run_constrained, constrained, ignore, env);
        }
    }
  }
}
