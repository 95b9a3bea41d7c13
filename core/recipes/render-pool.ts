// Rendering on worker threads. A render is CPU-bound on one thread (Jinja in wasm, YAML, variant
// logic), so planning thousands of recipes would use one core; the pool gives the built-in renderers
// the machine's other cores: one worker per other core, this thread rendering too. It starts when
// the renders still to come are worth a worker: when the recipes a process is about to render
// (renderRecipes and render --all say how many with expectRenders, cache hits are counted off with
// renderSkipped) would take POOL_WORTH_MS or more at the mean time of the renders done so far (at
// least POOL_SAMPLES of them), or when RENDER_POOL_AFTER renders are asked for at once — less the
// renders the render cache expects to answer (expectCachedRenders: the entries of the packs it read),
// so that re-planning 25,000 feedstocks after one recipe changed renders that one here instead of
// starting a worker for it (a pack of stale entries: the mean-time rule starts it). Loading a
// worker (tsx, the renderers, two wasm modules) costs a few hundred ms of the other core: a plan of
// a few hundred small recipes or a test never starts it, a few hundred real-size recipes (several
// ms each) do. Renders are done here until a worker is ready.
// Jobs are claimed, not assigned: every render asked for while a worker is ready is offered to every
// ready worker at once, and whoever claims it first (a compare-and-swap on a shared Int32Array)
// renders it — a worker as soon as it is free, this thread when it comes back to its event loop. So
// a worker never waits for this thread (busy with its own render, or with what comes after the
// renders) to hand it the next job: it takes the next open one itself.
// Every result is the one the local render would have made:
//   - the worker runs the same renderer on the same inputs (recipe, target, options, including the
//     allow-listed environ the render plugins give) and its result is a structured clone
//     of plain data, with `recipe` and `target` set back to the caller's own objects;
//   - a render that fails in a worker (or whose job or result cannot be sent) is rendered again
//     locally, so the error thrown is the local renderer's own;
//   - a worker that dies takes no render with it: the renders it claimed are done locally, and when
//     no worker is left the pool is off for the rest of the process.
// Results keep their order: the caller (renderRecipes) stores each by index. Idle workers do not
// keep the process alive. REBUILD_RENDER_THREADS=0 turns the pool off; =N uses N workers.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { RecipeRef, RenderedRecipe, Target } from '../model/types.ts';
import { workerCode } from '../threads/worker-pool.ts';
import { minijinjaModule, type WasmModule } from './minijinja.ts';

export interface RenderJob {
  format: 'meta.yaml' | 'recipe.yaml';
  recipe: RecipeRef;
  target: Target;
  /** The renderer's options, as plain data (made only when the job goes to a worker). */
  options: () => Record<string, unknown>;
}

/** Renders asked for in this process before the pool is started (whatever their time). */
export const RENDER_POOL_AFTER = 2000;
/** Work still to come, at the mean render time so far, that starts the pool. */
const POOL_WORTH_MS = 1500;
/** Local renders timed before the mean is trusted. */
const POOL_SAMPLES = 8;
/**
 * Claim slots: `claims[0]` counts the jobs workers took; `claims[1 + id % CLAIM_SLOTS]` is `id + 1`
 * while job `id` is open, 0 once this thread took it, `-(w + 1)` once worker `w` did. A slot is
 * reused CLAIM_SLOTS jobs later, so no more than half of them are offered at once.
 */
export const CLAIM_SLOTS = 1 << 16;

/** What a render worker is started with (its `workerData`). */
export interface RenderWorkerData {
  claims: SharedArrayBuffer;
  /** This worker's number `w` (its claims are `-(w + 1)`). */
  index: number;
  /** This thread's minijinja module (minijinja.ts): compiled once, its tiered-up code shared. */
  minijinja: WasmModule;
}

/** Take open job `id` for claimer `by` (0: this thread; -(w + 1): worker w). */
export function claimJob(claims: Int32Array, id: number, by: number): boolean {
  return Atomics.compareExchange(claims, 1 + (id % CLAIM_SLOTS), id + 1, by) === id + 1;
}

type Reply = { id: number; ok: true; rendered: RenderedRecipe } | { id: number; ok: false } | { ready: true };

interface Slot {
  worker: Worker;
  index: number;
  ready: boolean;
  dead: boolean;
}

class RenderPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  readonly claims = new Int32Array(new SharedArrayBuffer(4 * (1 + CLAIM_SLOTS)));
  /** Offered jobs not yet answered (by a worker's reply, or this thread's claim). */
  private readonly pending = new Map<number, (rendered: RenderedRecipe | undefined) => void>();

  constructor(size: number) {
    const bootstrap = workerBootstrap();
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(bootstrap, i));
  }

  /** Jobs offered to the workers so far. */
  offered = 0;

  /** Renders the workers took so far. */
  get taken(): number {
    return Atomics.load(this.claims, 0);
  }

  /** Stop every worker (nothing in flight: the caller checks `offered`). */
  terminate(): void {
    for (const s of this.slots) {
      s.dead = true;
      void s.worker.terminate();
    }
  }

  get alive(): boolean {
    return this.slots.some((s) => !s.dead);
  }

  get ready(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  private spawn(code: string, index: number): Slot {
    const workerData: RenderWorkerData = { claims: this.claims.buffer as SharedArrayBuffer, index, minijinja: minijinjaModule() };
    const worker = new Worker(code, { eval: true, workerData });
    const slot: Slot = { worker, index, ready: false, dead: false };
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        slot.ready = true;
        firstReadyAt ??= performance.now();
        return;
      }
      this.settle(m.id, m.ok ? m.rendered : undefined);
    });
    const die = () => {
      if (slot.dead) return;
      slot.dead = true;
      slot.ready = false;
      worker.unref();
      // The renders it took and did not answer are rendered locally.
      const mine = -(index + 1);
      for (const id of [...this.pending.keys()]) if (Atomics.load(this.claims, 1 + (id % CLAIM_SLOTS)) === mine) this.settle(id, undefined);
    };
    worker.on('error', die);
    worker.on('exit', die);
    worker.on('messageerror', die);
    // After the listeners: adding the first 'message' listener refs the worker's port again.
    worker.unref();
    return slot;
  }

  private settle(id: number, rendered: RenderedRecipe | undefined): void {
    const done = this.pending.get(id);
    if (!done) return;
    this.pending.delete(id);
    if (!this.pending.size) for (const s of this.slots) s.worker.unref();
    done(rendered);
  }

  /**
   * Offer `job` to every ready worker; undefined when none is ready (render locally). `take()` then
   * claims it for this thread (true: render it here) or gives the worker's result (undefined when
   * the worker could not render it).
   */
  offer(job: RenderJob): { take(): true | Promise<RenderedRecipe | undefined> } | undefined {
    const ready = this.slots.filter((s) => s.ready && !s.dead);
    if (!ready.length || this.pending.size >= CLAIM_SLOTS / 2 || this.nextId >= 0x7ffffffe) return undefined;
    const id = this.nextId++;
    const result = new Promise<RenderedRecipe | undefined>((resolve) => {
      if (!this.pending.size) for (const s of this.slots) s.worker.ref();
      this.pending.set(id, resolve);
    });
    Atomics.store(this.claims, 1 + (id % CLAIM_SLOTS), id + 1);
    let message: unknown;
    try {
      message = { id, job: { format: job.format, recipe: job.recipe, target: job.target, options: job.options() } };
      let posted = 0;
      for (const s of ready) {
        try {
          s.worker.postMessage(message);
          posted++;
        } catch {
          // This worker does not get it; another may.
        }
      }
      if (!posted) throw new Error('not sent');
    } catch {
      claimJob(this.claims, id, 0);
      this.settle(id, undefined);
      return undefined;
    }
    this.offered++;
    return {
      take: () => {
        if (!claimJob(this.claims, id, 0)) return result;
        this.settle(id, undefined);
        return true;
      },
    };
  }
}

/**
 * The worker's code: the render worker module, as a plain-JS bundle when a fresh one is cached
 * (core/threads/bundle.ts), else through tsx when this process runs under it.
 */
function workerBootstrap(): string {
  return workerCode(new URL('./render-worker.ts', import.meta.url), { bundle: true });
}

let requested = 0;
/** Renders the render cache expects to answer from its packs (expectCachedRenders). */
let cachedExpected = 0;
let pool: RenderPool | null | undefined;

function poolSize(): number {
  const env = process.env.REBUILD_RENDER_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    return Number.isInteger(n) && n > 0 ? Math.min(n, 64) : 0;
  }
  // This thread renders too: one worker per other core.
  return Math.min(availableParallelism() - 1, 8);
}

/** Renders asked for in this process when the pool started. */
let startedAfter = 0;
/** When the pool last started and when a worker of it was first ready (performance.now()). */
let startedAt: number | null = null;
let firstReadyAt: number | null = null;

function startRenderPool(): void {
  if (pool !== undefined) return;
  startedAfter = requested;
  startedAt = performance.now();
  firstReadyAt = null;
  const size = poolSize();
  pool = size > 0 ? new RenderPool(size) : null;
}

