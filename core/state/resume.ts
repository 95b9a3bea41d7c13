// Resume rules: what a new `rebuild run` does with each stage task, given the state database.
// - build done (its stage row done, every recorded artifact present with its sha256) → kept;
// - a later stage (test, transmute) done after a kept build → kept; publish(group) published with
//   every member kept → kept: a run continues at each package's first unfinished stage;
// - a failed stage → kept failed (what needs it blocked or held) unless --retry-failed or --retry NAME,
//   which retry that stage only (a failed test re-runs the test, not the build);
// - anything else (never run, interrupted, left running by a killed run) → to run;
// - a recipe whose hash changed → every stage again, with every transitive dependent;
// - a stage to run makes the later stages of its package (and its group's publish) run again;
// - --only / --from narrow the scope (the tasks considered at all) to a subset plus what it needs.
import type { FailureClass, TaskStatus } from '../model/types.ts';
import { reachable, tasksNamed, type ExecTask } from '../engine/task-graph.ts';
import { verifyFile } from './file-hash.ts';
import type { ArtifactRecord, StateDb } from './state-db.ts';

export interface ResumeOptions {
  retryFailed?: boolean;
  /** Names (node id, feedstock or output) whose failures are retried. */
  retry?: readonly string[];
  /** Build only these and their unbuilt dependencies. */
  only?: readonly string[];
  /** Build this, everything depending on it, and their unbuilt dependencies. */
  from?: string;
}

export type StartKind = 'done' | 'todo' | 'failed';

