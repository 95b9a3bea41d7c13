// collectReport: the report object (types.ts, schema/report.schema.json) from the state database
// alone — no render, no plan: a finished run is reported as it ended, a run in progress as it is.
// Failed packages are classified from the logs the state names (classify.ts); the reference diff
// needs the reference channel's packages, read by the caller (readReference, reference.ts).
import { sep } from 'node:path';
import type { BlocklistEntry } from '../config/config.generated.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import { DONE_STATUSES, type PackageRow, type StateDb } from '../state/state-db.ts';
import { compareIds } from '../graph/compare.ts';
import { blocklistApplies } from '../graph/blocklist-propagation.ts';
import { classifyFailure, compileRules, type CompiledRule } from './classify.ts';
import { progressHistory } from './dashboard/history.ts';
import { hasTable, readPlanDetails, type PlanDetails } from './plan-details.ts';
import type { ReferencePackages } from './reference.ts';
import type {
  Blocker, BlocklistInfo, ExclusionKind, FailureGroup, MissingPackage, Report, ReportCounts, ReportPackage, ReportStatus, ReportTarget,
} from './types.ts';
import { REPORT_VERSION } from './types.ts';

export type ReportConfig = Pick<ResolvedConfig, 'python' | 'arches' | 'channels' | 'blocklist' | 'report' | 'configFile' | 'workDir'>;

export interface CollectOptions {
  /** A run holds the work dir's lock: 'building' rows are building (else they were interrupted). */
  running?: boolean;
  /** The reference channel's packages for the old python (readReference); absent: no `missing` list. */
  reference?: ReferencePackages | null;
  referenceError?: string;
  /** Compiled class rules (default: compileRules(config.report.classes)). */
  rules?: CompiledRule[];
  /** Only these subdirs (rebuild report --arch); default every subdir the state holds. */
  arches?: readonly string[];
  /** false: leave `history` empty (default: replay the status changes, progressHistory). */
  history?: boolean;
}

const EXCLUSION_KINDS: readonly ExclusionKind[] = ['blocklist', 'noarch', 'present', 'superseded', 'skipped', 'no-python', 'not-selected', 'other'];

export function emptyCounts(): ReportCounts {
  return {
    total: 0, planned: 0, waiting: 0, building: 0, built: 0, tested: 0, testFailed: 0, published: 0, failed: 0, error: 0,
    blocked: 0, interrupted: 0, excluded: 0, excludedBy: Object.fromEntries(EXCLUSION_KINDS.map((k) => [k, 0])) as Record<ExclusionKind, number>,
  };
}

/** Add one package to a tally. */
export function count(c: ReportCounts, p: Pick<ReportPackage, 'status' | 'exclusion' | 'stage'>): void {
  c.total++;
  switch (p.status) {
    case 'excluded':
    case 'present':
      c.excluded++;
      c.excludedBy[p.exclusion?.kind ?? (p.status === 'present' ? 'present' : 'other')]++;
      return;
    case 'published': c.published++; // falls through: published was tested and built
    case 'publishing': case 'transmuted': case 'transmuting': case 'tested': c.tested++; // falls through
    case 'testing': case 'built': c.built++; if (p.status === 'testing' || p.status === 'transmuting' || p.status === 'publishing') c.building++; break;
    case 'test-failed': c.testFailed++; c.built++; break;
    case 'waiting': c.waiting++; break;
    case 'building': c.building++; break;
    case 'failed':
      c.failed++;
      if (p.stage && p.stage !== 'build') c.built++; // a later stage failed: it was built
      if (p.stage === 'transmute' || p.stage === 'publish') c.tested++; // ... and got past its tests
      break;
    case 'error': c.error++; break;
    case 'blocked': c.blocked++; break;
    case 'interrupted': c.interrupted++; break;
  }
  c.planned++;
}

export function addCounts(into: ReportCounts, c: ReportCounts): void {
  for (const k of Object.keys(c) as (keyof ReportCounts)[]) {
    if (k === 'excludedBy') for (const e of EXCLUSION_KINDS) into.excludedBy[e] += c.excludedBy[e];
    else into[k] += c[k];
  }
}

