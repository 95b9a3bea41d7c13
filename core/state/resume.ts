// Resume rules: what a new `rebuild run` does with each task, given the state database.
// - done (built/tested/published) and every recorded artifact present with its sha256 → kept;
// - failed → kept failed (dependents blocked) unless --retry-failed or --retry NAME;
// - anything else (never run, interrupted, building/waiting left by a killed run) → to build;
// - a recipe whose hash changed → to build, with every transitive dependent;
// - --only / --from narrow the scope (the tasks considered at all) to a subset plus what it needs.
import type { FailureClass, TaskStatus } from '../model/types.ts';
import { reachable, tasksNamed, type ExecTask } from '../engine/task-graph.ts';
import { verifyFile } from './file-hash.ts';
import { DONE_STATUSES, type StateDb } from './state-db.ts';

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
  packageId: number;
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
        if (visited.has(k)) continue;
        visited.add(k);
        if (!changedKeys.has(k)) invalidatedBy.set(k, t.node.id);
        stack.push(k);
      }
    }
  }
  return invalidatedBy;
}

/** Decide every task's starting point; inserts missing package rows. Writes no status. */
export async function decideResume(tasks: ReadonlyMap<string, ExecTask>, db: StateDb, options: ResumeOptions = {}): Promise<Map<string, ResumeDecision>> {
  const retry = options.retry?.length ? tasksNamed(tasks, options.retry, '--retry') : new Set<string>();
  const only = options.only?.length ? tasksNamed(tasks, options.only, '--only') : null;
  const from = options.from ? tasksNamed(tasks, [options.from], '--from') : null;

  // One query for the existing rows, one transaction for the missing ones.
  const list = [...tasks.values()];
  const ensured = db.ensurePackages(list.map((t) => ({
    key: { node: t.node.id, subdir: t.target.subdir, python: t.target.python },
    info: { feedstock: t.node.feedstock, outputs: t.node.outputs, recipeHash: t.node.recipeHash },
  })));
  const rows = new Map(list.map((t, i) => [t.key, ensured[i]]));

  const changed = [...tasks.values()].filter((t) => {
    const { row, existed } = rows.get(t.key)!;
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
  }

  // Artifacts and last attempts of every package, read once (not two queries per package).
  const artifactsOf = db.artifactsByPackage();
  const lastAttemptOf = db.lastAttemptStatuses();
  const out = new Map<string, ResumeDecision>();
  // Verification is thread-pool I/O (open, stat, read): keep the pool busy.
  await pool(list, 16, async (t) => {
    const { row } = rows.get(t.key)!;
    const base = { key: t.key, packageId: row.id, status: row.status, failure: null, inScope: !scope || scope.has(t.key), recipeChanged: changedKeys.has(t.key) };
    const todo = (reason: string | null): ResumeDecision => ({ ...base, kind: 'todo', reason });
    if (changedKeys.has(t.key)) return void out.set(t.key, todo('recipe changed'));
    if (invalidatedBy.has(t.key)) return void out.set(t.key, todo(`recipe of ${invalidatedBy.get(t.key)} changed`));
    if (DONE_STATUSES.has(row.status)) {
      const artifacts = artifactsOf.get(row.id) ?? [];
      let problem: string | null = artifacts.length ? null : 'no artifact recorded';
      if (!problem && lastAttemptOf.get(row.id) !== 'complete') problem = 'killed after its build, before test/publish ended';
      for (const a of problem ? [] : artifacts) {
        problem = await verifyFile(a.path, a);
        if (problem) return void out.set(t.key, { ...todo(problem), lostArtifact: a.path });
      }
      if (!problem) return void out.set(t.key, { ...base, kind: 'done', reason: row.runId !== null ? `built in run ${row.runId}` : 'built earlier' });
      return void out.set(t.key, todo(problem));
    }
    if (row.status === 'failed') {
      if (options.retryFailed || retry.has(t.key)) return void out.set(t.key, todo('retry of an earlier failure'));
      return void out.set(t.key, { ...base, kind: 'failed', failure: row.failure, reason: row.reason ?? 'failed in an earlier run' });
    }
    return void out.set(t.key, todo(row.status === 'planned' ? null : `was ${row.status}`));
  });
  return out;
}
