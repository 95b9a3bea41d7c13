// Benchmark 5 — resume: a work dir whose state holds 5,000 finished packages (written through the
// state database's API, with one real artifact file and one recipe dir each), then `rebuild run`'s
// command path (runRunCommand) on the same plan, timed from the config to "nothing to do": engine,
// lock, progress reporter, recipe hashes, executeRun (state database, resume decisions with every
// artifact's size and sha256 verified, starting statuses, report). Planning itself is handed in
// (see the planning figures); process start and module loading are not included. Baseline: the
// time it took to write that state.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { row, runChild, type Benchmark } from './measure.ts';

interface ResumeChildResult {
  packages: number;
  stateMs: number;
  resumeMs: number;
  exit: number;
  executeMs: number;
  executeExit: number;
  untilPlanMs: number;
  recipeHashMs: number;
  hashAndDecideMs: number | null;
  counts: Record<string, number>;
  maxRssMb: number;
}

export const resume: Benchmark = async (ctx) => {
  const n = ctx.quick ? 500 : 5000;
  ctx.log(`resume: ${n} finished packages`);
  const work = join(tmpdir(), `rebuild-bench-resume-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  let r: ResumeChildResult;
  try {
    r = await runChild<ResumeChildResult>('resume-child.ts', [String(n), work], { timeoutMs: 120_000 });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const counts = Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ');
  const kept = r.exit === 0 && r.executeExit === 0 && r.counts.published === n && Object.keys(r.counts).length === 1;
  const s = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
  return [
    row({
      benchmark: 'resume', figure: `resume ${n.toLocaleString('en-US')} finished packages → nothing to do`, value: r.resumeMs / 1000, unit: 's', max: 2, target: '< 2 s',
      baseline: 'writing that state', baselineValue: r.stateMs / 1000,
      note: `rebuild run's command path after planning, exit ${r.exit}${kept ? ' (everything kept)' : ' — NOT everything was kept!'}: ` +
        `${s(r.untilPlanMs)} to the plan (config, engine, lock, reporter), ${s(r.hashAndDecideMs)} from there to the first scheduling ` +
        `(recipe hashes of ${n.toLocaleString('en-US')} recipe dirs — ${s(r.recipeHashMs)} when timed alone — then executeRun's decisions); ` +
        `executeRun alone (the figure's earlier definition): ${s(r.executeMs)}, result ${counts}`,
    }),
  ];
};