/** The exclusion kind a plan reason names (for rows the plan details do not cover: older state). */
export function exclusionKindOf(status: string, reason: string | null): ExclusionKind {
  if (status === 'present') return 'present';
  const r = reason ?? '';
  if (r.startsWith('blocklisted (')) return 'blocklist';
  if (r.startsWith('noarch:')) return 'noarch';
  if (r.startsWith('superseded by ')) return 'superseded';
  if (r.startsWith('every variant is skipped')) return 'skipped';
  if (r === 'does not depend on python') return 'no-python';
  if (r.startsWith('not in selection.only')) return 'not-selected';
  return 'other';
}

/** The id a "blocked by X (...)" reason names. */
export function blockedByOf(reason: string | null): string | null {
  const m = reason?.match(/^blocked by (\S+?)(?: \(|$)/);
  return m ? m[1] : null;
}

/** name, version of a conda package file name (name-version-build.ext). */
function fileVersion(filename: string): { name: string; version: string } | null {
  const base = filename.replace(/\.(?:tar\.bz2|conda)$/, '');
  const parts = base.split('-');
  if (parts.length < 3) return null;
  return { name: parts.slice(0, -2).join('-'), version: parts[parts.length - 2] };
}

const IN_PROGRESS: ReadonlySet<string> = new Set(['building', 'testing', 'transmuting', 'publishing']);

/** The stage a status belongs to (null: none started). */
const STAGE_OF: Readonly<Record<string, string>> = {
  building: 'build', built: 'build', testing: 'test', tested: 'test', transmuting: 'transmute', transmuted: 'transmute', publishing: 'publish', published: 'publish',
};

function reportStatus(row: ReportRow, stage: string | null, running: boolean): ReportStatus {
  if (IN_PROGRESS.has(row.status)) return running ? (row.status as ReportStatus) : 'interrupted';
  switch (row.status) {
    case 'planned': case 'waiting': case 'ready': return 'waiting';
    case 'failed': return !row.failure ? 'error' : stage === 'test' ? 'test-failed' : 'failed';
    case 'skipped': return 'waiting';
    default: return row.status as ReportStatus;
  }
}

/** The stage of a failure: the stage tables when present, else the engine's failure class. */
function failureStage(row: ReportRow): string {
  return row.stage ?? (row.failure === 'test' ? 'test' : row.failure === 'publish' ? 'publish' : 'build');
}

function blocklistInfo(entry: BlocklistEntry | undefined): BlocklistInfo | null {
  return entry ? { reason: entry.reason, note: entry.note ?? null, link: entry.link ?? null } : null;
}

/** What the report reads of each package row (one query, rows as arrays: 25,000 rows are read per report). */
type ReportRow = Pick<PackageRow, 'id' | 'node' | 'subdir' | 'python' | 'feedstock' | 'outputs' | 'status' | 'stage' | 'reason' | 'failure' | 'attempts' | 'durationMs' | 'logPath'>;

function packageRows(db: StateDb): ReportRow[] {
  // `stage` came with state migration 3: a read-only open of an older database has no such column.
  const hasStage = (db.db.prepare("SELECT 1 FROM pragma_table_info('packages') WHERE name = 'stage'").get() as unknown) !== undefined;
  const rows = db.db
    .prepare(`SELECT id, node, subdir, python, feedstock, outputs, status, ${hasStage ? 'stage' : 'NULL'}, reason, failure, attempts, duration_ms, log_path FROM packages`)
    .raw(true)
    .all() as any[][];
  return rows.map(([id, node, subdir, python, feedstock, outputs, status, stage, reason, failure, attempts, durationMs, logPath]) => ({
    id, node, subdir, python, feedstock, outputs: JSON.parse(outputs), status, stage, reason, failure, attempts, durationMs, logPath,
  }));
}

/** The failed checks of each package's last test attempt (by package id); none before state schema 3. */
function failedChecks(db: StateDb): Map<number, { name: string; kind: string; message: string | null }[]> {
  const out = new Map<number, { name: string; kind: string; message: string | null }[]>();
  if (!hasTable(db, 'test_checks')) return out;
  const rows = db.db
    .prepare(
      `SELECT package_id, name, kind, message FROM test_checks WHERE status = 'failed'
       AND attempt_id IN (SELECT MAX(attempt_id) FROM test_checks GROUP BY package_id) ORDER BY id`,
    )
    .raw(true)
    .all() as [number, string, string, string | null][];
  for (const [id, name, kind, message] of rows) {
    const list = out.get(id);
    if (list) list.push({ name, kind, message });
    else out.set(id, [{ name, kind, message }]);
  }
  return out;
}

/** Publish groups per status, and every group not published with its members (name@subdir) and reason. */
function publishSummary(db: StateDb, rows: readonly ReportRow[]): Report['publish'] {
  const counts: Record<string, number> = {};
  const notPublished: Report['publish']['notPublished'] = [];
  if (!hasTable(db, 'publish_groups')) return { counts, notPublished };
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const g of db.groups()) {
    counts[g.status] = (counts[g.status] ?? 0) + 1;
    if (g.status === 'published') continue;
    const members = g.members.map((id) => byId.get(id)).filter((r) => r !== undefined).map((r) => `${r.node}@${r.subdir}`).sort(compareIds);
    notPublished.push({ key: g.key, name: g.name, version: g.version, python: g.python, status: g.status, reason: g.reason, members });
  }
  return { counts, notPublished };
}

