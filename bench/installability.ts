// Benchmark 9 — installability: the matrix (core/installability) of n = 5,000 packages × 2 arches
// (500 with --quick) against a generated 5,000-record channel (generate-channel.ts): cold (every
// package solved, on worker threads), then again (every solve from the cache). Figures: the cold
// wall time, its time per solve (wall ÷ solves), the cached wall time with its cache hits.
// Baseline of the time per solve: the same solves without pruning (solve() against the whole
// channels, one thread), on a sample.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { solve } from '../core/conda/solve.ts';
import { installabilityCacheDir } from '../core/installability/cache.ts';
import { installabilityMatrix, type InstallabilityOptions } from '../core/installability/matrix.ts';
import { defaultSolveThreads } from '../core/installability/solve-pool.ts';
import { generateChannel } from './generate-channel.ts';
import { row, time, type Benchmark } from './measure.ts';

const SUBDIRS = ['linux-64', 'linux-aarch64'];

export const installability: Benchmark = async (ctx) => {
  const n = ctx.quick ? 500 : 5000;
  const sample = ctx.quick ? 10 : 40;
  const dir = join(tmpdir(), `rebuild-bench-installability-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  try {
    const channel = generateChannel(dir, n, SUBDIRS);
    const opts: InstallabilityOptions = {
      python: '3.13', pythonFrom: '3.12', subdirs: SUBDIRS, tested: channel.packages, reference: null,
      channels: [channel.base], cacheDir: installabilityCacheDir(join(dir, 'work')),
    };
    const threads = defaultSolveThreads();
    ctx.log(`installability: ${n} packages × ${SUBDIRS.length} arches, ${threads} solver threads (cold)`);
    const cold = await installabilityMatrix(opts);
    ctx.log('installability: again, from the cache');
    const warm = await installabilityMatrix(opts);
    const failed = cold.cases.filter((c) => !c.outcome.ok);
    const expectedFailures = channel.unsatisfiable.size * SUBDIRS.length;
    const right = failed.length === expectedFailures && failed.every((c) => channel.unsatisfiable.has(c.name));
    const same = warm.cases.every((c, i) => JSON.stringify(c.outcome) === JSON.stringify(cold.cases[i].outcome));

    ctx.log(`installability: baseline, ${sample} solves against the whole channels`);
    const names = Array.from({ length: sample }, (_, i) => `pkg-${Math.floor(((i + 0.5) * n) / sample)}`);
    const whole = await time(async () => {
      for (const name of names) await solve([name, 'python 3.13.*'], { channels: [channel.packages, channel.base], subdir: 'linux-64' }).catch(() => null);
    });
    const perSolve = cold.stats.wallMs / Math.max(1, cold.stats.solves);
    const wholePerSolve = whole.ms / sample;
    const cases = cold.cases.length;
    return [
      row({
        benchmark: 'installability', figure: `installability ${n.toLocaleString('en-US')} packages × ${SUBDIRS.length} arches, cold`, value: cold.stats.wallMs / 1000, unit: 's',
        note: `${cases.toLocaleString('en-US')} solves on ${threads} worker threads (${availableParallelism()} cores), ${failed.length} not installable ` +
          `(${right ? 'exactly the generated unsatisfiable ones' : `EXPECTED ${expectedFailures}`}); mean time inside a worker per solve ${(cold.stats.solveMs / Math.max(1, cold.stats.solves)).toFixed(1)} ms`,
      }),
      row({
        benchmark: 'installability', figure: 'installability: time per solve (wall ÷ solves)', value: perSolve, unit: 'ms',
        baseline: `without pruning, 1 thread (${sample} solves)`, baselineValue: wholePerSolve,
        note: `each solve gets only its dependency closure's records; the baseline solves against the whole ${n.toLocaleString('en-US')}-record channel`,
      }),
      row({
        benchmark: 'installability', figure: 'installability, again (cache)', value: warm.stats.wallMs / 1000, unit: 's',
        baseline: 'cold', baselineValue: cold.stats.wallMs / 1000,
        note: `cache hits ${warm.stats.cacheHits.toLocaleString('en-US')} of ${warm.cases.length.toLocaleString('en-US')}, ${warm.stats.solves} solves${same ? ', same outcomes' : ' — outcomes DIFFER from the cold run!'}`,
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
