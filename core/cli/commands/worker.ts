// `rebuild worker --queue URL --arch SUBDIR [--concurrency N] [--config FILE] [--lock-duration MS]`:
// take build jobs of one arch from the queue until SIGINT/SIGTERM (jobs in progress are finished
// first; exit 0). `--queue` beats `queue.url` in the config; one of them is needed (exit 64).
import type { GlobalOptions } from '../options.ts';
import { loadEngine } from '../context.ts';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { handleInterrupts } from '../../engine/interrupt.ts';
import { queueSettings } from '../../queue/connection.ts';
import { startWorker } from '../../queue/worker.ts';

export interface WorkerCommandOptions extends GlobalOptions {
  queue?: string;
  lockDuration?: string;
}

export async function workerCommand(_args: string[], opts: WorkerCommandOptions): Promise<number> {
  if (opts.arch?.length !== 1) throw new UserError(`worker: --arch SUBDIR: exactly one arch per worker (got ${opts.arch?.length ? opts.arch.join(', ') : 'none'})`, EXIT.USAGE);
  let lockDurationMs: number | undefined;
  if (opts.lockDuration !== undefined) {
    lockDurationMs = Number(opts.lockDuration);
    if (!/^\d+$/.test(opts.lockDuration) || lockDurationMs < 1000) throw new UserError(`--lock-duration ${opts.lockDuration}: expected milliseconds, at least 1000`, EXIT.USAGE);
  }
  const engine = await loadEngine(opts);
  const settings = queueSettings(engine.config, opts.queue);
  if (!settings) throw new UserError('worker: no queue: give --queue redis://HOST:PORT[/DB] or set queue.url in the config', EXIT.USAGE);
  const notice = (m: string) => void process.stderr.write(`rebuild worker: ${m}\n`);
  const interrupts = handleInterrupts({ notice });
  try {
    const worker = await startWorker({ engine, settings, subdir: opts.arch[0], concurrency: engine.config.concurrency, lockDurationMs, notice });
    await new Promise<void>((resolve) => {
      if (interrupts.signal.aborted) resolve();
      interrupts.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await worker.close();
    return EXIT.OK;
  } finally {
    interrupts.dispose();
  }
}
