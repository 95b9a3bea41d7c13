// The task graph of a run: stage tasks (Nx's split: the plan's package graph is "what exists", this
// is "what to run"). Per planned node per target: build(X@t); test(X@t) after build(X@t) and the
// builds of X's other requirements in t and, through gates, of their run requirements, transitively (test-requirement cycles never
// block builds); transmute(X@t) after the test (or the build when tests are off). Per name-version:
// publish(group) after the last stage of X on every arch required for it (a join across targets).
// build(Y) waits for build(X) along build-blocking edges, and for test(X) too with
// tests.blocksDependents (unless that would close a cycle). A build made from another target's
// (run.hooks.buildFrom: a conversion) waits for that build: the one edge across targets besides publish.
import { targetKey, type BuildSource, type PackageNode, type StageName, type Subdir, type Target } from '../model/types.ts';
import type { Plan } from '../graph/plan.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import { stronglyConnectedComponents } from '../graph/scc.ts';
import type { SchedTask } from './scheduler.ts';
import { UserError } from '../model/errors.ts';
import { EXIT } from './exit-codes.ts';

export interface ExecTask {
  /** build: `<subdir>/py<python>/<node id>`; test, transmute: that + `#<stage>`; publish: `publish:<group key>`. */
  key: string;
  stage: StageName;
  /** The package × target this task belongs to (its build key); for publish, its first member's. */
  pkg: string;
  node: PackageNode;
  target: Target;
  /** Keys of the tasks this one needs done first. */
  deps: string[];
  /** Keys of the tasks that need this one. */
  dependents: string[];
  /** build tasks: the node's stage in its plan (`plan.stages`: its topological generation), when the plan has it. */
  generation?: number;
  /** publish tasks: the group. */
  group?: GroupSpec;
  /** test tasks: scheduler-only joins on what the test environment installs (`testEnvironmentGates`). */
  envGates?: string[];
  /** build tasks made from another target's build (`run.hooks.buildFrom`): that build's key, target, and why. */
  source?: { pkg: string; target: Target; reason: string };
  /** build tasks `run.hooks.buildFrom` said are built normally: why (shown in the status reason). */
  notDerived?: string;
}

/** A publish group as planned: its members in this run and the required arches it has no task for. */
export interface GroupSpec {
  key: string;
  name: string;
  version: string;
  python: string;
  /** Package keys (build keys) of the members built in this run, per arch. */
  members: string[];
  /** Required arches with no member in this run: a later look at the state database decides. */
  elsewhere: { subdir: Subdir; reason: string | null; status: string | null }[];
}

/** Which stages a run has (decided from the config and which hooks have plugins). */
export interface StageOptions {
  test: boolean;
  transmute: boolean;
  /** null: no publish stage. */
  publish: { requireArches: readonly Subdir[]; archExceptions: Readonly<Record<string, readonly Subdir[]>> } | null;
  blocksDependents: boolean;
  /** `run.hooks.buildFrom` when tapped: builds made from another target's build (a join across targets). */
  buildFrom?: (node: PackageNode, plans: readonly Plan[]) => BuildSource | undefined;
}

export const BUILD_ONLY: StageOptions = { test: false, transmute: false, publish: null, blocksDependents: false };

export const taskKey = (target: Target, id: string): string => `${targetKey(target)}/${id}`;
export const stageKey = (pkg: string, stage: StageName): string => (stage === 'build' ? pkg : `${pkg}#${stage}`);
export const publishKey = (group: string): string => `publish:${group}`;

/** The stages of one package on one target, in order (bootstrap builds are build-only: intermediate). */
export function packageStages(node: PackageNode, stages: StageOptions): StageName[] {
  if (node.bootstrap) return ['build'];
  const out: StageName[] = ['build'];
  if (stages.test) out.push('test');
  if (stages.transmute) out.push('transmute');
  return out;
}

/** The version a node builds (its first output's), for the publish group key. */
function nodeVersion(node: PackageNode): string {
  for (const v of node.variants) for (const o of v.outputs) if (o.version) return o.version;
  return node.extraVersion ?? '0';
}

export const groupKeyOf = (node: PackageNode, python: string): string => `${node.feedstock}-${nodeVersion(node)}-py${python}`;

