// Worker threads converting packages side by side: zstd and bzip2 compression and the read-back are
// CPU-bound on the thread that runs them, so one thread would convert one package at a time.
// `threads` workers (loaded on first use, idle ones do not keep the process alive); each job goes
// to the least busy one. A worker that dies fails its jobs with the reason, and is replaced for the next.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { PackageFormatError } from '../../core/conda/package-types.ts';
import { ArchiveError, UnsafeArchiveError } from '../../core/conda/safe-extract.ts';
import { TransmuteMismatchError, type ConvertOptions, type ConvertResult } from './convert.ts';

interface WireError { name?: string; message: string; differences?: string[]; code?: string; syscall?: string }
type Reply = { ready: true } | { id: number; ok: true; result: ConvertResult } | { id: number; ok: false; error: WireError };

interface Slot {
  worker: Worker;
  dead: boolean;
  pending: Map<number, { resolve: (r: ConvertResult) => void; reject: (e: Error) => void }>;
}

/** The worker's error as the class convertPackage threw (so the engine classes the failure the same). */
function rebuildError(e: WireError): Error {
  switch (e.name) {
    case 'UnsafeArchiveError': return new UnsafeArchiveError(e.message);
    case 'PackageFormatError': return new PackageFormatError(e.message);
    case 'ArchiveError': return new ArchiveError(e.message);
    case 'TransmuteMismatchError': return new TransmuteMismatchError(e.message, e.differences ?? []);
    default: return Object.assign(new Error(e.message), e.code ? { code: e.code, syscall: e.syscall } : {});
  }
}

function bootstrap(): string {
  const module = new URL('./worker.ts', import.meta.url).href;
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

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export class TransmutePool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private readonly code = bootstrap();

  constructor(readonly size: number = defaultThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`transmute threads must be a whole number ≥ 1, got ${size}`);
  }

  /** Convert on a worker (see convertPackage). */
  convert(source: string, target: string, options: ConvertOptions = {}): Promise<ConvertResult> {
    const slot = this.pick();
    const id = this.nextId++;
    const { beforeVerify: _hook, ...plain } = options; // a function cannot cross to a worker
    return new Promise((resolve, reject) => {
      if (!slot.pending.size) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, source, target, options: plain });
    });
  }

  /** Stop every worker (jobs in flight fail). */
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
    worker.on('message', (m: Reply) => {
      if ('ready' in m) return;
      const job = slot.pending.get(m.id);
      if (!job) return;
      slot.pending.delete(m.id);
      if (!slot.pending.size) worker.unref();
      if (m.ok) job.resolve(m.result);
      else job.reject(rebuildError(m.error));
    });
    const die = (why: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      worker.unref();
      for (const job of slot.pending.values()) job.reject(new Error(`transmuter worker stopped: ${why instanceof Error ? why.message : `exit code ${String(why)}`}`));
      slot.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', die);
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}

const shared = new Map<number, TransmutePool>();

/**
 * The process's pool of `size` workers, made on first use: every run of a process (tests make
 * many; an embedder may too) uses the same workers instead of leaving a set of idle ones per run.
 */
export function sharedPool(size: number): TransmutePool {
  let pool = shared.get(size);
  if (!pool) shared.set(size, (pool = new TransmutePool(size)));
  return pool;
}
