// What the plan knew about each package that the packages table does not keep: the version it
// planned, the exclusion kind, the root a blocked package waits on, the blocklist entry (with its
// note and link). Written by the report plugin when a run starts (table plan_details, a state
// migration); read by collectReport. A state without the table (older) is read from the reasons.
import type { BlocklistEntry } from '../config/config.generated.ts';
import type { PackageNode } from '../model/types.ts';
import type { StateDb } from '../state/state-db.ts';

export interface PlanDetails {
  version: string | null;
  kind: string | null;
  blockedBy: string | null;
  blocklist: BlocklistEntry | null;
}

export const PLAN_DETAILS_TABLE = 'plan_details';

const key = (subdir: string, python: string, node: string) => `${subdir}\0${python}\0${node}`;

/** The state has this table (a read-only open of an older database is read as it is: it may not). */
export function hasTable(db: StateDb, name: string): boolean {
  return db.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** The state has the plan details table (state migration 4). */
export function hasPlanDetails(db: StateDb): boolean {
  return hasTable(db, PLAN_DETAILS_TABLE);
}

/** Every package's plan details, by `subdir \0 python \0 node` (empty for a state without the table). */
export function readPlanDetails(db: StateDb): Map<string, PlanDetails> {
  const out = new Map<string, PlanDetails>();
  if (!hasPlanDetails(db)) return out;
  const rows = db.db.prepare(`SELECT node, subdir, python, version, kind, blocked_by, blocklist FROM ${PLAN_DETAILS_TABLE}`).raw(true).all() as any[][];
  for (const [node, subdir, python, version, kind, blockedBy, blocklist] of rows)
    out.set(key(subdir, python, node), { version, kind, blockedBy, blocklist: blocklist ? JSON.parse(blocklist) : null });
  return out;
}

/** The details of one plan node. */
export function detailsOf(node: PackageNode): PlanDetails {
  const version = node.variants[0]?.outputs[0]?.version ?? node.extraVersion ?? null;
  const e = node.exclusion;
  return {
    version: version === null ? null : String(version),
    kind: e?.kind ?? null,
    blockedBy: e?.by ?? null,
    blocklist: e?.blocklist ?? null,
  };
}

/** Replace the details of these nodes (one transaction). */
export function writePlanDetails(db: StateDb, runId: number, nodes: readonly { node: string; subdir: string; python: string; details: PlanDetails }[]): void {
  const insert = db.db.prepare(
    `INSERT INTO ${PLAN_DETAILS_TABLE} (node, subdir, python, version, kind, blocked_by, blocklist, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (node, subdir, python) DO UPDATE SET version = excluded.version, kind = excluded.kind,
       blocked_by = excluded.blocked_by, blocklist = excluded.blocklist, run_id = excluded.run_id`,
  );
  db.db.transaction(() => {
    for (const n of nodes) {
      const d = n.details;
      insert.run(n.node, n.subdir, n.python, d.version, d.kind, d.blockedBy, d.blocklist ? JSON.stringify(d.blocklist) : null, runId);
    }
  }).immediate();
}
