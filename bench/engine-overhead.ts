// Benchmark 4 — engine overhead per package: 10,000 packages of a synthetic plan through the real
// executor (executeRun: state database, scheduler, prepareTask → taskStart → build → test →
// transmute → channel index → shouldPublish → publish → taskEnd) with a builder that does no work.
// The figure is the run's wall time ÷ packages. Measured twice in the same run: with the real
// channel indexer after every build, and with it replaced by a no-op (the baseline), to show its share.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { row, runChild, type Benchmark } from './measure.ts';

export interface ExecuteChildResult {
  packages: number;
  firstMs: number;
  firstCpuMs: number;
  firstExit: number;
  firstCounts: Record<string, number>;
  calls: Record<string, number>;
  resumeMs: number;
  resumeExit: number;
  resumeCounts: Record<string, number>;
  maxRssMb: number;
}

export async function executeChild(n: number, index: 'index' | 'noindex'): Promise<ExecuteChildResult> {
  const work = join(tmpdir(), `rebuild-bench-exec-${process.pid}-${n}-${index}`);
  await rm(work, { recursive: true, force: true });
  try {
    return await runChild<ExecuteChildResult>('execute-child.ts', [String(n), work, '8', index]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const engineOverhead: Benchmark = async (ctx) => {
  const n = ctx.quick ? 500 : 10000;
  ctx.log(`engine overhead: ${n} packages, real channel index`);
  const real = await executeChild(n, 'index');
  ctx.log(`engine overhead: ${n} packages, no-op channel index`);
  const bare = await executeChild(n, 'noindex');
  const hooks = Object.entries(real.calls).map(([k, v]) => `${k} ${v}`).join(', ');
  const built = real.firstCounts.published ?? 0;
  return [
    row({
      benchmark: 'engine-overhead', figure: `engine time per package (${n.toLocaleString('en-US')}, concurrency 8)`, value: real.firstMs / n, unit: 'ms', max: 0.5, target: '< 0.5 ms',
      baseline: 'same, channel index a no-op', baselineValue: bare.firstMs / n,
      note: `${built} published (exit ${real.firstExit}); CPU ${(real.firstCpuMs / n).toFixed(2)} ms/package; hook calls: ${hooks}`,
    }),
    row({ benchmark: 'engine-overhead', figure: 'engine CPU per package', value: real.firstCpuMs / n, unit: 'ms', baseline: 'channel index a no-op', baselineValue: bare.firstCpuMs / n }),
  ];
};