export class UnknownPackageError extends UserError {
  override name = 'UnknownPackageError';
  constructor(
    readonly input: string,
    candidates: Iterable<string>,
    option: string,
  ) {
    // A usage error (exit 64), as an unknown name in `rebuild why` / `rebuild logs`.
    super(`${option}: no planned package named '${input}'${didYouMean(input, candidates)}`, EXIT.USAGE);
  }
}

function link(tasks: Map<string, ExecTask>, from: string, to: string): void {
  const a = tasks.get(from);
  const b = tasks.get(to);
  if (a && b) linkTasks(a, b);
}

function linkTasks(a: ExecTask, b: ExecTask): void {
  if (a === b || b.deps.includes(a.key)) return;
  b.deps.push(a.key);
  a.dependents.push(b.key);
}

/** Whether `to` is reachable from `from` along deps (would an edge to → from close a cycle?). */
function dependsOn(tasks: ReadonlyMap<string, ExecTask>, from: string, to: string): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    const t = tasks.get(stack.pop()!);
    if (!t) continue;
    for (const d of t.deps) {
      if (d === to) return true;
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return false;
}

/**
 * The stage tasks of a run's plans. `configuredArches`: every arch of the config (publish groups
 * require them by default, also those `--arch` leaves out of this run).
 */
export function buildTaskGraph(plans: readonly Plan[], stages: StageOptions = BUILD_ONLY, configuredArches?: readonly Subdir[]): Map<string, ExecTask> {
  const tasks = new Map<string, ExecTask>();
  /** Per package key: its last stage task (what its publish task waits on). */
  const lastStage = new Map<string, ExecTask>();
  for (const plan of plans) {
    const g = plan.graph;
    const prefix = `${targetKey(plan.target)}/`;
    // The plan's tasks by node id (the graph's own id strings: edges look their tasks up without
    // making a key string per edge).
    const builds = new Map<string, ExecTask>();
    const tests = new Map<string, ExecTask>();
    const generation = new Map<string, number>();
    plan.stages.forEach((ids, i) => {
      for (const id of ids) generation.set(id, i);
    });
    g.forEachNode((id, node) => {
      if (node.status !== 'planned') return;
      const pkg = prefix + id;
      let previous: ExecTask | null = null;
      for (const stage of packageStages(node, stages)) {
        const key = stageKey(pkg, stage);
        const t: ExecTask = { key, stage, pkg, node, target: plan.target, deps: [], dependents: [] };
        tasks.set(key, t);
        if (stage === 'build') {
          builds.set(id, t);
          const g = generation.get(id);
          if (g !== undefined) t.generation = g;
        }
        else if (stage === 'test') tests.set(id, t);
        if (previous) linkTasks(previous, t);
        previous = t;
      }
      lastStage.set(pkg, previous!);
    });
    const blocking: [string, string][] = [];
    g.forEachEdge((_edge, attr, source, target) => {
      if (!attr.blocksBuild || source === target) return;
      const to = builds.get(target);
      if (!to) return;
      // A dependency built on another target of the run (Exclusion.builtOn: a noarch package built for the first python).
      const builtOn = g.getNodeAttributes(source).exclusion?.builtOn;
      const from = builtOn ? tasks.get(taskKey(builtOn, source)) : builds.get(source);
      if (!from || from === to) return;
      linkTasks(from, to);
      blocking.push([from.key, to.key]);
    });
    if (stages.test) linkTestEnvironments(plan, builds, tests);
    if (stages.test && stages.blocksDependents) {
      for (const [from, to] of blocking) {
        const test = stageKey(from, 'test');
        if (tasks.has(test) && !dependsOn(tasks, test, to)) link(tasks, test, to);
      }
    }
  }
  if (stages.buildFrom) linkBuildSources(tasks, plans, stages.buildFrom);
  if (stages.publish) addPublishTasks(tasks, plans, stages.publish, lastStage, configuredArches ?? plans.map((p) => p.target.subdir));
  return tasks;
}

/**
 * build(X@t) made from build(X@from) (`run.hooks.buildFrom`, e.g. a conversion of a pure-Python
 * package): it waits for that build, whose artifacts the stage runner hands it. A source with no
 * build task in this run (not a target, not planned there), or one that would close a cycle, leaves
 * the build a normal one, with the reason.
 */