/**
 * V8's interrupt budget (bytecode run before a function is considered for optimisation; V8's
 * default is 132 KB) for a process about to render many recipes: with the default, V8's background
 * threads spent ~2 s of CPU optimising (TurboFan) the renderers' many lukewarm functions in every
 * thread during `render --all` of 1,300 real-size recipes (perf, per thread) — on 2 cores that is
 * taken from the renders. With 400 KB only the hot ones are: 0.5–1.0 s less CPU in total (three
 * interleaved rounds each, load 18–38), same output. Process-wide (workers started later share it).
 */
const RENDER_INTERRUPT_BUDGET = 400_000;

/**
 * Start the workers now, before the renders are asked for: a caller about to render many recipes
 * (`render --all`) calls this before its discovery, so the workers load (the renderers' bundle, a
 * wasm module: ~0.1 s of another core) while this thread finds the recipes. Renders still go by the
 * rules above: if `expectRenders` then says too few are coming, `stopRenderPool` gives the core
 * back. It also raises V8's interrupt budget (RENDER_INTERRUPT_BUDGET) before the renderers load.
 */
export function prestartRenderPool(): void {
  setFlagsFromString(`--interrupt-budget=${RENDER_INTERRUPT_BUDGET}`);
  startRenderPool();
}

/** Stop the pool's workers if no render was offered to them; the pool may start again by the rules above. */
export function stopRenderPoolIfIdle(): void {
  if (!pool || pool.offered) return;
  pool.terminate();
  pool = undefined;
}

let expected = 0;
let localRenders = 0;
let localMs = 0;

/**
 * The render cache holds `count` more renderings it expects to hand out in this process (a pack it
 * read): they are not renders to come when deciding to start the pool at once.
 */
export function expectCachedRenders(count: number): void {
  cachedExpected += count;
}

/** A render that was not needed (a cache hit): one fewer of those expected still to come. */
export function renderSkipped(): void {
  requested++;
}

/** Are `remaining` renders, at the mean of `renders` done in `ms`, worth starting the pool? */
export function worthAPool(remaining: number, renders: number, ms: number): boolean {
  return renders >= POOL_SAMPLES && remaining * (ms / renders) >= POOL_WORTH_MS;
}

/**
 * Say that `count` renders are about to be asked for (renderRecipes does): when enough are, the
 * first one that reaches a built-in renderer starts the pool, so that its workers load while the
 * first renders are done here.
 */
export function expectRenders(count: number): void {
  expected = Math.max(expected, count);
}

/**
 * What the pool is doing (for tests and diagnostics): started, workers ready, renders offered to
 * workers, renders the workers took (`sent`; read from shared memory, so it moves while this thread
 * is busy), how many renders were asked for before it started, and when (performance.now()) it
 * started and its first worker was ready.
 */
export function renderPoolState(): { started: boolean; ready: number; offered: number; sent: number; startedAfter: number; startedAt: number | null; firstReadyAt: number | null } {
  return {
    started: !!pool,
    ready: pool ? pool.ready : 0,
    offered: pool ? pool.offered : 0,
    sent: pool ? pool.taken : 0,
    startedAfter: pool ? startedAfter : 0,
    startedAt: pool ? startedAt : null,
    firstReadyAt: pool ? firstReadyAt : null,
  };
}

/**
 * Offer `job` to the pool's workers when it is running and a worker is ready; undefined means
 * "render it here". Otherwise `take()` claims it for this thread (true: render it here) or gives
 * the worker's result (undefined when the worker could not render it: render it here).
 */
export function offerToPool(job: RenderJob): { take(): true | Promise<RenderedRecipe | undefined> } | undefined {
  if (pool === null) return undefined;
  if (pool === undefined) {
    if (Math.max(++requested, expected) - cachedExpected < RENDER_POOL_AFTER && !worthAPool(expected - requested, localRenders, localMs)) return undefined;
    startRenderPool();
    if (!pool) return undefined;
  }
  if (!pool.alive) {
    pool = null;
    return undefined;
  }
  return pool.offer(job);
}

/** Render through the pool when a worker takes the job, else (or when the worker could not) locally. */
export async function pooledRender(job: RenderJob, local: () => Promise<RenderedRecipe>): Promise<RenderedRecipe> {
  const offer = offerToPool(job);
  // Workers starting or offered the job: a local render never waits for I/O, so let the event loop
  // take their messages ("ready", results) first, and a free worker claim the job meanwhile.
  if (pool) await new Promise((resolve) => setImmediate(resolve));
  const taken = offer?.take();
  if (taken && taken !== true) {
    const rendered = await taken;
    if (rendered) {
      rendered.recipe = job.recipe;
      rendered.target = job.target;
      return rendered;
    }
  }
  const t0 = performance.now();
  try {
    return await local();
  } finally {
    localRenders++;
    localMs += performance.now() - t0;
  }
}
