// Benchmark 4 — engine overhead per package: 10,000 packages of a synthetic plan through the real
// executor (executeRun: state database, scheduler, prepareTask → taskStart → build → test →
// transmute → channel index → shouldPublish → publish → taskEnd) with a builder that does no work.
// The figure is the run's wall time ÷ packages. Measured twice in the same run: with the real
// channel indexer after every build, and with it replaced by a no-op (the baseline), to show its share.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildTimeoutError, row, runChild, type Benchmark } from './measure.ts';

export interface ExecuteChildResult {
  packages: number;
  firstMs: number;
  firstCpuMs: number;
  firstExit: number;
  firstCounts: Record<string, number>;
  calls: Record<string, number>;
  maxRssMb: number;
}

/** Per run time limit, so the bench stays under 10 minutes; a stopped run gives its rate so far. */
const LIMIT_MS = 80_000;

/** Time per package of one run: measured to the end, or from the progress when stopped at the limit. */
interface Measured {
  msPerPackage: number;
  cpuMsPerPackage: number | null;
  done: number;
  stopped: boolean;
  result: ExecuteChildResult | null;
}

async function measure(n: number, index: 'index' | 'noindex'): Promise<Measured> {
  const work = join(tmpdir(), `rebuild-bench-exec-${process.pid}-${n}-${index}`);
  await rm(work, { recursive: true, force: true });
  try {
    const r = await runChild<ExecuteChildResult>('execute-child.ts', [String(n), work, '8', index], { timeoutMs: LIMIT_MS });
    return { msPerPackage: r.firstMs / n, cpuMsPerPackage: r.firstCpuMs / n, done: r.firstCounts.published ?? 0, stopped: false, result: r };
  } catch (err) {
    if (!(err instanceof ChildTimeoutError) || !err.progress) throw err;
    return { msPerPackage: err.progress.ms / err.progress.done, cpuMsPerPackage: null, done: err.progress.done, stopped: true, result: null };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const engineOverhead: Benchmark = async (ctx) => {
  const n = ctx.quick ? 500 : 10000;
  ctx.log(`engine overhead: ${n} packages, real channel index`);
  const real = await measure(n, 'index');
  ctx.log(`engine overhead: ${n} packages, no-op channel index`);
  const bare = await measure(n, 'noindex');
  const how = (m: Measured) => (m.stopped ? `stopped at the ${LIMIT_MS / 1000} s limit after ${m.done} of ${n} packages (rate so far)` : `${m.done} of ${n} published`);
  const hooks = real.result ? Object.entries(real.result.calls).map(([k, v]) => `${k} ${v}`).join(', ') : 'n/a (stopped)';
  const rows = [
    row({
      benchmark: 'engine-overhead', figure: `engine time per package (${n.toLocaleString('en-US')}, concurrency 8)`, value: real.msPerPackage, unit: 'ms', max: 0.5, target: '< 0.5 ms',
      baseline: 'same, channel index a no-op', baselineValue: bare.msPerPackage,
      note: `${how(real)}; baseline ${how(bare)}; hook calls: ${hooks}`,
    }),
  ];
  if (real.cpuMsPerPackage !== null) {
    rows.push(row({ benchmark: 'engine-overhead', figure: 'engine CPU per package', value: real.cpuMsPerPackage, unit: 'ms', baseline: 'channel index a no-op', baselineValue: bare.cpuMsPerPackage }));
  }
  return rows;
};
