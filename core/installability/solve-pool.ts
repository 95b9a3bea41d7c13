// Worker threads solving side by side (core/threads/worker-pool.ts running solve-worker.ts):
// rattler's solve is CPU-bound on the thread that runs it.
import { WorkerPool, defaultThreads } from '../threads/worker-pool.ts';

/** What a solve found: the packages of the environment, or the solver's message. */
export type SolveOutcome = { ok: true; packages: string[] } | { ok: false; message: string };

export interface SolveRequest {
  specs: string[];
  urls: string[];
  subdir: string;
}

export interface SolveReply {
  outcome: SolveOutcome;
  /** Time the worker spent on it. */
  ms: number;
}

export const defaultSolveThreads = defaultThreads;

export class SolvePool {
  private readonly pool: WorkerPool<SolveRequest, SolveReply>;

  constructor(readonly size: number = defaultSolveThreads()) {
    this.pool = new WorkerPool(new URL('./solve-worker.ts', import.meta.url), size, { name: 'solver' });
  }

  /** Solve `specs` for `subdir` against the channel `urls` on a worker. Rejects when the solve could not run. */
  solve(specs: string[], urls: string[], subdir: string): Promise<SolveReply> {
    return this.pool.run({ specs, urls, subdir });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
