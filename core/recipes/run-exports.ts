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

/** specName, once per distinct spec text of a call (the same specs recur in every environment). */
type Names = (spec: string) => string;

function specNames(): Names {
  const names = new Map<string, string>();
  return (spec) => {
    let name = names.get(spec);
    if (name === undefined) names.set(spec, (name = specName(spec)));
    return name;
  };
}

/**
 * The exports of every package in the environment made from `specs` (transitively through run
 * requirements), breadth first. Run requirements are read as they are now: earlier outputs may
 * already have received their own exports.
 */
function environmentExports(specs: string[], index: Map<string, RenderedOutput>, self: string, ignoreFrom: Set<string>, nameOf: Names): Exported[] {
  const seen = new Set<string>();
  const queue = specs.map(nameOf);
  const out: Exported[] = [];
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i];
    if (seen.has(name) || name === self) continue;
    seen.add(name);
    const pkg = index.get(name);
    if (!pkg) continue;
    if (!ignoreFrom.has(name)) out.push(pkg.runExports);
    for (const dep of pkg.requirements.run) queue.push(nameOf(dep));
  }
  return out;
}

function addAll(target: string[], specs: string[], ignore: Set<string>, nameOf: Names): void {
  for (const spec of specs) if (!ignore.has(nameOf(spec)) && !target.includes(spec)) target.push(spec);
}

/**
 * Add the run_exports of packages built in the same aggregate to their dependents' requirements,
 * in place, per target. Idempotent: applying twice adds nothing more.
 */
export function applyRunExports(recipes: RenderedRecipe[]): void {
  const byTarget = new Map<string, RenderedRecipe[]>();
  for (const r of recipes) {
    const key = targetKey(r.target);
    let group = byTarget.get(key);
    if (!group) byTarget.set(key, (group = []));
    group.push(r);
  }
  const nameOf = specNames();
  for (const group of byTarget.values()) {
    const index = indexOutputs(group);
    for (const r of group)
      for (const v of r.variants)
        for (const o of v.outputs) {
          const ignore = new Set(o.ignoreRunExports?.names ?? []);
          const ignoreFrom = new Set(o.ignoreRunExports?.from ?? []);
          const req = o.requirements;
          const hasHost = req.host.length > 0;
          const fromBuild = environmentExports(req.build, index, o.name, ignoreFrom, nameOf);
          const fromHost = hasHost ? environmentExports(req.host, index, o.name, ignoreFrom, nameOf) : [];
          const run: string[] = [];
          const constrained: string[] = [];
          if (o.noarch) {
            for (const e of hasHost ? fromHost : fromBuild) run.push(...(e.noarch ?? []));
          } else {
            for (const e of fromBuild) {
              run.push(...e.strong);
              constrained.push(...(e.strong_constrains ?? []));
              if (hasHost) addAll(req.host, e.strong, ignore, nameOf);
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
          addAll(req.run, run, ignore, nameOf);
          addAll(req.run_constrained, constrained, ignore, nameOf);
        }
  }
}