/** The file names of each package's artifacts (by package id). */
function artifactNames(db: StateDb): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [id, filename] of db.db.prepare('SELECT package_id, filename FROM artifacts ORDER BY id').raw(true).all() as [number, string][]) {
    const list = out.get(id);
    if (list) list.push(filename);
    else out.set(id, [filename]);
  }
  return out;
}

export function collectReport(db: StateDb, config: ReportConfig, options: CollectOptions = {}): Report {
  const running = !!options.running;
  const rules = options.rules ?? compileRules(config.report?.classes ?? [], config.configFile);
  const workDir = config.workDir;
  const prefix = workDir.endsWith(sep) ? workDir : workDir + sep;
  const rel = (p: string | null) => (p === null ? null : p.startsWith(prefix) ? p.slice(prefix.length).split(sep).join('/') : p);
  const details = readPlanDetails(db);
  const artifacts = artifactNames(db);

  // Rows per target, in the config's arch order (then any other subdir the state holds).
  const checks = failedChecks(db);
  const allRows = packageRows(db);
  const byTarget = new Map<string, ReportRow[]>();
  for (const row of allRows) {
    if (options.arches?.length && !options.arches.includes(row.subdir)) continue;
    const key = `${row.subdir}\0${row.python}`;
    let list = byTarget.get(key);
    if (!list) byTarget.set(key, (list = []));
    list.push(row);
  }
  const archIndex = (s: string) => (config.arches.indexOf(s as never) + 1 || config.arches.length + 1);
  const keys = [...byTarget.keys()].sort((a, b) => {
    const [sa, pa] = a.split('\0');
    const [sb, pb] = b.split('\0');
    return archIndex(sa) - archIndex(sb) || compareIds(sa, sb) || compareIds(pa, pb);
  });

  const totals = emptyCounts();
  const targets: ReportTarget[] = [];
  for (const key of keys) {
    const rows = byTarget.get(key)!.sort((a, b) => compareIds(a.node, b.node));
    const [subdir, python] = key.split('\0');
    const byId = new Map(rows.map((r) => [r.node, r]));
    const rootOf = (row: ReportRow): string | null => {
      const seen = new Set<string>();
      let id = details.get(`${subdir}\0${python}\0${row.node}`)?.blockedBy ?? blockedByOf(row.reason);
      while (id && !seen.has(id)) {
        seen.add(id);
        const next = byId.get(id);
        if (!next || next.status !== 'blocked') break;
        const further = details.get(`${subdir}\0${python}\0${id}`)?.blockedBy ?? blockedByOf(next.reason);
        if (!further) break;
        id = further;
      }
      return id ?? null;
    };
    const packages = rows.map((row): ReportPackage => packageOf(row, details.get(`${subdir}\0${python}\0${row.node}`)));
    function packageOf(row: ReportRow, d: PlanDetails | undefined): ReportPackage {
      const failedStage = row.status === 'failed' && row.failure ? failureStage(row) : null;
      const status = reportStatus(row, failedStage, running);
      const stage = failedStage ?? (row.status === 'blocked' || IN_PROGRESS.has(row.status) || DONE_STATUSES.has(row.status) ? (row.stage ?? STAGE_OF[row.status] ?? null) : (STAGE_OF[row.status] ?? null));
      const files = artifacts.get(row.id);
      const fromFile = files?.map(fileVersion).find((v) => v && (v.name === row.feedstock || row.outputs.includes(v.name))) ?? (files?.[0] ? fileVersion(files[0]) : null);
      const version = fromFile?.version ?? d?.version ?? null;
      let klass: string | null = null;
      let line: string | null = null;
      if (status === 'failed' || status === 'test-failed') {
        const c = classifyFailure(row.logPath, { stage: failedStage, failure: row.failure, reason: row.reason }, rules);
        klass = c.class;
        line = c.line;
      } else if (status === 'error') klass = 'plan-error';
      let exclusion: ReportPackage['exclusion'] = null;
      if (status === 'excluded' || status === 'present') {
        const kind = (d?.kind && EXCLUSION_KINDS.includes(d.kind as ExclusionKind) ? d.kind : exclusionKindOf(row.status, row.reason)) as ExclusionKind;
        const entry = kind === 'blocklist'
          ? (d?.blocklist ?? config.blocklist.find((e) => blocklistApplies(e, { feedstock: row.feedstock, outputs: row.outputs, target: { subdir, python } } as never)))
          : undefined;
        exclusion = { kind, blocklist: blocklistInfo(entry) };
      }
      return {
        name: row.node, feedstock: row.feedstock, outputs: row.outputs, version, status, stage, reason: row.reason,
        class: klass, classLine: line, blockedBy: status === 'blocked' ? rootOf(row) : null, exclusion,
        log: rel(row.logPath), attempts: row.attempts, durationMs: row.durationMs,
        ...(status === 'test-failed' && checks.has(row.id) ? { failedChecks: checks.get(row.id)! } : {}),
      };
    }
    const counts = emptyCounts();
    for (const p of packages) count(counts, p);
    addCounts(totals, counts);
    targets.push({ subdir, python, counts, packages });
  }

  const last = db.lastRun();
  return {
    version: REPORT_VERSION,
    generated: last ? (last.ended ?? last.started) : null,
    running,
    run: last ? { id: last.id, started: last.started, ended: last.ended, outcome: last.outcome } : null,
    config: {
      python: { from: config.python.from, to: typeof config.python.to === 'string' ? config.python.to : [...config.python.to] }, arches: [...config.arches], reference: config.channels.reference,
      waitingGoal: config.report?.waitingGoal ?? null, groups: Object.fromEntries(Object.entries(config.report?.groups ?? {}).map(([k, v]) => [k, [...v]])),
    },
    totals,
    targets,
    missing: options.reference ? missingPackages(targets, options.reference) : null,
    ...(options.referenceError ? { referenceError: options.referenceError } : {}),
    failures: failureGroups(targets),
    blockers: blockers(targets),
    publish: publishSummary(db, allRows),
    groups: groups(targets, config.report?.groups ?? {}),
    history: options.history === false ? [] : progressHistory(db),
  };
}

