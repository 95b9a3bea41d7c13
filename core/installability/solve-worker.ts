// Worker thread of the solve pool (solve-pool.ts): one solve per request. The solver's "no
// solution" is an outcome; anything else (a channel the solver could not read) is an error.
import { serveWorker } from '../threads/worker-pool.ts';
import { solve, SolveError } from '../conda/solve.ts';
import type { SolveReply, SolveRequest } from './solve-pool.ts';

serveWorker(async (req: SolveRequest): Promise<SolveReply> => {
  const start = performance.now();
  try {
    const records = await solve(req.specs, { channels: req.urls, subdir: req.subdir });
    return { outcome: { ok: true, packages: records.map((r) => `${r.name}-${r.version}-${r.build}`).sort() }, ms: performance.now() - start };
  } catch (err) {
    if (err instanceof SolveError) return { outcome: { ok: false, message: err.solverMessage }, ms: performance.now() - start };
    throw err;
  }
});
