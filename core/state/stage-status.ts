// A package's recorded status read with its stage: whether it counts as built (a package whose test
// failed was built: its dependents build against it) and one line saying where it stands, e.g.
// "built, test failed: ImportError: ...". Shared by status, ready and why.
import type { FailureClass, StageName, TaskStatus } from '../model/types.ts';
import { DONE_STATUSES } from './state-db.ts';

export interface StagedStatus {
  status: TaskStatus;
  /** The stage `status` is about; null/undefined for plan statuses (and rows of older schemas). */
  stage?: StageName | null;
  reason: string | null;
  failure?: FailureClass | null;
}

/** Statuses that say nothing was built (left out, or planned again). */
const NOT_RUN: ReadonlySet<string> = new Set(['planned', 'excluded', 'present', 'skipped']);

/** Built: a done status, or any status of a stage after the build (testing, test failed, blocked at test, a test waiting for its retry...). */
export function isBuiltStatus(s: StagedStatus): boolean {
  if (DONE_STATUSES.has(s.status)) return true;
  return !!s.stage && s.stage !== 'build' && !NOT_RUN.has(s.status);
}

/** Failed at its build (what blocks dependents), not at a later stage. */
export function isBuildFailure(s: StagedStatus): boolean {
  return s.status === 'failed' && (!s.stage || s.stage === 'build');
}

/** One line: "built, test failed (test): ImportError: ...", "built, testing", "failed (build): ...". */
export function stagedText(s: StagedStatus): string {
  const failure = s.failure ? ` (${s.failure})` : '';
  const later = !!s.stage && s.stage !== 'build' && s.stage !== 'publish';
  if (s.status === 'failed' && s.stage && s.stage !== 'build') {
    // Reasons of later stages start with "<stage> failed: " (the engine's): not said twice.
    const reason = (s.reason ?? '').replace(new RegExp(`^${s.stage} failed: `), '');
    return `built, ${s.stage} failed${failure}${reason ? `: ${reason}` : ''}`;
  }
  if (s.status === 'blocked' && later) return `built, ${s.reason ?? `${s.stage} blocked`}`;
  if (later && (s.status === 'testing' || s.status === 'transmuting' || s.status === 'interrupted' || s.status === 'waiting')) {
    return `built, ${s.status === 'interrupted' ? `${s.stage} interrupted` : s.status === 'waiting' ? `${s.stage} to run` : s.status}${s.reason ? `: ${s.reason}` : ''}`;
  }
  return `${s.status}${failure}${s.reason ? `: ${s.reason}` : ''}`;
}