/**
 * `{ python }` of a target for the per-package lists, only in a report of several pythons (two
 * targets share a subdir): a one-python report keeps the shape (and bytes) it always had.
 */
function pythonField(targets: readonly ReportTarget[]): (t: ReportTarget) => { python?: string } {
  const several = targets.some((t) => t.python !== targets[0].python);
  return (t) => (several ? { python: t.python } : {});
}

const HAS_BUILD: ReadonlySet<ReportStatus> = new Set(['built', 'tested', 'published', 'present']);

/** Every old-python package of the reference with no build for the new python, and why. */
export function missingPackages(targets: readonly ReportTarget[], reference: ReferencePackages): MissingPackage[] {
  const out: MissingPackage[] = [];
  const py = pythonField(targets);
  for (const t of targets) {
    const names = reference.get(t.subdir);
    if (!names) continue;
    const providers = new Map<string, ReportPackage[]>();
    const add = (name: string, p: ReportPackage) => {
      const list = providers.get(name.toLowerCase());
      if (!list) providers.set(name.toLowerCase(), [p]);
      else if (!list.includes(p)) list.push(p);
    };
    for (const p of t.packages) {
      add(p.name, p);
      for (const o of p.outputs) add(o, p);
    }
    for (const [name, version] of [...names].sort(([a], [b]) => compareIds(a, b))) {
      const list = providers.get(name) ?? [];
      if (list.some((p) => HAS_BUILD.has(p.status))) continue;
      const p = list.find((x) => x.name === name) ?? list.find((x) => x.feedstock === name) ?? list[0];
      if (!p) {
        out.push({ name, subdir: t.subdir, ...py(t), version, status: 'not-in-aggregate', node: null, reason: 'not in the aggregate', class: null, blockedBy: null });
        continue;
      }
      out.push({ name, subdir: t.subdir, ...py(t), version, status: p.status, node: p.name, reason: explain(p), class: p.class, blockedBy: p.blockedBy });
    }
  }
  return out;
}

