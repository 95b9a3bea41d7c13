// Read the recorded node states of some targets from `<workDir>/state.db`, read-only. No database
// means nothing has run yet: every target gets an empty state.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { targetKey, type Target } from '../model/types.ts';
import { STATE_DB_FILE, StateDb } from '../state/state-db.ts';
import type { NodeState, TargetState } from './target-state.ts';

/**
 * Per `targetKey`, the recorded state of each node. `testsBlockDependents` (the config's
 * tests.blocksDependents): a failed test counts as a failure its dependents wait on, as the run does.
 */
export function readTargetStates(workDir: string, targets: readonly Target[], { testsBlockDependents = false } = {}): Map<string, TargetState> {
  const out = new Map<string, Map<string, NodeState>>(targets.map((t) => [targetKey(t), new Map()]));
  if (!existsSync(join(workDir, STATE_DB_FILE))) return out;
  const db = StateDb.open(workDir, { readonly: true });
  try {
    const stages = db.stageRows();
    const order = ['build', 'test', 'transmute', 'publish'];
    for (const subdir of new Set(targets.map((t) => t.subdir))) {
      for (const row of db.packages({ subdir })) {
        const states = out.get(targetKey({ subdir: row.subdir as Target['subdir'], python: row.python }));
        const rows = [...(stages.get(row.id)?.values() ?? [])].sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage));
        states?.set(row.node, {
          status: row.status, reason: row.reason, failure: row.failure,
          ...(row.stage ? { stage: row.stage } : {}),
          ...(testsBlockDependents && row.status === 'failed' && row.stage === 'test' ? { blocksDependents: true } : {}),
          ...(row.logPath ? { logPath: row.logPath } : {}),
          ...(rows.length ? { stages: rows.map((r) => ({ stage: r.stage, status: r.status, reason: r.reason, failure: r.failure })) } : {}),
        });
      }
    }
  } finally {
    db.close();
  }
  return out;
}
