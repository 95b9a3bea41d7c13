// Worker threads converting packages side by side: zstd and bzip2 compression and the read-back are
// CPU-bound on the thread that runs them, so one thread would convert one package at a time.
// The project's worker pool (core/threads/worker-pool.ts) running worker.ts; errors come back as the
// class convertPackage threw.
import { WorkerPool, defaultThreads, type WireError } from '../../core/threads/worker-pool.ts';
import { PackageFormatError } from '../../core/conda/package-types.ts';
import { ArchiveError, UnsafeArchiveError } from '../../core/conda/safe-extract.ts';
import { TransmuteMismatchError, type ConvertOptions, type ConvertResult } from './convert.ts';

export { defaultThreads };

/** What a worker is sent: one conversion (options without the `beforeVerify` hook: a function cannot cross). */
export interface ConvertRequest {
  source: string;
  target: string;
  options: Omit<ConvertOptions, 'beforeVerify'>;
}

/** The worker's error as the class convertPackage threw (so the engine classes the failure the same). */
function rebuildError(e: WireError): Error {
  switch (e.name) {
    case 'UnsafeArchiveError': return new UnsafeArchiveError(e.message);
    case 'PackageFormatError': return new PackageFormatError(e.message);
    case 'ArchiveError': return new ArchiveError(e.message);
    case 'TransmuteMismatchError': return new TransmuteMismatchError(e.message, (e.differences as string[] | undefined) ?? []);
    default: return Object.assign(new Error(e.message), e.code ? { code: e.code, syscall: e.syscall } : {});
  }
}

export class TransmutePool {
  private readonly pool: WorkerPool<ConvertRequest, ConvertResult>;

  constructor(readonly size: number = defaultThreads()) {
    this.pool = new WorkerPool(new URL('./worker.ts', import.meta.url), size, { name: 'transmute', error: rebuildError });
  }

  /** Convert on a worker (see convertPackage). */
  convert(source: string, target: string, options: ConvertOptions = {}): Promise<ConvertResult> {
    const { beforeVerify: _hook, ...plain } = options;
    return this.pool.run({ source, target, options: plain });
  }

  /** Stop every worker (jobs in flight fail). */
  close(): Promise<void> {
    return this.pool.close();
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
