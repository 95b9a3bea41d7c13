// Child process of the engine-overhead benchmark. Runs the real executor (executeRun: state
// database, scheduler, every per-task hook) over a synthetic plan with a builder that does no work.
// Prints one JSON line (and `progress` lines on stderr for the parent's time limit).
// Usage: node --import tsx bench/execute-child.ts <packages> <work dir> <concurrency> [index|noindex|channel|buildonly|channel-buildonly]
// Every package is four stage tasks: build, test (a no-op test tap reporting one check),
// transmute (no-op), publish (its group of one arch). `buildonly`: no test/transmute/publish taps,
// so one build task per package (the build-only figure beside the stage figure).
// `noindex` replaces the channel index written after each build by a no-op (to see its share).
// `channel`: every build puts a real package file into the output channel (a hard link of one
// tiny pre-made .conda under the task's own file name), so the channel index grows to n records.
// `channel-buildonly`: the growing channel with build tasks only (issue 12's workload when filed).
import { linkSync, writeFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../core/config/resolve.ts';
import { Engine } from '../core/engine/engine.ts';
import { executeRun } from '../core/engine/execute.ts';
import type { Plugin } from '../core/model/plugin.ts';
import type { Artifact } from '../core/model/types.ts';
import { StateDb } from '../core/state/state-db.ts';
import { writeCondaPackage } from '../core/conda/write-package.ts';
import { syntheticPlan } from './synthetic-plan.ts';
import { reportProgress } from './measure.ts';

const [nArg, workDir, concurrencyArg, modeArg] = process.argv.slice(2);
const buildOnlyChannel = modeArg === 'channel-buildonly';
const indexMode = buildOnlyChannel ? 'channel' : modeArg;

/** CPU time of the main thread alone (ms; Linux /proc, else null): the engine's serial part. */
function mainThreadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return null;
  }
}
/** CPU time (ms) of the process's live threads in the order they were made (Linux /proc, else []; Node names them all "node"). */
function threadCpuMs(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).sort((x, y) => x - y).map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    });
  } catch {
    return [];
  }
}
const n = Number(nArg);
mkdirSync(workDir, { recursive: true });

// The builder writes nothing: every task returns the same tiny pre-made file as its artifact
// (execute.ts refuses an empty artifact list). The engine still hashes it per task.
const artifactPath = join(workDir, 'noop-1.0-0.tar.bz2');
writeFileSync(artifactPath, 'noop artifact\n');
let template = '';
if (indexMode === 'channel') {
  mkdirSync(join(workDir, 'template-files'), { recursive: true });
  writeFileSync(join(workDir, 'template-files', 'a.txt'), 'a\n');
  const [made] = await writeCondaPackage({
    prefix: join(workDir, 'template-files'), files: ['a.txt'], formats: ['conda'], zstdLevel: 1, outDir: join(workDir, 'template'),
    info: { name: 'noop', version: '1.0', build: '0', buildNumber: 0, depends: [], subdir: 'linux-64', timestamp: 1_700_000_000_000 },
  });
  template = made.path;
}
const calls: Record<string, number> = {};
const count = (hook: string) => (calls[hook] = (calls[hook] ?? 0) + 1);
let published = 0;
let first = performance.now();
/** From executeRun's start to run.hooks.executionStart: lock, database, resume decisions, starting statuses. */
let startedMs = 0;

const noop: Plugin = {
  name: 'bench:noop',
  apply(engine) {
    engine.hooks.run.tap('bench:noop', (run) => {
      run.hooks.executionStart.tap('bench:noop', () => void (startedMs = performance.now() - first));
      run.hooks.prepareTask.tap('bench:noop', (task) => (count('prepareTask'), task));
      run.hooks.taskStart.tap('bench:noop', () => void count('taskStart'));
      run.hooks.build.for('linux-64').tapPromise('bench:noop', async (task) => {
        count('build');
        if (template) {
          const filename = `${task.id}-1.0-0.conda`;
          const path = join(task.outputChannel, 'linux-64', filename);
          if (published === 0) mkdirSync(join(task.outputChannel, 'linux-64'), { recursive: true });
          linkSync(template, path);
          return { builder: 'bench:noop', artifacts: [{ path, filename, subdir: 'linux-64', name: task.id, version: '1.0', build: '0', sha256: '', size: 0 }] };
        }
        const artifact: Artifact = {
          path: artifactPath, filename: `${task.id}-1.0-0.tar.bz2`, subdir: 'linux-64',
          name: task.id, version: '1.0', build: '0', sha256: '', size: 0,
        };
        return { builder: 'bench:noop', artifacts: [artifact] };
      });
      if (indexMode !== 'buildonly' && !buildOnlyChannel) {
        run.hooks.test.tap('bench:noop', (_task, report) => {
          count('test');
          report.checks.push({ name: 'noop', kind: 'imports', ok: true, durationMs: 0 });
        });
        run.hooks.transmute.tap('bench:noop', (artifacts) => (count('transmute'), artifacts));
        run.hooks.shouldPublish.tap('bench:noop', () => void count('shouldPublish'));
        run.hooks.publish.tapPromise('bench:noop', async (group) => {
          count('publish');
          return { publisher: 'bench:noop', published: group.members.flatMap((m) => m.artifacts), channel: 'bench' };
        });
      }
      run.hooks.taskEnd.tap('bench:noop', (result) => {
        count('taskEnd');
        // Progress for the parent's time limit: packages published, every 250.
        const finished = indexMode === 'buildonly' || buildOnlyChannel ? 'built' : 'published';
        if (result.status === finished && ++published % 250 === 0) reportProgress(published, performance.now() - first);
      });
    });
  },
};

const config = resolveConfig(
  {
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: workDir, workDir,
    concurrency: Number(concurrencyArg) || 8, plugins: [noop],
  },
  { configFile: null, profile: null, cwd: workDir },
);
const engine = new Engine(config);
const plan = syntheticPlan(n);
const quiet = { notice: () => {}, ...(indexMode === 'noindex' ? { indexChannel: async () => {} } : {}) };

first = performance.now();
const c0 = process.cpuUsage();
const m0 = mainThreadCpuMs();
const built = await executeRun(engine.createRun(), [plan], quiet);
const firstMs = performance.now() - first;
const cpu = process.cpuUsage(c0);
const firstCpuMs = (cpu.user + cpu.system) / 1000;
const m1 = mainThreadCpuMs();
const firstMainCpuMs = m0 !== null && m1 !== null ? m1 - m0 : null;
const threads = threadCpuMs();
const all = process.cpuUsage();
/** CPU of threads that have ended (the state writer, the index thread): the process's total minus the live threads'. */
const endedThreadsCpuMs = threads.length ? (all.user + all.system) / 1000 - threads.reduce((a, b) => a + b, 0) : null;

const db = StateDb.open(workDir, { readonly: true });
const tally = db.tally();
db.close();

process.stdout.write(
  JSON.stringify({
    packages: n,
    firstMs,
    firstCpuMs,
    firstMainCpuMs,
    threadCpuMs: threads,
    endedThreadsCpuMs,
    startMs: startedMs,
    firstExit: built.exitCode,
    firstCounts: built.summary.counts,
    calls,
    tally,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