/** One line: why a package has no build. */
export function explain(p: ReportPackage): string {
  switch (p.status) {
    case 'failed':
    case 'test-failed':
      return `${p.status === 'test-failed' ? 'test failed' : `failed (${p.stage ?? 'build'})`}: ${p.class}${p.classLine ? `: ${p.classLine}` : p.reason ? `: ${p.reason}` : ''}`;
    case 'blocked':
      return `blocked by ${p.blockedBy ?? '?'}${p.reason && blockedByOf(p.reason) === p.blockedBy ? p.reason.slice(`blocked by ${p.blockedBy}`.length) : ''}`;
    case 'excluded':
    case 'present': {
      const b = p.exclusion?.blocklist;
      if (b) return `blocklisted: ${b.reason}${b.note ? ` (${b.note})` : ''}${b.link ? ` ${b.link}` : ''}`;
      return p.reason ?? p.exclusion?.kind ?? p.status;
    }
    default:
      return `${p.status}${p.reason ? `: ${p.reason}` : ''}`;
  }
}

function failureGroups(targets: readonly ReportTarget[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  const py = pythonField(targets);
  const at = (t: ReportTarget) => (py(t).python ? `${t.subdir}/py${t.python}` : t.subdir);
  for (const t of targets) {
    const blockedBy = new Map<string, string[]>();
    for (const p of t.packages) if (p.blockedBy) (blockedBy.get(p.blockedBy) ?? blockedBy.set(p.blockedBy, []).get(p.blockedBy)!).push(p.name);
    for (const p of t.packages) {
      if (!p.class) continue;
      let g = groups.get(p.class);
      if (!g) groups.set(p.class, (g = { class: p.class, count: 0, line: null, packages: [], blocks: [] }));
      const blocks = blockedBy.get(p.name) ?? [];
      g.count++;
      g.line ??= p.classLine;
      g.packages.push({ name: p.name, subdir: t.subdir, ...py(t), stage: p.stage, line: p.classLine, log: p.log, blocks: [...blocks].sort(compareIds) });
      for (const b of blocks) g.blocks.push(`${b}@${at(t)}`);
    }
  }
  for (const g of groups.values()) g.blocks.sort(compareIds);
  return [...groups.values()].sort((a, b) => b.count - a.count || compareIds(a.class, b.class));
}

function blockers(targets: readonly ReportTarget[], max = 50): Blocker[] {
  const out: Blocker[] = [];
  const py = pythonField(targets);
  for (const t of targets) {
    const counts = new Map<string, number>();
    for (const p of t.packages) if (p.blockedBy) counts.set(p.blockedBy, (counts.get(p.blockedBy) ?? 0) + 1);
    const statusOf = new Map(t.packages.map((p) => [p.name, p.status]));
    for (const [name, blocks] of counts) out.push({ name, subdir: t.subdir, ...py(t), status: statusOf.get(name) ?? 'excluded', blocks });
  }
  return out.sort((a, b) => b.blocks - a.blocks || compareIds(a.name, b.name) || compareIds(a.subdir, b.subdir) || compareIds(a.python ?? '', b.python ?? '')).slice(0, max);
}

function groups(targets: readonly ReportTarget[], config: Record<string, string[]>): Report['groups'] {
  const py = pythonField(targets);
  return Object.keys(config).sort(compareIds).map((name) => {
    const wanted = new Set(config[name].map((n) => n.toLowerCase()));
    const packages: Report['groups'][number]['packages'] = [];
    for (const t of targets)
      for (const p of t.packages)
        if (wanted.has(p.name.toLowerCase()) || wanted.has(p.feedstock.toLowerCase()) || p.outputs.some((o) => wanted.has(o.toLowerCase())))
          packages.push({ name: p.name, subdir: t.subdir, ...py(t), status: p.status });
    return { name, packages };
  });
}
