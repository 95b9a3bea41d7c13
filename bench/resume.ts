// Benchmark 5 — resume: a work dir whose state holds 5,000 finished packages (written through the
// state database's API, with one real artifact file each), then a real executeRun on the same plan:
// time from its start (lock, state database, resume decisions with every artifact's size and sha256
// verified) to "nothing to do". Planning is not included (see the planning figures). Baseline: the
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
  const kept = r.exit === 0 && r.counts.published === n && Object.keys(r.counts).length === 1;
  return [
    row({
      benchmark: 'resume', figure: `resume ${n.toLocaleString('en-US')} finished packages → nothing to do`, value: r.resumeMs / 1000, unit: 's', max: 2, target: '< 2 s',
      baseline: 'writing that state', baselineValue: r.stateMs / 1000,
      note: `run result: ${counts}, exit ${r.exit}${kept ? ' (everything kept)' : ' — NOT everything was kept!'}`,
    }),
  ];
};
