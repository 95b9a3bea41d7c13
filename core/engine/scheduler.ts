// The pure scheduling core: which task to start next, given what is done, what is running and the
// concurrency limits. No I/O and no clock: the executor (execute.ts) drives it with real builds,
// `simulateSchedule` (scheduler-simulate.ts) drives it with virtual time.
//
// Not stage by stage: a task is ready as soon as every dependency is done. Ready tasks are ordered
// by the longest remaining path to the end of the graph (the critical path, weighted by expected
// durations), then by the number of transitive dependents, then by id (deterministic).
// The 'stages' policy is the baseline we compare against: a task may start only once every task of
// every earlier topological generation has finished (how buildout-style staged scripts run).

export interface SchedTask {
  /** Unique key. */
  id: string;
  /** Keys of the tasks this one needs done first (unknown keys are ignored). */
  deps: string[];
  /** Limited resources the task holds while running, e.g. `arch:win-64`, `builder:rebuild:builder-script`. */
  resources?: string[];
  /**
   * A join with no work (a test environment's "installable" point): done as soon as its deps are,
   * never returned by `next()`, never in `fail()`'s blocked list nor in `pendingIds()`; a failure
   * still blocks what waits on it through it.
   */
  gate?: boolean;
}

export type SchedulePolicy = 'critical-path' | 'stages';

export interface SchedulerOptions {
  policy?: SchedulePolicy;
  /** Expected duration per key; missing keys get `defaultDuration`. */
  durations?: ReadonlyMap<string, number>;
  defaultDuration?: number;
  /** Caps per resource name (a task holding a resource at its cap must wait). */
  limits?: Readonly<Record<string, number>>;
}

export type SchedState = 'pending' | 'running' | 'done' | 'failed' | 'blocked';

export interface Blocked {
  id: string;
  /** The failed task at the root of the block. */
  by: string;
}

export class UnknownTaskError extends Error {
  override name = 'UnknownTaskError';
  constructor(readonly id: string) {
    super(`scheduler: unknown task ${id}`);
  }
}

export class SchedulerCycleError extends Error {
  override name = 'SchedulerCycleError';
  constructor(readonly path: string[]) {
    super(`scheduler: the task graph has a cycle: ${path.join(' → ')} → ${path[0]}`);
  }
}

interface Entry {
  id: string;
  index: number;
  deps: number[];
  dependents: number[];
  resources: string[];
  missing: number;
  state: SchedState;
  stage: number;
  priority: number;
  fanout: number;
  /** In the ready list. */
  queued: boolean;
  gate: boolean;
}

export class Scheduler {
  private readonly entries: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  /**
   * Ready tasks, best LAST (kept sorted: every key of the order is fixed at construction), so the
   * usual pick — the best, when it fits — is a pop, not a shift of every other ready task.
   */
  private readonly ready: Entry[] = [];
  private readonly inUse = new Map<string, number>();
  private readonly limits: Readonly<Record<string, number>>;
  private readonly policy: SchedulePolicy;
  /** Unfinished (pending or running) tasks per stage, for the 'stages' policy. */
  private readonly openPerStage: number[] = [];
  private currentStage = 0;
  private open: number;

  constructor(tasks: readonly SchedTask[], options: SchedulerOptions = {}) {
    this.policy = options.policy ?? 'critical-path';
    this.limits = options.limits ?? {};
    for (const t of tasks) {
      if (this.byId.has(t.id)) throw new Error(`scheduler: duplicate task ${t.id}`);
      const e: Entry = {
        id: t.id, index: this.entries.length, deps: [], dependents: [], resources: t.resources ?? [],
        missing: 0, state: 'pending', stage: 0, priority: 0, fanout: 0, queued: false, gate: t.gate === true,
      };
      this.entries.push(e);
      this.byId.set(t.id, e);
    }
    for (const t of tasks) {
      const e = this.byId.get(t.id)!;
      for (const d of new Set(t.deps)) {
        const dep = this.byId.get(d);
        if (!dep || dep === e) continue;
        e.deps.push(dep.index);
        dep.dependents.push(e.index);
      }
      e.missing = e.deps.length;
    }
    const order = this.topologicalOrder();
    const duration = (e: Entry) => (e.gate ? 0 : (options.durations?.get(e.id) ?? options.defaultDuration ?? 1));
    for (const e of order) e.stage = e.deps.reduce((m, d) => Math.max(m, this.entries[d].stage + 1), 0);
    for (let i = order.length - 1; i >= 0; i--) {
      const e = order[i];
      e.priority = duration(e) + e.dependents.reduce((m, d) => Math.max(m, this.entries[d].priority), 0);
    }
    this.countDescendants(order);
    for (const e of this.entries) this.openPerStage[e.stage] = (this.openPerStage[e.stage] ?? 0) + 1;
    this.open = this.entries.length;
    for (const e of this.entries) if (e.missing === 0 && !e.gate) this.ready.push(e), (e.queued = true);
    this.ready.sort((a, b) => this.compare(b, a));
    for (const e of this.entries) if (e.missing === 0 && e.gate && e.state === 'pending') this.passGate(e);
  }

