// The report object (report.json): its shape is schema/report.schema.json (version REPORT_VERSION);
// fields may be added, never renamed or removed without a new version. See core/report/README.md.

import type { ProgressPoint } from './dashboard/history.ts';

export const REPORT_VERSION = 1;

/** A package's state in the report (the state database's statuses, folded for readers). */
export type ReportStatus =
  | 'waiting' | 'building' | 'built' | 'testing' | 'tested' | 'transmuting' | 'transmuted' | 'publishing' | 'published'
  | 'test-failed' | 'failed' | 'error' | 'blocked' | 'excluded' | 'present' | 'interrupted';

/** Why a package is excluded: the plan's exclusion kinds. */
export type ExclusionKind = 'blocklist' | 'noarch' | 'present' | 'superseded' | 'skipped' | 'no-python' | 'not-selected' | 'other';

export interface ReportCounts {
  /** Every package × target row. */
  total: number;
  /** In the rebuild set: every row not excluded (built or not). */
  planned: number;
  /** Not started yet, or waiting on a dependency (planned, waiting, ready). */
  waiting: number;
  /** A stage in progress (building, testing, transmuting, publishing). */
  building: number;
  /** Built (an artifact exists): built and every later stage, test-failed included. */
  built: number;
  /** Tests passed: tested and every later stage. */
  tested: number;
  testFailed: number;
  published: number;
  /** Failed at a stage other than test. */
  failed: number;
  /** Plan errors: a recipe that does not render, a cycle. */
  error: number;
  blocked: number;
  /** Left by a killed or interrupted run (built by the next run). */
  interrupted: number;
  /** Excluded and present, per exclusion kind in `excludedBy`. */
  excluded: number;
  excludedBy: Record<ExclusionKind, number>;
}

export interface BlocklistInfo {
  reason: string;
  note: string | null;
  link: string | null;
}

export interface ReportPackage {
  /** The node id: numpy, python@bootstrap, numpy@1.26. */
  name: string;
  feedstock: string;
  outputs: string[];
  /** The version built (artifact) or planned; null when the state does not know it. */
  version: string | null;
  status: ReportStatus;
  /** The stage it reached or failed at (build, test, transmute, publish); null when none started. */
  stage: string | null;
  reason: string | null;
  /** Failure class (report.classes or the default set) for failed and test-failed packages. */
  class: string | null;
  /** The first log line the class rule matched. */
  classLine: string | null;
  /** For blocked packages: the root cause (a failed, in-error or blocklisted package), not the direct dependency. */
  blockedBy: string | null;
  /** For excluded and present packages. */
  exclusion: { kind: ExclusionKind; blocklist: BlocklistInfo | null } | null;
  /** Build log, relative to the work dir (logs/<subdir>/<name>.log); null when none was written. */
  log: string | null;
  attempts: number;
  durationMs: number | null;
  /** test-failed: the checks of its last test attempt that failed (absent otherwise). */
  failedChecks?: { name: string; kind: string; message: string | null }[];
}

export interface ReportTarget {
  subdir: string;
  python: string;
  counts: ReportCounts;
  packages: ReportPackage[];
}

/** A package of the old python in channels.reference with no build for the new one. */
export interface MissingPackage {
  name: string;
  subdir: string;
  /** The target's python: only in a report of several pythons. */
  python?: string;
  /** The newest version in the reference channel. */
  version: string;
  /** The report status of the package row that builds it, or 'not-in-aggregate'. */
  status: ReportStatus | 'not-in-aggregate';
  /** The node that would build it (null when not in the aggregate). */
  node: string | null;
  reason: string;
  class: string | null;
  blockedBy: string | null;
}

/** Failures of one class: how many, a sample line, and what they block. */
export interface FailureGroup {
  class: string;
  count: number;
  /** The first matching log line of the group's first package that has one. */
  line: string | null;
  /** Each failed package, its first matching line and the packages it blocks (names, same subdir). */
  packages: { name: string; subdir: string; python?: string; stage: string | null; line: string | null; log: string | null; blocks: string[] }[];
  /** Packages blocked by these failures (name@subdir; name@subdir/pyX.Y with several pythons), sorted. */
  blocks: string[];
}

export interface Blocker {
  name: string;
  subdir: string;
  /** The target's python: only in a report of several pythons. */
  python?: string;
  status: ReportStatus;
  /** How many packages it blocks (root cause), on this subdir. */
  blocks: number;
}

export interface Report {
  version: typeof REPORT_VERSION;
  /** The last run's end (its start while it runs): never the wall clock, so a report is reproducible. */
  generated: string | null;
  /** A run holds the work dir (the report is of a run in progress). */
  running: boolean;
  run: { id: number; started: string; ended: string | null; outcome: string | null } | null;
  config: {
    /** `to` as configured: one python, or several (the per-package lists then carry `python`). */
    python: { from: string; to: string | string[] }; arches: string[]; reference: string | null;
    /** report.waitingGoal and report.groups, for the dashboard. */
    waitingGoal: number | null; groups: Record<string, string[]>;
  };
  totals: ReportCounts;
  targets: ReportTarget[];
  /** null when no reference channel is configured or it could not be read (see `referenceError`). */
  missing: MissingPackage[] | null;
  referenceError?: string;
  failures: FailureGroup[];
  /** Packages whose failure or exclusion blocks others, most first (at most 50). */
  blockers: Blocker[];
  /** Publish groups (one name-version-python across its required arches): per status, and those not published with why. */
  publish: {
    counts: Record<string, number>;
    notPublished: { key: string; name: string; version: string; python: string; status: string; reason: string | null; members: string[] }[];
  };
  /** report.groups: each named set's packages with their status. */
  groups: { name: string; packages: { name: string; subdir: string; python?: string; status: ReportStatus }[] }[];
  /** Progress over time (progressHistory, core/report/dashboard/history.ts): the dashboard's chart. */
  history: ProgressPoint[];
}
