// The pure scheduling core: which task to start next, given what is done, what is running and the
// concurrency limits. No I/O and no clock: the executor (execute.ts) drives it with real builds,
// `simulateSchedule` (scheduler-simulate.ts) drives it with virtual time.
//
// Not stage by stage: a task is ready as soon as every dependency is done. Ready tasks are ordered
// by the longest remaining path to the end of the graph (the critical path, weighted by expected
// durations), then by the number of transitive dependents (exact up to SKETCH - 1, estimated above:
// see `countDescendants`), then by id (deterministic).
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
  /** Place in the order (longest remaining path, most dependents, id), 0 = first: one number to compare. */
  rank: number;
  /** Its place in the ready heap; -1 when not ready. */
  heapIndex: number;
  gate: boolean;
}

export class Scheduler {
  private readonly entries: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  /**
   * Ready tasks: a binary heap, best at the root (every key of the order is fixed at construction),
   * so making a task ready or picking the best costs O(log ready), not a shift of the others.
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
        missing: 0, state: 'pending', stage: 0, priority: 0, fanout: 0, rank: 0, heapIndex: -1, gate: t.gate === true,
      };
      this.entries.push(e);
      this.byId.set(t.id, e);
    }
    // Dependencies by index, each once (a dependency listed twice is one edge).
    const lastDependent = new Int32Array(this.entries.length).fill(-1);
    for (let i = 0; i < tasks.length; i++) {
      const e = this.entries[i];
      for (const d of tasks[i].deps) {
        const dep = this.byId.get(d);
        if (!dep || dep === e || lastDependent[dep.index] === i) continue;
        lastDependent[dep.index] = i;
        e.deps.push(dep.index);
        dep.dependents.push(i);
      }
      e.missing = e.deps.length;
    }
    const order = this.topologicalOrder();
    const durations = options.durations;
    const fallback = options.defaultDuration ?? 1;
    for (const e of order) {
      let stage = 0;
      for (const d of e.deps) stage = Math.max(stage, this.entries[d].stage + 1);
      e.stage = stage;
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const e = order[i];
      let longest = 0;
      for (const d of e.dependents) longest = Math.max(longest, this.entries[d].priority);
      e.priority = (e.gate ? 0 : (durations?.get(e.id) ?? fallback)) + longest;
    }
    this.countDescendants(order);
    // The order's keys are fixed from here: ranked once, so the heap compares numbers, not ids.
    const ranked = this.entries.slice().sort((a, b) => b.priority - a.priority || b.fanout - a.fanout || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 0; i < ranked.length; i++) ranked[i].rank = i;
    for (const e of this.entries) this.openPerStage[e.stage] = (this.openPerStage[e.stage] ?? 0) + 1;
    this.open = this.entries.length;
    for (const e of this.entries) if (e.missing === 0 && !e.gate) this.addReady(e);
    for (const e of this.entries) if (e.missing === 0 && e.gate && e.state === 'pending') this.passGate(e);
  }

  /** Critical-path length (expected time from this task's start to the end of the graph). */
  priorityOf(id: string): number {
    return this.get(id).priority;
  }