  /** Critical-path length (expected time from this task's start to the end of the graph). */
  priorityOf(id: string): number {
    return this.get(id).priority;
  }

  /** Number of transitive dependents. */
  fanoutOf(id: string): number {
    return this.get(id).fanout;
  }

  /** Topological generation (0 = no dependencies). */
  stageOf(id: string): number {
    return this.get(id).stage;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  stateOf(id: string): SchedState {
    return this.get(id).state;
  }

  get runningCount(): number {
    let n = 0;
    for (const e of this.entries) if (e.state === 'running') n++;
    return n;
  }

  /** True when nothing is pending or running any more. */
  get finished(): boolean {
    return this.open === 0;
  }

  /** Ready task keys, best first (ignoring limits). */
  readyIds(): string[] {
    return this.ready.map((e) => e.id).reverse();
  }

  /**
   * The best ready task whose resources are below their limits, marked running; null when none
   * can start now. `slotsFree` is checked by the caller (the worker count).
   */
  next(): string | null {
    for (let i = this.ready.length - 1; i >= 0; i--) {
      const e = this.ready[i];
      if (this.policy === 'stages' && e.stage > this.currentStage) break;
      if (!this.fits(e)) continue;
      this.ready.splice(i, 1);
      e.queued = false;
      e.state = 'running';
      for (const r of e.resources) this.inUse.set(r, (this.inUse.get(r) ?? 0) + 1);
      return e.id;
    }
    return null;
  }

  /** A running task succeeded: its dependents may become ready. */
  succeed(id: string): void {
    const e = this.take(id);
    e.state = 'done';
    this.close(e);
    this.release_(e);
  }

  /** `e` is done: dependents whose last dependency it was become ready (gates pass at once). */
  private release_(e: Entry): void {
    for (const d of e.dependents) {
      const dep = this.entries[d];
      if (--dep.missing === 0 && dep.state === 'pending') {
        if (dep.gate) this.passGate(dep);
        else this.addReady(dep);
      }
    }
  }

  /** A gate whose deps are done is done. */
  private passGate(e: Entry): void {
    e.state = 'done';
    this.close(e);
    this.release_(e);
  }

  /** A running task gives its slot back and waits to be retried (`requeue`). */
  release(id: string): void {
    const e = this.take(id);
    e.state = 'pending';
  }

  /** A released task may start again. */
  requeue(id: string): void {
    const e = this.get(id);
    if (e.state !== 'pending' || e.missing !== 0) throw new Error(`scheduler: cannot requeue ${id} (${e.state})`);
    this.addReady(e);
  }

  /**
   * A task failed (running, or pending: a failure known before the run). Every transitive
   * dependent not yet finished is blocked; returns them with the root failure.
   */
  fail(id: string): Blocked[] {
    const e = this.get(id);
    if (e.state === 'running') this.take(id);
    else if (e.state !== 'pending') throw new Error(`scheduler: cannot fail ${id} (${e.state})`);
    this.removeReady(e);
    e.state = 'failed';
    this.close(e);
    const blocked: Blocked[] = [];
    const stack = [...e.dependents];
    while (stack.length) {
      const d = this.entries[stack.pop()!];
      if (d.state !== 'pending') continue;
      d.state = 'blocked';
      this.removeReady(d);
      this.close(d);
      if (!d.gate) blocked.push({ id: d.id, by: id });
      stack.push(...d.dependents);
    }
    return blocked;
  }

  /** Ids still pending (not started, not blocked): what an interrupted or fail-fast run leaves. */
  pendingIds(): string[] {
    return this.entries.filter((e) => e.state === 'pending' && !e.gate).map((e) => e.id);
  }

  private get(id: string): Entry {
    const e = this.byId.get(id);
    if (!e) throw new UnknownTaskError(id);
    return e;
  }

  private take(id: string): Entry {
    const e = this.get(id);
    if (e.state !== 'running') throw new Error(`scheduler: ${id} is not running (${e.state})`);
    for (const r of e.resources) this.inUse.set(r, (this.inUse.get(r) ?? 1) - 1);
    return e;
  }

  private close(e: Entry): void {
    this.open--;
    this.openPerStage[e.stage]--;
    while (this.currentStage < this.openPerStage.length && this.openPerStage[this.currentStage] === 0) this.currentStage++;
  }

  private fits(e: Entry): boolean {
    for (const r of e.resources) {
      const cap = this.limits[r];
      if (cap !== undefined && (this.inUse.get(r) ?? 0) >= cap) return false;
    }
    return true;
  }

  /** The ready order: (stage, for 'stages'), longest remaining path, most dependents, id. A total order. */
  private readonly compare = (a: Entry, b: Entry): number =>
    (this.policy === 'stages' ? a.stage - b.stage : 0) ||
    b.priority - a.priority ||
    b.fanout - a.fanout ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  /** Where `e` goes in `ready` (best last): the first index holding a task better than `e` (binary search). */
  private readyIndex(e: Entry): number {
    let lo = 0;
    let hi = this.ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(e, this.ready[mid]) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private addReady(e: Entry): void {
    if (e.queued) return;
    this.ready.splice(this.readyIndex(e), 0, e);
    e.queued = true;
  }

  private removeReady(e: Entry): void {
    if (!e.queued) return;
    // The entry sorts equal only to itself: it is just before the insertion point.
    this.ready.splice(this.readyIndex(e) - 1, 1);
    e.queued = false;
  }

  /** Kahn's algorithm; a leftover means a cycle, reported with its path. */
  private topologicalOrder(): Entry[] {
    const indegree = this.entries.map((e) => e.deps.length);
    const queue = this.entries.filter((e) => e.deps.length === 0);
    const order: Entry[] = [];
    for (let i = 0; i < queue.length; i++) {
      const e = queue[i];
      order.push(e);
      for (const d of e.dependents) if (--indegree[d] === 0) queue.push(this.entries[d]);
    }
    if (order.length !== this.entries.length) throw new SchedulerCycleError(this.findCycle(indegree));
    return order;
  }

  private findCycle(indegree: number[]): string[] {
    // Walk dependencies among the leftover nodes until one repeats.
    let e = this.entries.find((x) => indegree[x.index] > 0)!;
    const seen = new Map<Entry, number>();
    const path: Entry[] = [];
    while (!seen.has(e)) {
      seen.set(e, path.length);
      path.push(e);
      e = this.entries[e.deps.find((d) => indegree[d] > 0)!];
    }
    return path.slice(seen.get(e)).reverse().map((x) => x.id);
  }

  /**
   * Transitive dependents per task: bitsets over the reverse topological order. A task's set is
   * read only by its dependencies: once they are all counted it is reused, so memory follows the
   * widest frontier of the order, not n² bits. Bits are numbered in topological order, so a task's
   * dependents all have higher bits than its own: its set's words below its own bit's word stay
   * zero and are neither merged nor counted (about half the words of a whole set, on average).
   */
  private countDescendants(order: readonly Entry[]): void {
    // One bit per task that does work (gates pass through: they are not counted), in topological order.
    const bit = new Int32Array(this.entries.length).fill(-1);
    /** Per task: the first word its set can have bits in (the word of the first bit after it in order). */
    const from = new Int32Array(this.entries.length);
    let n = 0;
    for (const e of order) {
      from[e.index] = n >>> 5;
      if (!e.gate) bit[e.index] = n++;
    }
    const words = Math.ceil(n / 32);
    const sets: (Uint32Array | undefined)[] = new Array(this.entries.length);
    /** Per task: its dependencies not counted yet (its set is dropped at 0). */
    const readersLeft = this.entries.map((e) => e.deps.length);
    const spare: Uint32Array[] = [];
    for (let i = order.length - 1; i >= 0; i--) {
      const e = order[i];
      const lo = from[e.index];
      const set = spare.pop()?.fill(0, lo) ?? new Uint32Array(words);
      for (const d of e.dependents) {
        const b = bit[d];
        if (b >= 0) set[b >>> 5] |= 1 << (b & 31);
        const child = sets[d]!;
        for (let w = from[d]; w < words; w++) set[w] |= child[w];
        if (--readersLeft[d] === 0) {
          spare.push(child);
          sets[d] = undefined;
        }
      }
      sets[e.index] = set;
      let count = 0;
      for (let w = lo; w < words; w++) count += popcount(set[w]);
      e.fanout = count;
      if (readersLeft[e.index] === 0) {
        spare.push(set); // nothing depends on it being read: a root of the graph
        sets[e.index] = undefined;
      }
    }
  }
}

/** Set bits of a 32-bit word (constant time, where clearing bit by bit costs one step per bit). */
function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}
