// Worker thread of the solve pool (solve-pool.ts): solves one request at a time, as asked.
import { parentPort } from 'node:worker_threads';
import { solve, SolveError } from '../conda/solve.ts';
import type { SolveReply, SolveRequest } from './solve-pool.ts';

const port = parentPort!;
port.on('message', async (req: SolveRequest) => {
  const start = performance.now();
  let reply: SolveReply;
  try {
    const records = await solve(req.specs, { channels: req.urls, subdir: req.subdir });
    reply = { id: req.id, outcome: { ok: true, packages: records.map((r) => `${r.name}-${r.version}-${r.build}`).sort() }, ms: performance.now() - start };
  } catch (err) {
    reply =
      err instanceof SolveError
        ? { id: req.id, outcome: { ok: false, message: err.solverMessage }, ms: performance.now() - start }
        : { id: req.id, error: String((err as Error)?.message ?? err), ms: performance.now() - start };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
