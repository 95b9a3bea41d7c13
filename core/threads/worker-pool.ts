// A pool of worker threads running one module's handler (`serveWorker` in that module): requests go
// to an idle worker, else a new one while fewer than `size` run, else the least busy one. Workers
// start on first use and do not keep the process alive while idle; with `bundle`, they load the
// module as a cached plain-JS bundle when a fresh one exists (bundle.ts). A worker that dies fails its
// requests with the reason and is replaced for the next. A handler's error comes back as `{ name,
// message, ...own fields }`, turned into an Error by `options.error` (default: an Error with them).
import { Worker, parentPort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildBundleDetached, bundlesWanted, freshBundle } from './bundle.ts';

/** What crosses back for a handler that threw: its name, message and own plain fields. */
export interface WireError {
  name?: string;
  message: string;
  [field: string]: unknown;
}

type Reply<Res> = { ready: true } | { id: number; ok: true; result: Res } | { id: number; ok: false; error: WireError };

interface Slot<Res> {
  worker: Worker;
  dead: boolean;
  pending: Map<number, { resolve: (r: Res) => void; reject: (e: Error) => void }>;
}

/** One worker per core, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * The code a worker evaluates to load `module`: through tsx when this process runs under it (loader
 * hooks of this thread do not reach a worker; registering where they would is harmless). With
 * `bundle`, a plain-JS bundle of the module when a fresh one is cached (bundle.ts: no tsx in the
 * worker); when none is, tsx this time, and a detached process builds the bundle for the next one.
 */
export function workerCode(module: URL | string, options: { bundle?: boolean } = {}): string {
  if (options.bundle && bundlesWanted()) {
    const entry = fileURLToPath(module);
    const bundle = freshBundle(entry);
    if (bundle) return `import(${JSON.stringify(pathToFileURL(bundle).href)});`;
    buildBundleDetached(entry);
  }
  let tsx: string | null = null;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    tsx = null;
  }
  return `
const tsx = ${JSON.stringify(tsx)};
(tsx ? import(tsx).then((api) => api.register()) : Promise.resolve()).then(() => import(${JSON.stringify(String(module))}));
`;
}

const defaultError = (e: WireError): Error => Object.assign(new Error(e.message), e);

export class WorkerPool<Req, Res> {
  private readonly slots: Slot<Res>[] = [];
  private nextId = 0;
  private readonly code: string;

  constructor(
    module: URL | string,
    readonly size: number = defaultThreads(),
    private readonly options: { name?: string; error?: (e: WireError) => Error; bundle?: boolean } = {},
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`${options.name ?? 'worker'} threads must be a whole number ≥ 1, got ${size}`);
    this.code = workerCode(module, { bundle: options.bundle });
  }

  run(request: Req): Promise<Res> {
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!slot.pending.size) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, request });
    });
  }

  /** Stop every worker (requests in flight fail). */
  async close(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pick(): Slot<Res> {
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i].dead) this.slots.splice(i, 1);
    const idle = this.slots.find((s) => !s.pending.size);
    if (idle) return idle;
    if (this.slots.length < this.size) return this.spawn();
    return this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private spawn(): Slot<Res> {
    const worker = new Worker(this.code, { eval: true });
    const slot: Slot<Res> = { worker, dead: false, pending: new Map() };
    worker.on('message', (m: Reply<Res>) => {
      if ('ready' in m) return;
      const job = slot.pending.get(m.id);
      if (!job) return;
      slot.pending.delete(m.id);
      if (!slot.pending.size) worker.unref();
      if (m.ok) job.resolve(m.result);
      else job.reject((this.options.error ?? defaultError)(m.error));
    });
    const die = (why: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      worker.unref();
      const reason = why instanceof Error ? why.message : `exit code ${String(why)}`;
      for (const job of slot.pending.values()) job.reject(new Error(`${this.options.name ?? 'worker'} thread stopped: ${reason}`));
      slot.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', die);
    // After the listeners: adding the first 'message' listener refs the worker's port again.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

/** In a worker module: answer each request of the pool with `handler`'s result or error. */
export function serveWorker<Req, Res>(handler: (request: Req) => Promise<Res> | Res): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorker: not on a worker thread');
  port.on('message', async ({ id, request }: { id: number; request: Req }) => {
    try {
      port.postMessage({ id, ok: true, result: await handler(request) });
    } catch (err) {
      const e = (err instanceof Error ? err : new Error(String(err))) as Error & Record<string, unknown>;
      const own = Object.fromEntries(Object.entries(e).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v) || Array.isArray(v)));
      port.postMessage({ id, ok: false, error: { ...own, name: e.name, message: e.message } satisfies WireError });
    }
  });
  port.postMessage({ ready: true });
}
