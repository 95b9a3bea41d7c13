// Worker threads solving side by side: rattler's solve is CPU-bound on the thread that runs it.
// `threads` workers, started on first use; each request goes to the least busy one. A worker that
// dies fails its requests with the reason, and is replaced for the next.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/** What a solve found: the packages of the environment, or the solver's message. */
export type SolveOutcome = { ok: true; packages: string[] } | { ok: false; message: string };

export interface SolveRequest {
  id: number;
  specs: string[];
  urls: string[];
  subdir: string;
}

export type SolveReply = { id: number; outcome: SolveOutcome; ms: number } | { id: number; error: string; ms: number };

interface Slot {
  worker: Worker;
  dead: boolean;
  pending: Map<number, { resolve: (r: { outcome: SolveOutcome; ms: number }) => void; reject: (e: Error) => void }>;
}

export function defaultSolveThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** Loads the worker module through tsx when this process runs under it (the worker does not inherit loader hooks). */
function bootstrap(): string {
  const module = new URL('./solve-worker.ts', import.meta.url).href;
  let tsx: string | null = null;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    tsx = null;
  }
  return `
const tsx = ${JSON.stringify(tsx)};
(tsx ? import(tsx).then((api) => api.register()) : Promise.resolve()).then(() => import(${JSON.stringify(module)}));
`;
}

export class SolvePool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private readonly code = bootstrap();

  constructor(readonly size: number = defaultSolveThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`solve threads must be a whole number ≥ 1, got ${size}`);
  }

  /** Solve `specs` for `subdir` against the channel `urls` on a worker. Rejects when the solve could not run. */
  solve(specs: string[], urls: string[], subdir: string): Promise<{ outcome: SolveOutcome; ms: number }> {
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!slot.pending.size) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, specs, urls, subdir } satisfies SolveRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pick(): Slot {
    for (let i = this.slots.length - 1; i >= 0; i--) if (this.slots[i].dead) this.slots.splice(i, 1);
    const idle = this.slots.find((s) => !s.pending.size);
    if (idle) return idle;
    if (this.slots.length < this.size) return this.spawn();
    return this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private spawn(): Slot {
    const worker = new Worker(this.code, { eval: true });
    const slot: Slot = { worker, dead: false, pending: new Map() };
    worker.on('message', (m: SolveReply | { ready: true }) => {
      if ('ready' in m) return;
      const job = slot.pending.get(m.id);
      if (!job) return;
      slot.pending.delete(m.id);
      if (!slot.pending.size) worker.unref();
      if ('error' in m) job.reject(new Error(m.error));
      else job.resolve({ outcome: m.outcome, ms: m.ms });
    });
    const die = (why: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      worker.unref();
      for (const job of slot.pending.values()) job.reject(new Error(`solver worker stopped: ${why instanceof Error ? why.message : `exit code ${String(why)}`}`));
      slot.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', die);
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