function linkBuildSources(tasks: Map<string, ExecTask>, plans: readonly Plan[], buildFrom: NonNullable<StageOptions['buildFrom']>): void {
  for (const t of [...tasks.values()]) {
    if (t.stage !== 'build') continue;
    const s = buildFrom(t.node, plans);
    if (!s) continue;
    if (!s.from) {
      t.notDerived = s.reason;
      continue;
    }
    const from = taskKey(s.from, t.node.id);
    if (from === t.key || !tasks.has(from) || dependsOn(tasks, from, t.key)) {
      t.notDerived = `not made from ${s.from.subdir}: ${t.node.id} has no build for ${targetKey(s.from)} in this run`;
      continue;
    }
    link(tasks, from, t.key);
    t.source = { pkg: from, target: s.from, reason: s.reason };
  }
}

/**
 * test(Y) waits for the builds of Y's direct requirements (any section). Its environment also holds
 * what those need at run time, transitively — a pure-python dependency's run requirements are not
 * built before it — so test(Y) also waits for one gate per direct requirement (`testEnvironmentGates`).
 */
function linkTestEnvironments(plan: Plan, builds: ReadonlyMap<string, ExecTask>, tests: ReadonlyMap<string, ExecTask>): void {
  plan.graph.forEachEdge((_edge, _attr, source, target) => {
    if (source === target) return;
    const from = builds.get(source);
    const test = from && tests.get(target);
    if (test) linkTasks(from, test);
  });
}

/**
 * What the scheduler waits on for a task: its deps, and for a test its environment's gates instead of
 * the builds of other packages (each gate already waits for its package's build).
 */
export function schedulerDeps(t: ExecTask, tasks: ReadonlyMap<string, ExecTask>): string[] {
  if (!t.envGates) return t.deps;
  return [...t.deps.filter((k) => tasks.get(k)?.pkg === t.pkg || tasks.get(k)?.stage !== 'build'), ...t.envGates];
}

/**
 * "Installable": per plan, one gate per strongly connected component of the run-requirement graph
 * (run edges, over every node: those not built in this run are walked through), done once the
 * component's planned builds are done and the gates of the components it needs at run time are. Each
 * test task gets `envGates`: the gates of its package's direct requirements. Linear in nodes and
 * edges: a closure per test would be quadratic (10 million dependencies for 25,000 packages of a
 * random web), where gates add one join per component.
 */
export function testEnvironmentGates(plans: readonly Plan[], tasks: ReadonlyMap<string, ExecTask>): SchedTask[] {
  const gates: SchedTask[] = [];
  for (const plan of plans) {
    const g = plan.graph;
    const prefix = `env:${targetKey(plan.target)}/`;
    /** Run requirements per node: the dependencies it has a `run` edge to (read once). */
    const runDepsOf = new Map<string, string[]>();
    g.forEachNode((id) => {
      const out: string[] = [];
      g.forEachInEdge(id, (_e, attr, source) => {
        if (source !== id && attr.reasons.some((r) => r.section === 'run')) out.push(source);
      });
      runDepsOf.set(id, out);
    });
    const components = stronglyConnectedComponents(g.nodes(), (id) => runDepsOf.get(id)!);
    const planGates: SchedTask[] = [];
    const componentOf = new Map<string, number>();
    // Each gate's id made once (sets and maps below hash each string once).
    const gateIds = components.map((_members, i) => prefix + i);
    components.forEach((members, i) => {
      for (const m of members) componentOf.set(m, i);
    });
    const taskPrefix = `${targetKey(plan.target)}/`;
    components.forEach((members, i) => {
      const deps = new Set<string>();
      for (const m of members) {
        const build = tasks.get(taskPrefix + m);
        if (build) deps.add(build.key);
        for (const r of runDepsOf.get(m)!) {
          const c = componentOf.get(r)!;
          if (c !== i) deps.add(gateIds[c]);
        }
      }
      planGates.push({ id: gateIds[i], deps: [...deps], gate: true });
    });
    const needed = new Set<string>();
    g.forEachNode((id) => {
      const test = tasks.get(stageKey(taskPrefix + id, 'test'));
      if (!test) return;
      const env = new Set<string>();
      g.forEachInEdge(id, (_e, _attr, source) => {
        if (source !== id) env.add(gateIds[componentOf.get(source)!]);
      });
      test.envGates = [...env];
      for (const e of env) needed.add(e);
    });
    // Only the gates some test waits on, directly or through other gates.
    const byId = new Map(planGates.map((gate) => [gate.id, gate]));
    const stack = [...needed];
    while (stack.length) {
      for (const d of byId.get(stack.pop()!)!.deps) {
        if (d.startsWith(prefix) && !needed.has(d)) {
          needed.add(d);
          stack.push(d);
        }
      }
    }
    for (const gate of planGates) if (needed.has(gate.id)) gates.push(gate);
  }
  return gates;
}

