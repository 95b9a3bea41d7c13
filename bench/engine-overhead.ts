// Benchmark 4 — engine overhead per package: 10,000 packages of a synthetic plan through the real
// executor (executeRun: state database, scheduler, four stage tasks per package: build (+ channel
// index), test (a no-op test tap reporting one check), transmute (no-op), publish (shouldPublish →
// publish of the package's group) — each prepareTask → taskStart → hook → taskEnd) with a builder
// that does no work. The figure is the run's wall time ÷ packages, and ÷ tasks; beside it the
// build-only figure (no test/transmute/publish plugin: one task per package). Measured in the same bench run: with the real
// channel index after every build (the figure), with it replaced by a no-op (the baseline, to show
// its share) and with a real package file per build in the channel (the index grows to 25,000
// records), with the four stages and with builds only — each the median of REPEATS runs.
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildTimeoutError, freshBundles, medianRun, row, runChild, type Benchmark } from './measure.ts';

export interface ExecuteChildResult {
  packages: number;
  firstMs: number;
  firstCpuMs: number;
  /** CPU time of the main thread alone (null off Linux). */
  firstMainCpuMs: number | null;
  /** From executeRun's start to executionStart (lock, database, resume decisions, starting statuses). */
  startMs: number;
  firstExit: number;
  firstCounts: Record<string, number>;
  calls: Record<string, number>;
  maxRssMb: number;
}

/** Per run time limit, so the bench stays under 10 minutes; a stopped run gives its rate so far. */
const LIMIT_MS = 80_000;
/** The growing channel reads and indexes a real package per build, 25,000 of them: more time. */
const CHANNEL_LIMIT_MS = 300_000;
/** Packages of the growing-channel run (issue 12: < 0.5 ms per package with the channel growing to 25,000). */
const CHANNEL_PACKAGES = 25_000;

type Mode = 'index' | 'noindex' | 'channel' | 'buildonly' | 'channel-buildonly';
const buildsOnly = (mode: Mode) => mode === 'buildonly' || mode === 'channel-buildonly';

/** Time per package of one run: measured to the end, or from the progress when stopped at the limit. */
interface Measured {
  msPerPackage: number;
  cpuMsPerPackage: number | null;
  done: number;
  stopped: boolean;
  result: ExecuteChildResult | null;
}

async function measure(n: number, mode: Mode, work: string): Promise<Measured> {
  await rm(work, { recursive: true, force: true });
  // Start from a quiet disk: what earlier runs wrote is flushed first.
  spawnSync('sync');
  const limit = mode === 'channel' || mode === 'channel-buildonly' ? CHANNEL_LIMIT_MS : LIMIT_MS;
  try {
    const r = await runChild<ExecuteChildResult>('execute-child.ts', [String(n), work, '8', mode], { timeoutMs: limit });
    return { msPerPackage: r.firstMs / n, cpuMsPerPackage: r.firstCpuMs / n, done: (buildsOnly(mode) ? r.firstCounts.built : r.firstCounts.published) ?? 0, stopped: false, result: r };
  } catch (err) {
    if (!(err instanceof ChildTimeoutError) || !err.progress) throw err;
    return { msPerPackage: err.progress.ms / err.progress.done, cpuMsPerPackage: null, done: err.progress.done, stopped: true, result: null };
  }
}

/** Runs of the figure and of its baseline (the median is reported): one run varies ±15% here. */
const REPEATS = 3;