export interface ResumeDecision {
  key: string;
  /** The package row of the task (for publish: of its first member). */
  packageId: number;
  /** publish tasks: the group's row. */
  groupId?: number;
  kind: StartKind;
  /** For done: the stored status; for failed: 'failed'; for todo: the stored status (history). */
  status: TaskStatus;
  reason: string | null;
  failure: FailureClass | null;
  /** False when --only/--from leave this task out of the run. */
  inScope: boolean;
  /** The stored recipe hash differs from the planned one. */
  recipeChanged: boolean;
  /** A recorded artifact missing or changed on disk (size/sha256 vs the state): the channel index must not list it. */
  lostArtifact?: string;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

/**
 * Every transitive dependent of a changed task that is not changed itself → the first changed task
 * (in `changed` order) it depends on. One walk over the graph in all: a task reached from an
 * earlier changed task is not walked again, since all it reaches was attributed then (a walk per
 * changed task made a recipe-wide change, e.g. a new pin, quadratic in the number of packages).
 */
function invalidations(tasks: ReadonlyMap<string, ExecTask>, changed: readonly ExecTask[], changedKeys: ReadonlySet<string>): Map<string, string> {
  const invalidatedBy = new Map<string, string>();
  const visited = new Set<string>();
  for (const t of changed) {
    visited.add(t.key);
    const stack = [t.key];
    while (stack.length) {
      const current = tasks.get(stack.pop()!);
      if (!current) continue;
      for (const k of current.dependents) {
        // Builds invalidate builds (a test waiting for a build is not built against it).
        if (visited.has(k) || tasks.get(k)?.stage !== 'build') continue;
        visited.add(k);
        const pkg = tasks.get(k)?.pkg ?? k;
        if (!changedKeys.has(pkg) && !invalidatedBy.has(pkg)) invalidatedBy.set(pkg, t.node.id);
        stack.push(k);
      }
    }
  }
  return invalidatedBy;
}

/** Decide every task's starting point; inserts missing package and group rows. Writes no status. */
export async function decideResume(tasks: ReadonlyMap<string, ExecTask>, db: StateDb, options: ResumeOptions = {}): Promise<Map<string, ResumeDecision>> {
  const retry = options.retry?.length ? tasksNamed(tasks, options.retry, '--retry') : new Set<string>();
  const only = options.only?.length ? tasksNamed(tasks, options.only, '--only') : null;
  const from = options.from ? tasksNamed(tasks, [options.from], '--from') : null;

  // One query for the existing rows, one transaction for the missing ones (per package: its build task).
  const builds = [...tasks.values()].filter((t) => t.stage === 'build');
  // New rows in the order the run will build them (their plan's stages, then as planned): the
  // builds released together then have neighbouring rows, so the writes of one commit share
  // database pages (a build's two writes cost the writer thread 45 µs instead of 58 in the bench's
  // 25,000-package run: bench/README, session 9).
  const order = builds.map((t, i) => [t.generation ?? Infinity, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => builds[i]);
  const ensured = db.ensurePackages(order.map((t) => ({
    key: { node: t.node.id, subdir: t.target.subdir, python: t.target.python },
    info: { feedstock: t.node.feedstock, outputs: t.node.outputs, recipeHash: t.node.recipeHash },
  })));
  const rows = new Map(order.map((t, i) => [t.pkg, ensured[i]]));

  const changed = builds.filter((t) => {
    const { row, existed } = rows.get(t.pkg)!;
    return existed && row.recipeHash !== t.node.recipeHash;
  });
  const changedKeys = new Set(changed.map((t) => t.key));
  const invalidatedBy = invalidations(tasks, changed, changedKeys);

  let scope: Set<string> | null = null;
  if (only || from) {
    scope = new Set<string>();
    if (only) for (const k of only) scope.add(k);
    if (from) for (const k of [...from, ...reachable(tasks, from, 'dependents')]) scope.add(k);
    for (const k of reachable(tasks, scope, 'deps')) scope.add(k);
    // A publish group joins its members: in scope once all of them are.
    for (const t of tasks.values()) if (t.stage === 'publish' && t.deps.every((d) => scope!.has(d))) scope.add(t.key);
  }

  // Artifacts, build attempts and stage rows of every package, read once (not queries per package).
  const artifactsOf = db.artifactsByPackage();
  const lastAttemptOf = db.lastAttemptStatuses();
  const stagesOf = db.stageRows();
  const out = new Map<string, ResumeDecision>();
  const retried = (t: ExecTask) => options.retryFailed || retry.has(t.key) || (t.group?.members.some((m) => retry.has(m)) ?? false);
  // Decided at once, except done builds whose artifacts must be verified on disk (below).
  const toVerify: { base: Omit<ResumeDecision, 'kind' | 'reason'>; artifacts: ArtifactRecord[]; row: { runId: number | null } }[] = [];
  // No closure per task (tsx names each one: __name per call) and no spread of `base` for the plain cases.
  const todo = (base: Omit<ResumeDecision, 'kind' | 'reason'>, reason: string | null): ResumeDecision => ({
    key: base.key, packageId: base.packageId, status: base.status, failure: base.failure, inScope: base.inScope, recipeChanged: base.recipeChanged, kind: 'todo', reason,
  });
  for (const t of tasks.values()) {
    if (t.stage === 'publish') continue;
    const { row } = rows.get(t.pkg)!;
    const base = { key: t.key, packageId: row.id, status: row.status, failure: null, inScope: !scope || scope.has(t.key), recipeChanged: changedKeys.has(t.pkg) };
    if (changedKeys.has(t.pkg)) {
      out.set(t.key, todo(base, 'recipe changed'));
      continue;
    }
    if (invalidatedBy.has(t.pkg)) {
      out.set(t.key, todo(base, `recipe of ${invalidatedBy.get(t.pkg)} changed`));
      continue;
    }
    const stage = stagesOf.get(row.id)?.get(t.stage);
    if (stage?.status === 'done') {
      if (t.stage !== 'build') out.set(t.key, { ...base, kind: 'done', status: row.status, reason: stage.reason ?? `${t.stage} done` });
      else {
        const artifacts = artifactsOf.get(row.id) ?? [];
        if (!artifacts.length) out.set(t.key, todo(base, 'no artifact recorded'));
        else if (lastAttemptOf.get(row.id) !== 'complete') out.set(t.key, todo(base, 'killed after its build, before it was indexed'));
        else toVerify.push({ base, artifacts, row });
      }
      continue;
    }
    if (stage?.status === 'failed') {
      if (retried(t)) out.set(t.key, todo(base, 'retry of an earlier failure'));
      else out.set(t.key, { ...base, kind: 'failed', failure: stage.failure ?? row.failure, reason: stage.reason ?? row.reason ?? 'failed in an earlier run' });
      continue;
    }
    if (!stage && t.stage === 'build' && row.status === 'failed') {
      // A row failed before stages were recorded per stage.
      if (retried(t)) out.set(t.key, todo(base, 'retry of an earlier failure'));
      else out.set(t.key, { ...base, kind: 'failed', failure: row.failure, reason: row.reason ?? 'failed in an earlier run' });
      continue;
    }
    out.set(t.key, todo(base, stage ? `was ${stage.status}` : row.status === 'planned' ? null : `was ${row.status}`));
  }
  // Verification is thread-pool I/O (open, stat, read): keep the pool busy.
  await pool(toVerify, 16, async ({ base, artifacts, row }) => {
    for (const a of artifacts) {
      const problem = await verifyFile(a.path, a);
      if (problem) return void out.set(base.key, { ...base, kind: 'todo', reason: problem, lostArtifact: a.path });
    }
    out.set(base.key, { ...base, kind: 'done', reason: row.runId !== null ? `built in run ${row.runId}` : 'built earlier' });
  });

  // A stage to run (or failed) makes the later stages of its package run again; tasks are in
  // pipeline order per package (task-graph.ts).
  const unfinished = new Set<string>();
  for (const t of tasks.values()) {
    if (t.stage === 'publish') continue;
    const d = out.get(t.key)!;
    if (unfinished.has(t.pkg) && d.kind !== 'todo') out.set(t.key, { ...d, kind: 'todo', reason: `${t.stage} again after the ${previousStage(tasks, t)}` });
    if (out.get(t.key)!.kind !== 'done') unfinished.add(t.pkg);
  }

  // Publish groups: kept when published and every member is kept at its last stage.
  const groups = new Map(db.groups().map((g) => [g.key, g]));
  const publishes = [...tasks.values()].filter((t) => t.stage === 'publish');
  // One transaction for every group row (and its members).
  const groupIds = db.ensureGroups(publishes.map((t) => ({ spec: t.group!, members: t.group!.members.map((m) => rows.get(m)!.row.id) })));
  for (const [i, t] of publishes.entries()) {
    const spec = t.group!;
    const groupId = groupIds[i];
    const g = groups.get(spec.key);
    const base = { key: t.key, packageId: rows.get(t.pkg)!.row.id, groupId, status: 'waiting' as TaskStatus, failure: null, inScope: !scope || scope.has(t.key), recipeChanged: false };
    const membersKept = t.deps.every((d) => out.get(d)?.kind === 'done');
    if (g?.status === 'published' && membersKept) out.set(t.key, { ...base, kind: 'done', status: 'published', reason: g.reason ?? 'published' });
    else if (g?.status === 'failed' && membersKept && !retried(t)) out.set(t.key, { ...base, kind: 'failed', status: 'failed', failure: g.failure, reason: g.reason ?? 'publication failed in an earlier run' });
    else out.set(t.key, { ...base, kind: 'todo', reason: g && g.status !== 'waiting' ? `was ${g.status}` : null });
  }
  return out;
}

function previousStage(tasks: ReadonlyMap<string, ExecTask>, t: ExecTask): string {
  const prev = t.deps.map((k) => tasks.get(k)).find((d) => d && d.pkg === t.pkg);
  return prev ? prev.stage : 'build';
}
