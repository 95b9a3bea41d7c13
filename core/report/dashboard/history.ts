// Progress over time for the dashboard's chart: how many packages were built, tested, failed and
// waiting after each stretch of time, replayed from the state database's status changes (every status
// change a run committed, core/state/migrations.ts). Read-only; the same database gives the same points.
import type { StateDb } from '../../state/state-db.ts';

/** Counts of packages (node × target) at `time`, after every status change up to it. */
export interface ProgressPoint {
  /** ISO time of the last change counted (UTC, as the state database stores it). */
  time: string;
  /** Built at least (built, or any later stage: testing, tested, transmuting, transmuted, publishing, published). */
  built: number;
  /** Tested at least (tested, transmuting, transmuted, publishing, published). */
  tested: number;
  failed: number;
  /** Still to build: planned, waiting, ready, building, interrupted, blocked. */
  waiting: number;
}

const BUILT = new Set(['built', 'testing', 'tested', 'transmuting', 'transmuted', 'publishing', 'published']);
const TESTED = new Set(['tested', 'transmuting', 'transmuted', 'publishing', 'published']);
const WAITING = new Set(['planned', 'waiting', 'ready', 'building', 'interrupted', 'blocked']);

/**
 * One point per bucket of time in which something changed, at most `maxPoints` (the bucket is the
 * whole span divided by it, at least a second), plus the last change. Changes are replayed in the
 * order they were committed (their row id), so a package counts under its latest status only.
 */
export function progressHistory(db: StateDb, options: { maxPoints?: number } = {}): ProgressPoint[] {
  const changes = db.db
    .prepare('SELECT package_id AS pkg, time, to_status AS status FROM status_changes ORDER BY id')
    .raw()
    .all() as [number, string, string][];
  if (!changes.length) return [];
  const ms = (t: string) => Date.parse(t);
  let first = Infinity;
  let last = -Infinity;
  for (const [, time] of changes) {
    const t = ms(time);
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const bucket = Math.max(1000, Math.ceil((last - first) / Math.max(1, options.maxPoints ?? 200)));
  const status = new Map<number, string>();
  const counts = { built: 0, tested: 0, failed: 0, waiting: 0 };
  const add = (s: string | undefined, n: number) => {
    if (s === undefined) return;
    if (BUILT.has(s)) counts.built += n;
    if (TESTED.has(s)) counts.tested += n;
    if (s === 'failed') counts.failed += n;
    if (WAITING.has(s)) counts.waiting += n;
  };
  const points: ProgressPoint[] = [];
  let currentBucket = -1;
  let lastTime = '';
  const emit = () => points.push({ time: lastTime, ...counts });
  for (const [pkg, time, to] of changes) {
    const b = Math.floor((ms(time) - first) / bucket);
    if (currentBucket !== -1 && b !== currentBucket) emit();
    currentBucket = b;
    add(status.get(pkg), -1);
    status.set(pkg, to);
    add(to, 1);
    lastTime = time;
  }
  emit();
  // Clocks may step back between runs: keep the points in time order (ties in commit order).
  return points.map((p, i) => ({ p, i })).sort((a, b) => (a.p.time < b.p.time ? -1 : a.p.time > b.p.time ? 1 : a.i - b.i)).map((x) => x.p);
}