  /** Number of transitive dependents (exact below SKETCH, an estimate above: see countDescendants). */
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
    return [...this.ready].sort(this.compare).map((e) => e.id);
  }

  /**
   * The best ready task whose resources are below their limits, marked running; null when none
   * can start now. `slotsFree` is checked by the caller (the worker count).
   */
  next(): string | null {
    // Taken off the heap best first; those over a limit go back once the pick is made.
    let skipped: Entry[] | null = null;
    let picked: Entry | null = null;
    while (this.ready.length) {
      const e = this.ready[0];
      if (this.policy === 'stages' && e.stage > this.currentStage) break;
      this.removeReady(e);
      if (this.fits(e)) {
        picked = e;
        break;
      }
      (skipped ??= []).push(e);
    }
    if (skipped) for (const e of skipped) this.addReady(e);
    if (!picked) return null;
    picked.state = 'running';
    for (const r of picked.resources) this.inUse.set(r, (this.inUse.get(r) ?? 0) + 1);
    return picked.id;
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

  /** The ready order, best first: (stage, for 'stages'), longest remaining path, most dependents, id. A total order. */
  private readonly compare = (a: Entry, b: Entry): number => (this.policy === 'stages' ? a.stage - b.stage || a.rank - b.rank : a.rank - b.rank);

  private addReady(e: Entry): void {
    if (e.heapIndex >= 0) return;
    e.heapIndex = this.ready.length;
    this.ready.push(e);
    this.siftUp(e.heapIndex);
  }

  private removeReady(e: Entry): void {
    const i = e.heapIndex;
    if (i < 0) return;
    e.heapIndex = -1;
    const last = this.ready.pop()!;
    if (last === e) return;
    this.ready[i] = last;
    last.heapIndex = i;
    this.siftDown(i);
    this.siftUp(last.heapIndex);
  }

  private siftUp(i: number): void {
    const heap = this.ready;
    const e = heap[i];
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (this.compare(heap[parent], e) <= 0) break;
      heap[i] = heap[parent];
      heap[i].heapIndex = i;
      i = parent;
    }
    heap[i] = e;
    e.heapIndex = i;
  }

  private siftDown(i: number): void {
    const heap = this.ready;
    const n = heap.length;
    const e = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.compare(heap[child + 1], heap[child]) < 0) child++;
      if (this.compare(heap[child], e) >= 0) break;
      heap[i] = heap[child];
      heap[i].heapIndex = i;
      i = child;
    }
    heap[i] = e;
    e.heapIndex = i;
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
   * Transitive dependents per task (gates pass through: they are not counted), in time linear in
   * the edges: exact counts need a set per task (n²/32 bit operations for bitsets: seconds at
   * 100,000 tasks), so each task keeps a bottom-k sketch instead (Cohen's size estimation): every
   * task that does work gets a distinct rank (a seeded shuffle, so the same tasks in the same order
   * give the same ranks), and a task's sketch is the SKETCH smallest ranks among its transitive
   * dependents, merged from its dependents' sketches (each with its own rank) in reverse
   * topological order. Fewer than
   * SKETCH dependents: the sketch holds them all and the count is exact; more: the SKETCH-th
   * smallest rank r of N gives the estimate (SKETCH - 1) × (N + 1) / (r + 1) (relative error about
   * 1/√SKETCH: a tie-break among tasks of equal critical path, where "far more dependents" is what
   * matters). A sketch is dropped once every task that depends on it has read it.
   */
  private countDescendants(order: readonly Entry[]): void {
    const rank = new Int32Array(this.entries.length).fill(-1);
    let n = 0;
    for (const e of this.entries) if (!e.gate) rank[e.index] = n++;
    shuffleRanks(rank, n);
    /** Per task (while some dependency has not read it): the sketch of the task and its dependents. */
    const sketches: (Int32Array | undefined)[] = new Array(this.entries.length);
    /** Per task: its dependencies not counted yet (its sketch is dropped at 0). */
    const readersLeft = this.entries.map((e) => e.deps.length);
    // Merge buffers, swapped as dependents are merged in.
    let acc = new Int32Array(SKETCH);
    let out = new Int32Array(SKETCH);
    const own = new Int32Array(1);
    for (let i = order.length - 1; i >= 0; i--) {
      const e = order[i];
      let size = 0;
      for (const d of e.dependents) {
        const child = sketches[d]!;
        size = mergeBottom(acc, size, child, child.length, out);
        const t = acc;
        acc = out;
        out = t;
        if (--readersLeft[d] === 0) sketches[d] = undefined;
      }
      e.fanout = size < SKETCH ? size : Math.round(((SKETCH - 1) * (n + 1)) / (acc[SKETCH - 1] + 1));
      if (readersLeft[e.index] === 0) continue;
      if (rank[e.index] >= 0) {
        own[0] = rank[e.index];
        sketches[e.index] = new Int32Array(SKETCH);
        sketches[e.index] = sketches[e.index]!.subarray(0, mergeBottom(acc, size, own, 1, sketches[e.index]!));
      } else {
        sketches[e.index] = acc.slice(0, size);
      }
    }
  }
}

/** Size of the descendant sketches: counts below it are exact. */
const SKETCH = 64;

/**
 * The smallest (at most SKETCH) distinct values of two ascending lists, ascending, into `out`;
 * returns how many. Equal values are one task reached along two paths: kept once.
 */
function mergeBottom(a: Int32Array, na: number, b: Int32Array, nb: number, out: Int32Array): number {
  let i = 0;
  let j = 0;
  let k = 0;
  while (k < SKETCH && (i < na || j < nb)) {
    const x = i < na ? a[i] : 0x7fffffff;
    const y = j < nb ? b[j] : 0x7fffffff;
    if (x < y) out[k++] = x, i++;
    else if (y < x) out[k++] = y, j++;
    else out[k++] = x, i++, j++;
  }
  return k;
}

/** Replace the ranks 0..n-1 (the -1s stay) by a seeded permutation of them (Fisher–Yates, xorshift32). */
function shuffleRanks(rank: Int32Array, n: number): void {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let x = 0x9e3779b9 | 0;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (let i = 0; i < rank.length; i++) if (rank[i] >= 0) rank[i] = perm[rank[i]];
}