function addPublishTasks(
  tasks: Map<string, ExecTask>,
  plans: readonly Plan[],
  publish: NonNullable<StageOptions['publish']>,
  lastStage: ReadonlyMap<string, ExecTask>,
  configuredArches: readonly Subdir[],
): void {
  // Nodes by id and python, per arch: one group per name-version-python.
  const byGroup = new Map<string, { node: PackageNode; python: string; perArch: Map<Subdir, { plan: Plan; node: PackageNode }> }>();
  for (const plan of plans) {
    plan.graph.forEachNode((_id, node) => {
      if (node.bootstrap) return;
      const key = groupKeyOf(node, plan.target.python);
      let entry = byGroup.get(key);
      if (!entry) byGroup.set(key, (entry = { node, python: plan.target.python, perArch: new Map() }));
      entry.perArch.set(plan.target.subdir, { plan, node });
    });
  }
  /** Each list of required arches sorted once (most groups share the config's list). */
  const sortedArches = new Map<readonly Subdir[], Subdir[]>();
  for (const [key, { node, python, perArch }] of [...byGroup].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Only groups with something to build in this run get a task.
    let planned = false;
    for (const m of perArch.values()) if (m.node.status === 'planned') planned = true;
    if (!planned) continue;
    const required = publish.archExceptions[node.feedstock] ?? publish.archExceptions[node.id] ?? (publish.requireArches.length ? publish.requireArches : configuredArches);
    let arches = sortedArches.get(required);
    if (!arches) sortedArches.set(required, (arches = [...required].sort()));
    const members: string[] = [];
    const elsewhere: GroupSpec['elsewhere'] = [];
    for (const subdir of arches) {
      const m = perArch.get(subdir);
      if (!m) {
        // Not a target of this run (--arch), or the recipe gives no node there: the state decides.
        elsewhere.push({ subdir, reason: null, status: null });
        continue;
      }
      // Nothing of ours to publish there: excluded (noarch, skipped) or already present.
      if (m.node.status === 'excluded' || m.node.status === 'present') continue;
      if (m.node.status !== 'planned') {
        elsewhere.push({ subdir, reason: m.node.reason ?? m.node.exclusion?.reason ?? null, status: m.node.status });
        continue;
      }
      members.push(taskKey(m.plan.target, m.node.id));
    }
    if (!members.length) continue;
    const first = tasks.get(members[0])!;
    const pkey = publishKey(key);
    const publishTask: ExecTask = {
      key: pkey, stage: 'publish', pkg: members[0], node: first.node, target: first.target, deps: [], dependents: [],
      group: { key, name: node.feedstock, version: nodeVersion(node), python, members, elsewhere },
    };
    tasks.set(pkey, publishTask);
    for (const m of members) linkTasks(lastStage.get(m)!, publishTask);
  }
}

/** Every key reachable from `start` along `next` (start excluded). */
export function reachable(tasks: ReadonlyMap<string, ExecTask>, start: Iterable<string>, next: 'deps' | 'dependents'): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length) {
    const t = tasks.get(stack.pop()!);
    if (!t) continue;
    for (const k of t[next]) {
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(k);
    }
  }
  return seen;
}

/**
 * Task keys named by `names` (node id; else feedstock or output name), in every target of the run.
 * An unknown name is a UserError with the closest planned name.
 */
export function tasksNamed(tasks: ReadonlyMap<string, ExecTask>, names: readonly string[], option: string): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    // An exact node id wins (`python` is not `python@bootstrap`); else feedstock or output names.
    const all = [...tasks.values()].filter((t) => t.stage !== 'publish');
    let matches = all.filter((t) => t.node.id === name);
    if (!matches.length) matches = all.filter((t) => t.node.feedstock === name || t.node.outputs.includes(name));
    if (!matches.length) throw new UnknownPackageError(name, new Set(all.map((t) => t.node.id)), option);
    for (const t of matches) out.add(t.key);
  }
  return out;
}
