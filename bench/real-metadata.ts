// Benchmark 2 — planning the python 3.6 → 3.7 rebuild of the real 2018 defaults channel (linux-64 +
// noarch) from its repodata.json alone (plugins/source-channel), with the real select plugin.
// Repeated; the median is the figure. Baseline: the first (cold) repetition.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import type { Plan } from '../core/graph/plan.ts';
import { planFromChannel } from '../plugins/source-channel/index.ts';
import { select } from '../plugins/select/index.ts';
import { median, row, time, type Benchmark } from './measure.ts';
import { writeDefaults2018Channel } from '../data/defaults-2018/channel.ts';

/** The 2018 data carried in the repo (data/defaults-2018) as a conda channel in a temp folder. */
export function realChannel(): { dir: string; dispose(): void } {
  const dir = writeDefaults2018Channel(mkdtempSync(join(tmpdir(), 'rebuild-bench-defaults-2018-')));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function realEngine(workDir: string): Engine {
  return new Engine(
    resolveConfig(
      { python: { from: '3.6', to: '3.7' }, arches: ['linux-64'], aggregate: workDir, workDir, plugins: [select()] },
      { configFile: null, profile: null, cwd: workDir },
    ),
  );
}

/** The real plan (shared with the scheduling benchmark). */
export let realPlan: Plan | null = null;

export const realMetadata: Benchmark = async (ctx) => {
  const channel = realChannel();
  try {
    const engine = realEngine(channel.dir);
    const reps = ctx.quick ? 5 : 15;
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const { ms, value } = await time(() => planFromChannel(engine, channel.dir));
      times.push(ms);
      realPlan = value[0];
    }
    ctx.log(`real metadata: ${reps} plans, median ${median(times).toFixed(0)} ms`);
    const p = realPlan!;
    const note = `${p.counts.planned} planned, ${p.counts.excluded} excluded, ${p.counts.error} in errors (${p.errors.map((e) => e.kind).join(', ') || 'none'}), ${p.counts.blocked} blocked; ${p.stages.length} stages; critical path ${p.criticalPath.length} builds`;
    return [
      row({
        benchmark: 'real-metadata', figure: 'plan defaults-2018 linux-64 3.6→3.7 (median)', value: median(times) / 1000, unit: 's', max: 1, target: '< 1 s',
        baseline: 'first (cold) run', baselineValue: times[0] / 1000, note,
      }),
      row({ benchmark: 'real-metadata', figure: 'defaults-2018: planned packages', value: p.counts.planned, unit: '' }),
      row({ benchmark: 'real-metadata', figure: 'defaults-2018: stages', value: p.stages.length, unit: '' }),
      row({ benchmark: 'real-metadata', figure: 'defaults-2018: critical path', value: p.criticalPath.length, unit: 'builds', note: p.criticalPath.join(' → ') }),
    ];
  } finally {
    channel.dispose();
  }
};
