// Rendering on worker threads. A render is CPU-bound on one thread (Jinja in wasm, YAML, variant
// logic), so planning thousands of recipes would use one core; the pool gives the built-in renderers
// the machine's other cores: one worker per other core, this thread rendering too when every worker
// has PER_WORKER renders. It starts when the renders still to come are worth a worker: when the
// recipes a process is about to render (renderRecipes and render --all say how many with
// expectRenders, cache hits are counted off with renderSkipped) would take POOL_WORTH_MS or more at
// the mean time of the renders done so far (at least POOL_SAMPLES of them), or when
// RENDER_POOL_AFTER renders are asked for at once. Loading a worker (tsx, the renderers, two wasm
// modules) costs a few hundred ms of the other core: a plan of a few hundred small recipes or a
// test never starts it, a few hundred real-size recipes (several ms each) do. Renders are done here
// until a worker is ready. Every result is the one the local render would have made:
//   - the worker runs the same renderer on the same inputs (recipe, target, options, including the
//     allow-listed environ the render plugins give) and its result is a structured clone
//     of plain data, with `recipe` and `target` set back to the caller's own objects;
//   - a render that fails in a worker (or whose job or result cannot be sent) is rendered again
//     locally, so the error thrown is the local renderer's own;
//   - a worker that dies takes no render with it: its renders are done locally, and when no worker
//     is left the pool is off for the rest of the process.
// Results keep their order: the caller (renderRecipes) stores each by index. Idle workers do not
// keep the process alive. REBUILD_RENDER_THREADS=0 turns the pool off; =N uses N workers.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { RecipeRef, RenderedRecipe, Target } from '../model/types.ts';
import { workerCode } from '../threads/worker-pool.ts';

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
/** Renders waiting for or running in one worker: enough to keep it busy while results travel. */
const PER_WORKER = 3;

type Reply = { id: number; ok: true; rendered: RenderedRecipe } | { id: number; ok: false } | { ready: true };

interface Slot {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  pending: Map<number, (rendered: RenderedRecipe | undefined) => void>;
}

class RenderPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(size: number) {
    const bootstrap = workerBootstrap();
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(bootstrap));
  }

  /** Renders sent to a worker so far. */
  sent = 0;

  /** Stop every worker (nothing in flight: the caller checks `sent`). */
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

  private spawn(code: string): Slot {
    const worker = new Worker(code, { eval: true });
    const slot: Slot = { worker, ready: false, dead: false, pending: new Map() };
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        slot.ready = true;
        return;
      }
      const done = slot.pending.get(m.id);
      if (!done) return;
      slot.pending.delete(m.id);
      if (!slot.pending.size) worker.unref();
      done(m.ok ? m.rendered : undefined);
    });
    const die = () => {
      if (slot.dead) return;
      slot.dead = true;
      slot.ready = false;
      worker.unref();
      for (const done of slot.pending.values()) done(undefined);
      slot.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', die);
    worker.on('messageerror', die);
    // After the listeners: adding the first 'message' listener refs the worker's port again.
    worker.unref();
    return slot;
  }

  /**
   * Render in a worker; undefined when no worker is ready or every one has PER_WORKER renders
   * (render locally: this thread is one of the renderers). The promise gives undefined when the
   * worker could not.
   */
  render(job: RenderJob): Promise<RenderedRecipe | undefined> | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.ready && s.pending.size < PER_WORKER && (!best || s.pending.size < best.pending.size)) best = s;
    if (!best) return undefined;
    const slot = best;
    const id = this.nextId++;
    this.sent++;
    return new Promise((resolve) => {
      if (!slot.pending.size) slot.worker.ref();
      slot.pending.set(id, resolve);
      try {
        slot.worker.postMessage({ id, job: { format: job.format, recipe: job.recipe, target: job.target, options: job.options() } });
      } catch {
        slot.pending.delete(id);
        if (!slot.pending.size) slot.worker.unref();
        resolve(undefined);
      }
    });
  }
}

/** The worker's code: the render worker module, loaded through tsx when this process runs under it. */
function workerBootstrap(): string {
  return workerCode(new URL('./render-worker.ts', import.meta.url));
}

let requested = 0;
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

function startRenderPool(): void {
  if (pool !== undefined) return;
  startedAfter = requested;
  const size = poolSize();
  pool = size > 0 ? new RenderPool(size) : null;
}

/**
 * Start the workers now, before the renders are asked for: a caller about to render many recipes
 * (`render --all`) calls this before its discovery, so the workers load (tsx, the renderers, two
 * wasm modules: a few hundred ms of another core) while this thread finds the recipes. Renders
 * still go by the rules above: if `expectRenders` then says too few are coming, `stopRenderPool`
 * gives the core back.
 */
export function prestartRenderPool(): void {
  startRenderPool();
}

/** Stop the pool's workers if no render was sent to them; the pool may start again by the rules above. */
export function stopRenderPoolIfIdle(): void {
  if (!pool || pool.sent) return;
  pool.terminate();
  pool = undefined;
}

let expected = 0;
let localRenders = 0;
let localMs = 0;

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
 * What the pool is doing (for tests and diagnostics): started, workers ready, renders sent to
 * workers, and how many renders were asked for before it started.
 */
export function renderPoolState(): { started: boolean; ready: number; sent: number; startedAfter: number } {
  return { started: !!pool, ready: pool ? pool.ready : 0, sent: pool ? pool.sent : 0, startedAfter: pool ? startedAfter : 0 };
}

/**
 * Render `job` on a worker thread when the pool is running and a worker is ready; undefined means
 * "render it here" (also what the promise gives when the worker could not render it).
 */
export function renderInPool(job: RenderJob): Promise<RenderedRecipe | undefined> | undefined {
  if (pool === null) return undefined;
  if (pool === undefined) {
    if (Math.max(++requested, expected) < RENDER_POOL_AFTER && !worthAPool(expected - requested, localRenders, localMs)) return undefined;
    startRenderPool();
    if (!pool) return undefined;
  }
  if (!pool.alive) {
    pool = null;
    return undefined;
  }
  const sent = pool.render(job);
  if (!sent) return undefined;
  return sent.then((rendered) => {
    if (!rendered) return undefined;
    rendered.recipe = job.recipe;
    rendered.target = job.target;
    return rendered;
  });
}

/** Render through the pool when it takes the job, else (or when the worker could not) locally. */
export async function pooledRender(job: RenderJob, local: () => Promise<RenderedRecipe>): Promise<RenderedRecipe> {
  const sent = renderInPool(job);
  if (sent) return (await sent) ?? local();
  // Workers starting or all busy: a local render never waits for I/O, so let the event loop take
  // their messages ("ready", results) first.
  if (pool) await new Promise((resolve) => setImmediate(resolve));
  const t0 = performance.now();
  try {
    return await local();
  } finally {
    localRenders++;
    localMs += performance.now() - t0;
  }
}