export const engineOverhead: Benchmark = async (ctx) => {
  const n = ctx.quick ? 500 : 10000;
  const channelN = ctx.quick ? 500 : CHANNEL_PACKAGES;
  const repeats = ctx.quick ? 1 : REPEATS;
  // The run's threads (state writer, channel index) load their plain-JS bundles once built.
  await freshBundles('core/state/state-writer-worker.ts', 'core/conda/index-worker.ts');
  const dirs: string[] = [];
  const dirFor = (mode: Mode, rep: number) => {
    const dir = join(tmpdir(), `rebuild-bench-exec-${process.pid}-${n}-${mode}-${rep}`);
    dirs.push(dir);
    return dir;
  };
  /** The median run of `repeats` (by time per package), and every run's figure. */
  const median = async (mode: Mode, what: string, packages = n): Promise<{ median: Measured; all: number[] }> => {
    const runs: Measured[] = [];
    for (let rep = 0; rep < repeats; rep++) {
      ctx.log(`engine overhead: ${packages} packages, ${what}${repeats > 1 ? ` (run ${rep + 1} of ${repeats})` : ''}`);
      runs.push(await measure(packages, mode, dirFor(mode, rep)));
    }
    return { median: medianRun(runs, (r) => r.msPerPackage), all: runs.map((r) => r.msPerPackage) };
  };
  let real: Measured, bare: Measured, channel: Measured, buildOnly: Measured, channelBuildOnly: Measured;
  let realRuns: number[], bareRuns: number[], buildOnlyRuns: number[], channelRuns: number[], channelBuildOnlyRuns: number[];
  try {
    // The work dirs are removed at the end, not between runs: on some filesystems (ext4 without a
    // journal) creating files costs more for a minute after many were deleted.
    ({ median: real, all: realRuns } = await median('index', 'real channel index'));
    ({ median: bare, all: bareRuns } = await median('noindex', 'no-op channel index'));
    ({ median: buildOnly, all: buildOnlyRuns } = await median('buildonly', 'build only (no test, transmute, publish plugin)'));
    // The growing channel too: the median of `repeats` runs (one run here varies by ±15% from minute to minute).
    ({ median: channel, all: channelRuns } = await median('channel', 'a real package per build in the channel', channelN));
    ({ median: channelBuildOnly, all: channelBuildOnlyRuns } = await median('channel-buildonly', 'a real package per build in the channel, build only', channelN));
  } finally {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
  const runsOf = (all: number[]) => (all.length > 1 ? `median of ${all.length} runs (${all.map((v) => v.toFixed(3)).join(', ')} ms)` : '1 run');
  const how = (m: Measured) => {
    const of = m === channel || m === channelBuildOnly ? channelN : n;
    return m.stopped ? `stopped at the time limit after ${m.done} of ${of} packages (rate so far)` : `${m.done} of ${of} ${m === buildOnly || m === channelBuildOnly ? 'built' : 'published'}`;
  };
  const detail = (m: Measured) =>
    m.result
      ? `main thread ${m.result.firstMainCpuMs === null ? 'n/a' : `${(m.result.firstMainCpuMs / m.result.packages).toFixed(3)} ms`} CPU per package, ` +
        `${(m.result.firstCpuMs / m.result.packages).toFixed(3)} ms CPU per package in all, ` +
        `${(m.result.startMs / 1000).toFixed(2)} s until the first build (lock, database, decisions, starting statuses)`
      : 'n/a (stopped)';
  const hooks = real.result ? Object.entries(real.result.calls).map(([k, v]) => `${k} ${v}`).join(', ') : 'n/a (stopped)';
  const rows = [
    row({
      benchmark: 'engine-overhead', figure: `engine time per package (${n.toLocaleString('en-US')}, concurrency 8)`, value: real.msPerPackage, unit: 'ms',
      // The target is for 10,000 packages; the --quick smoke run's 500 weigh start-up and JIT warm-up more.
      ...(ctx.quick ? { target: '(< 0.5 ms at 10,000)' } : { max: 0.5, target: '< 0.5 ms' }),
      baseline: 'same, channel index a no-op', baselineValue: bare.msPerPackage,
      note: `${runsOf(realRuns)}; ${how(real)}; ${detail(real)}; baseline ${runsOf(bareRuns)}, ${how(bare)}, ${detail(bare)}; hook calls: ${hooks}`,
    }),
  ];
  rows.push(
    row({
      benchmark: 'engine-overhead', figure: 'engine time per stage task (build, test, transmute, publish: 4 per package)', value: real.msPerPackage / 4, unit: 'ms',
      ...(ctx.quick ? { target: '(< 0.5 ms at 10,000)' } : { max: 0.5, target: '< 0.5 ms' }),
      baseline: 'build only: per package (= per task)', baselineValue: buildOnly.msPerPackage,
      note: `with the test stage (a no-op test tap): ${real.msPerPackage.toFixed(3)} ms per package; build only ${runsOf(buildOnlyRuns)}, ${how(buildOnly)}, ${detail(buildOnly)}`,
    }),
  );
  if (real.cpuMsPerPackage !== null) {
    rows.push(row({ benchmark: 'engine-overhead', figure: 'engine CPU per package', value: real.cpuMsPerPackage, unit: 'ms', baseline: 'channel index a no-op', baselineValue: bare.cpuMsPerPackage }));
  }
  rows.push(
    row({
      benchmark: 'engine-overhead', figure: `engine time per package, channel growing to ${channelN.toLocaleString('en-US')} packages`, value: channel.msPerPackage, unit: 'ms',
      ...(ctx.quick ? { target: '(< 0.5 ms at 25,000)' } : { max: 0.5, target: '< 0.5 ms' }),
      baseline: 'empty channel', baselineValue: real.msPerPackage, atLeast: channel.stopped,
      note: `${runsOf(channelRuns)}; ${how(channel)}; ${detail(channel)}; each build hard-links one tiny .conda into the channel under its own name, ` +
        'so every index write reads the new packages on the index thread (index.json, run_exports, md5, sha256) and rewrites repodata.json (record bytes cached per block of 64; the generation written on the index write thread, which holds the unchanged blocks) with every record so far, builds that finished together sharing one write; ' +
        'repodata.json.zst, run_exports.json and channeldata.json at most once per 20× their cost',
    }),
    row({
      benchmark: 'engine-overhead', figure: `engine time per package, channel growing to ${channelN.toLocaleString('en-US')} packages, build only`, value: channelBuildOnly.msPerPackage, unit: 'ms',
      ...(ctx.quick ? { target: '(< 0.5 ms at 25,000)' } : { max: 0.5, target: '< 0.5 ms' }),
      baseline: 'build only, empty channel', baselineValue: buildOnly.msPerPackage, atLeast: channelBuildOnly.stopped,
      note: `issue 12's workload when it was filed: one build task per package (no test, transmute or publish plugin), the channel growing as above; ${runsOf(channelBuildOnlyRuns)}; ${how(channelBuildOnly)}; ${detail(channelBuildOnly)}`,
    }),
  );
  return rows;
};
