import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Engine } from './engine.ts';
import { executeRun, type ExecuteOptions } from './execute.ts';
import type { Plugin } from '../model/plugin.ts';
import type { BuildTask, TaskResult } from '../model/types.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import type { Plan } from '../graph/plan.ts';
import { StateDb } from '../state/state-db.ts';
import { LockHeldError, acquireLock } from '../state/lock.ts';
import { UnknownPackageError } from './task-graph.ts';
import { writeCondaPackage } from '../conda/write-package.ts';
import { fakeBuilder, type FakeBuilderOptions } from '../../tests/fixtures/fake-builder.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakePlan, type FakeNodeSpec } from '../../tests/fixtures/fake-plan.ts';

type Spec = Record<string, string[] | FakeNodeSpec>;

const DIAMOND: Spec = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'], x: [] };

interface RunSetup {
  builder?: FakeBuilderOptions;
  config?: Partial<ResolvedConfig>;
  exec?: ExecuteOptions;
  plugins?: Plugin[];
  /** Plans per arch; default one linux-64 plan of `spec`. */
  plans?: (targets: Plan['target'][]) => Plan[];
}

async function runOnce(dir: string, spec: Spec, setup: RunSetup = {}) {
  const builds: string[] = [];
  const events: TaskResult[] = [];
  const plugins = [
    fakeBuilder({ ...setup.builder, onBuild: (t) => (builds.push(t.id), setup.builder?.onBuild?.(t)) }),
    ...(setup.plugins ?? []),
  ];
  const engine = new Engine(fakeConfig(dir, plugins, setup.config));
  const run = engine.createRun();
  run.hooks.taskEnd.tap('test:events', (r) => void events.push(r));
  const indexed: string[] = [];
  const plans = setup.plans ? setup.plans(run.targets) : [fakePlan(run.targets[0], spec)];
  const outcome = await executeRun(run, plans, {
    indexChannel: async (channel, subdirs) => void indexed.push(`${channel} ${subdirs.join(',')}`),
    notice: () => {},
    ...setup.exec,
  });
  const status = (id: string, subdir = 'linux-64') => outcome.summary.results.find((r) => r.id === id && r.target.subdir === subdir)?.status;
  return { outcome, builds, events, indexed, status, run };
}

function withDb<T>(dir: string, fn: (db: StateDb) => T): T {
  const db = StateDb.open(dir, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const pkg = (db: StateDb, node: string, subdir = 'linux-64') => db.getPackage({ node, subdir, python: '3.13' })!;

const execute = suite('executeRun');

execute.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-exec-'));
});
execute.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

execute('builds every package after its dependencies; records artifacts, logs and the run', async (ctx) => {
  const { outcome, builds, indexed } = await runOnce(ctx.dir, DIAMOND);
  assert.is(outcome.exitCode, 0);
  assert.equal([...builds].sort(), ['a', 'b', 'c', 'd', 'x']);
  assert.ok(builds.indexOf('a') < builds.indexOf('b') && builds.indexOf('c') < builds.indexOf('d') && builds.indexOf('b') < builds.indexOf('d'));
  assert.is(indexed.length, 5);
  assert.is(indexed[0], `${join(ctx.dir, 'channel')} linux-64`);
  withDb(ctx.dir, (db) => {
    const d = pkg(db, 'd');
    assert.is(d.status, 'built');
    assert.is(d.recipeHash, 'hash-d');
    const [art] = db.artifacts(d.id);
    assert.is(art.path, join(ctx.dir, 'channel', 'linux-64', 'd-1.0-py313_0.tar.bz2'));
    assert.is(art.size, readFileSync(art.path).length);
    assert.match(art.sha256, /^[0-9a-f]{64}$/);
    assert.equal(db.attempts(d.id).map((a) => a.status), ['complete']);
    assert.equal(db.statusChanges(d.id).map((c) => c.to), ['waiting', 'building', 'built']);
    assert.is(db.lastRun()!.outcome, 'success');
    assert.match(readFileSync(join(ctx.dir, 'logs', 'linux-64', 'd.log'), 'utf8'), /attempt 1[\s\S]*fake build of d[\s\S]*=== built/);
  });
  // The attempt's scratch dir is removed after success.
  assert.not.ok(existsSync(join(ctx.dir, 'tasks', 'linux-64', 'd', 'run-1-attempt-1')));
});

execute('a task starts as soon as its own dependencies are built, not after the whole stage', async (ctx) => {
  // `slow` (stage 0) only finishes once `after` (stage 1, needs `fast`) has started.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const gate: Plugin = {
    name: 'test:gate',
    apply: (e) => e.hooks.run.tap('test:gate', (run) => {
      run.hooks.build.for('linux-64').tapPromise({ name: 'test:gate', stage: -1 }, async (task) => {
        if (task.id === 'after') release();
        if (task.id === 'slow') await released;
        return undefined;
      });
    }),
  };
  // A stage-by-stage scheduler would deadlock here; the build time limit then fails `slow` after 2 s.
  const { outcome, builds } = await runOnce(ctx.dir, { slow: [], fast: [], after: ['fast'] }, {
    plugins: [gate], config: { timeouts: { buildSeconds: 2, hookMs: 60_000 } }, exec: { abortGraceMs: 10 },
  });
  assert.is(outcome.exitCode, 0);
  assert.equal(builds.slice(-1), ['slow']);
});

execute('past durations from the state db order the ready tasks (critical path)', async (ctx) => {
  const spec = (v: string): Spec => Object.fromEntries(['a', 'b', 'c', 'x'].map((id) => [id, { deps: [], recipeHash: `${id}-${v}` }]));
  const first = await runOnce(ctx.dir, spec('1'), { config: { concurrency: 1 }, builder: { sleepMs: (t) => (t.id === 'x' ? 150 : 0) } });
  assert.equal(first.builds, ['a', 'b', 'c', 'x']); // nothing known: ids decide
  const second = await runOnce(ctx.dir, spec('2'), { config: { concurrency: 1 } });
  assert.is(second.builds[0], 'x'); // x took longest last time: it starts first
});

execute('a failure blocks its transitive dependents; independent work goes on; exit 1', async (ctx) => {
  const { outcome, builds, status, events } = await runOnce(ctx.dir, DIAMOND, { builder: { fail: { b: 'build' } } });
  assert.is(outcome.exitCode, 1);
  assert.is(status('b'), 'failed');
  assert.is(status('d'), 'blocked');
  assert.is(status('c'), 'built');
  assert.is(status('x'), 'built');
  assert.not.ok(builds.includes('d'));
  assert.is(events.find((e) => e.id === 'd' && e.status === 'blocked')!.reason, 'blocked by b (failed)');
  withDb(ctx.dir, (db) => {
    assert.is(pkg(db, 'b').failure, 'build');
    assert.match(pkg(db, 'b').reason!, /fake build failure of b/);
    assert.is(pkg(db, 'd').reason, 'blocked by b (failed)');
    assert.is(db.lastRun()!.outcome, 'failed');
  });
  assert.match(readFileSync(join(ctx.dir, 'logs', 'linux-64', 'b.log'), 'utf8'), /=== failed \(build\)/);
});

execute('--fail-fast stops starting new builds after the first failure', async (ctx) => {
  const { outcome, builds, status } = await runOnce(ctx.dir, { a: [], b: [], c: [] }, {
    builder: { fail: { a: 'build' } }, config: { concurrency: 1 }, exec: { failFast: true },
  });
  assert.is(outcome.exitCode, 1);
  assert.equal(builds, ['a']);
  assert.is(status('b'), 'planned');
  withDb(ctx.dir, (db) => assert.is(pkg(db, 'c').reason, 'not started: --fail-fast after a failure'));
});

execute('transient failures are retried with backoff, up to retry.attempts', async (ctx) => {
  const { outcome, builds, events } = await runOnce(ctx.dir, { a: [], b: ['a'] }, {
    builder: { fail: { a: { failure: 'network', times: 2 } } },
    config: { retry: { attempts: 3, backoffMs: 1, transient: ['network'] } },
  });
  assert.is(outcome.exitCode, 0);
  assert.equal(builds, ['a', 'a', 'a', 'b']);
  const waits = events.filter((e) => e.id === 'a' && e.status === 'waiting').map((e) => e.reason);
  assert.equal(waits.map((w) => w!.replace(/ after.*/, '')), ['retry 2/3 in 1 ms', 'retry 3/3 in 2 ms']);
  withDb(ctx.dir, (db) => assert.equal(db.attempts(pkg(db, 'a').id).map((a) => a.status), ['failed', 'failed', 'complete']));
});

execute('a retry starts only once its failed attempt has ended (its write committed, "waiting" reported), even with no backoff', async (ctx) => {
  // The backoff timer used to start at the failure, before the attempt's write committed: with a
  // short backoff the next attempt could start while the failed one was still running (and the
  // run then lost track of it). Several rounds: the old order showed in most of them.
  for (let round = 0; round < 5; round++) {
    const dir = join(ctx.dir as string, `round-${round}`);
    const seq: string[] = [];
    const { outcome, builds } = await runOnce(dir, { a: [], b: ['a'] }, {
      builder: { fail: { a: { failure: 'network', times: 2 } }, onBuild: (t) => void seq.push(`build ${t.id}`) },
      config: { retry: { attempts: 3, backoffMs: 0, transient: ['network'] } },
      plugins: [{ name: 'test:order', apply: (engine) => engine.hooks.run.tap('test:order', (run) => run.hooks.taskEnd.tap('test:order', (r) => void seq.push(`${r.id} ${r.status}`))) }],
    });
    assert.is(outcome.exitCode, 0);
    assert.equal(builds, ['a', 'a', 'a', 'b']);
    assert.equal(seq.filter((e) => e.startsWith('build a') || e === 'a waiting'), ['build a', 'a waiting', 'build a', 'a waiting', 'build a']);
  }
});

execute('non-transient failures and exhausted retries are final', async (ctx) => {
  const { builds, status } = await runOnce(ctx.dir, { a: [], b: [] }, {
    builder: { fail: { a: 'build', b: 'network' } },
    config: { retry: { attempts: 2, backoffMs: 0, transient: ['network'] } },
  });
  assert.equal(builds.filter((b) => b === 'a').length, 1);
  assert.equal(builds.filter((b) => b === 'b').length, 2);
  assert.is(status('b'), 'failed');
});

execute('the per-package timeout aborts task.signal and fails the task as timeout', async (ctx) => {
  let seen: BuildTask | undefined;
  const { status, events } = await runOnce(ctx.dir, { slow: [], after: ['slow'] }, {
    builder: { hang: ['slow'], onBuild: (t) => void (seen = t) },
    config: { timeouts: { buildSeconds: 0.05, hookMs: 60_000 } },
  });
  assert.is(status('slow'), 'failed');
  assert.is(status('after'), 'blocked');
  const failed = events.find((e) => e.status === 'failed')!;
  assert.is(failed.failure, 'timeout');
  assert.match(failed.reason!, /timed out/);
  assert.is(seen!.timeoutMs, 50);
  assert.ok(seen!.signal.aborted);
});

execute('a builder that ignores the abort is recorded after the grace period', async (ctx) => {
  let finished = false;
  const { status, events } = await runOnce(ctx.dir, { stuck: [] }, {
    builder: { sleepMs: 400, ignoreAbort: true, onBuild: () => void setTimeout(() => (finished = true), 400) },
    config: { timeouts: { buildSeconds: 0.05, hookMs: 60_000 } },
    exec: { abortGraceMs: 20 },
  });
  assert.is(status('stuck'), 'failed');
  assert.is(events.find((e) => e.status === 'failed')!.failure, 'timeout');
  assert.not.ok(finished, 'recorded before the builder settled');
  // The builder goes on and writes its package: let it, before the test's dir is removed (else it
  // makes the dir again, left in /tmp).
  const late = join(ctx.dir, 'channel', 'linux-64', 'stuck-1.0-py313_0.tar.bz2');
  for (let waited = 0; !existsSync(late) && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(existsSync(late), 'the builder that ignored the abort wrote its package in the end');
});

execute('an interrupt aborts running builds, records them as interrupted, exits 130; a rerun finishes', async (ctx) => {
  const controller = new AbortController();
  const first = await runOnce(ctx.dir, { a: [], b: ['a'], c: ['b'] }, {
    builder: { hang: ['b'], onBuild: (t) => t.id === 'b' && setImmediate(() => controller.abort()) },
    exec: { signal: controller.signal },
  });
  assert.is(first.outcome.exitCode, 130);
  assert.ok(first.outcome.summary.interrupted);
  assert.is(first.status('a'), 'built');
  assert.is(first.status('b'), 'interrupted');
  assert.is(first.status('c'), 'planned');
  withDb(ctx.dir, (db) => {
    assert.is(db.lastRun()!.outcome, 'interrupted');
    assert.is(pkg(db, 'b').status, 'interrupted');
    assert.is(pkg(db, 'c').reason, 'not started: run interrupted');
  });
  const second = await runOnce(ctx.dir, { a: [], b: ['a'], c: ['b'] });
  assert.is(second.outcome.exitCode, 0);
  assert.equal(second.builds, ['b', 'c']);
});

execute('resume :: nothing built twice; a missing or changed artifact is rebuilt alone', async (ctx) => {
  await runOnce(ctx.dir, DIAMOND);
  const again = await runOnce(ctx.dir, DIAMOND);
  assert.equal(again.builds, []);
  assert.is(again.outcome.exitCode, 0);
  assert.is(again.status('d'), 'built');
  unlinkSync(join(ctx.dir, 'channel', 'linux-64', 'b-1.0-py313_0.tar.bz2'));
  writeFileSync(join(ctx.dir, 'channel', 'linux-64', 'x-1.0-py313_0.tar.bz2'), 'tampered, same size?');
  const third = await runOnce(ctx.dir, DIAMOND);
  assert.equal([...third.builds].sort(), ['b', 'x']);
});

execute('the starting statuses are written on the writer thread, before every task\'s writes', async (ctx) => {
  // This thread's connection writes no status while the run starts (the writer thread does).
  const setStatuses = StateDb.prototype.setStatuses;
  let here = 0;
  StateDb.prototype.setStatuses = function (this: StateDb, ...args: Parameters<StateDb['setStatuses']>) {
    here++;
    return setStatuses.apply(this, args);
  };
  try {
    assert.is((await runOnce(ctx.dir, DIAMOND)).outcome.exitCode, 0);
  } finally {
    StateDb.prototype.setStatuses = setStatuses;
  }
  assert.is(here, 0);
  withDb(ctx.dir, (db) => {
    assert.equal(db.statusChanges(pkg(db, 'd').id).map((c) => c.to), ['waiting', 'building', 'built']);
    assert.match(db.statusChanges(pkg(db, 'd').id)[0].reason ?? '', /^waiting on /);
  });
});

execute('resume :: a changed recipe invalidates its package and every transitive dependent', async (ctx) => {
  await runOnce(ctx.dir, DIAMOND);
  const changed: Spec = { ...DIAMOND, b: { deps: ['a'], recipeHash: 'hash-b-v2' } };
  const again = await runOnce(ctx.dir, changed);
  assert.equal([...again.builds].sort(), ['b', 'd']);
  withDb(ctx.dir, (db) => assert.is(pkg(db, 'b').recipeHash, 'hash-b-v2'));
  assert.equal((await runOnce(ctx.dir, changed)).builds, []);
});

execute('resume :: a rebuild removes what its earlier build recorded and it did not make again, without reading the state per task', async (ctx) => {
  await runOnce(ctx.dir, DIAMOND);
  // b's earlier build also made a .conda (recorded beside its .tar.bz2).
  const old = join(ctx.dir, 'channel', 'linux-64', 'b-0.9-py313_0.conda');
  writeFileSync(old, 'an earlier build of b\n');
  const db = StateDb.open(ctx.dir);
  const b = pkg(db, 'b');
  db.replaceArtifacts(b.id, [...db.artifacts(b.id), { path: old, filename: 'b-0.9-py313_0.conda', sha256: createHash('sha256').update('an earlier build of b\n').digest('hex'), size: 22 }]);
  db.close();
  // The recorded artifacts are read once when the run starts, not by each build.
  const read = StateDb.prototype.artifacts;
  let reads = 0;
  StateDb.prototype.artifacts = function (this: StateDb, id: number) {
    reads++;
    return read.call(this, id);
  };
  try {
    const again = await runOnce(ctx.dir, { ...DIAMOND, b: { deps: ['a'], recipeHash: 'hash-b-v2' } });
    assert.equal([...again.builds].sort(), ['b', 'd']);
  } finally {
    StateDb.prototype.artifacts = read;
  }
  assert.is(reads, 0);
  assert.not.ok(existsSync(old));
  withDb(ctx.dir, (db) => assert.equal(db.artifacts(pkg(db, 'b').id).map((a) => a.filename), ['b-1.0-py313_0.tar.bz2']));
});

execute('resume :: failures stay failed (dependents blocked) unless --retry-failed or --retry NAME', async (ctx) => {
  await runOnce(ctx.dir, DIAMOND, { builder: { fail: { b: 'build', c: 'build' } } });
  const kept = await runOnce(ctx.dir, DIAMOND);
  assert.equal(kept.builds, []);
  assert.is(kept.outcome.exitCode, 1);
  assert.is(kept.status('b'), 'failed');
  assert.is(kept.status('d'), 'blocked');
  const one = await runOnce(ctx.dir, DIAMOND, { exec: { retry: ['b'] } });
  assert.equal(one.builds, ['b']);
  assert.is(one.status('d'), 'blocked');
  const all = await runOnce(ctx.dir, DIAMOND, { exec: { retryFailed: true } });
  assert.equal(all.builds, ['c', 'd']);
  assert.is(all.outcome.exitCode, 0);
});

execute('resume :: scratch dirs no run needs are removed at start, whenever the kill came; failed attempts stay', async (ctx) => {
  const touch = (t: BuildTask) => writeFileSync(join(t.workDir, 'half-done'), '');
  await runOnce(ctx.dir, DIAMOND, { builder: { fail: { b: 'build' }, onBuild: touch } });
  const tasks = join(ctx.dir, 'tasks', 'linux-64');
  assert.ok(existsSync(join(tasks, 'b', 'run-1-attempt-1', 'half-done')), 'a failed attempt keeps its dir');
  assert.not.ok(existsSync(join(tasks, 'd')));
  // A run killed after d's attempt was recorded complete, before its dir was removed; an empty <id>/.
  mkdirSync(join(tasks, 'd', 'run-1-attempt-1'), { recursive: true });
  writeFileSync(join(tasks, 'd', 'run-1-attempt-1', 'half-done'), '');
  mkdirSync(join(tasks, 'zz'));
  mkdirSync(join(tasks, 'b', 'notes'));
  const again = await runOnce(ctx.dir, DIAMOND);
  assert.equal(again.builds, []);
  assert.not.ok(existsSync(join(tasks, 'd')), 'the dir of a complete attempt is removed');
  assert.not.ok(existsSync(join(tasks, 'zz')), 'an empty task dir is removed');
  assert.ok(existsSync(join(tasks, 'b', 'run-1-attempt-1', 'half-done')), 'the failed attempt is still there');
  assert.ok(existsSync(join(tasks, 'b', 'notes')), 'what is not an attempt dir is left alone');
});

execute('--only builds those and their unbuilt dependencies; --from adds every dependent', async (ctx) => {
  const spec: Spec = { a: [], b: ['a'], c: ['b'], d: ['c'], y: [], z: ['y'] };
  const only = await runOnce(ctx.dir, spec, { exec: { only: ['b'] } });
  assert.equal(only.builds, ['a', 'b']);
  assert.is(only.status('c'), 'skipped');
  assert.is(only.outcome.exitCode, 0);
  const from = await runOnce(ctx.dir, spec, { exec: { from: 'c' } });
  assert.equal(from.builds, ['c', 'd']);
  assert.is(from.status('z'), 'skipped');
  const rest = await runOnce(ctx.dir, spec);
  assert.equal(rest.builds, ['y', 'z']);
});

execute('--only with an unknown name is an error with the closest name', async (ctx) => {
  try {
    await runOnce(ctx.dir, DIAMOND, { exec: { only: ['dd'] } });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnknownPackageError);
    assert.match((err as Error).message, /--only: no planned package named 'dd'; did you mean 'd'\?/);
    assert.is((err as UnknownPackageError).exitCode, 64);
  }
  // The lock was released despite the error, and no run was recorded.
  acquireLock(ctx.dir).release();
  withDb(ctx.dir, (db) => assert.equal(db.runs(), []));
});

execute('per-arch limits cap concurrent builds below the slot count (builder limits: stages.test.ts)', async (ctx) => {
  let running = 0;
  let max = 0;
  const perArch = new Map<string, number>();
  let maxWin = 0;
  const { outcome } = await runOnce(ctx.dir, {}, {
    config: { arches: ['linux-64', 'win-64'], concurrency: 3, limits: { arch: { 'win-64': 1 }, builder: {} } },
    plans: (targets) => targets.map((t) => fakePlan(t, { a: [], b: [], c: [], d: [] })),
    builder: {
      sleepMs: 5,
      onBuild: (t) => {
        running++;
        max = Math.max(max, running);
        perArch.set(t.target.subdir, (perArch.get(t.target.subdir) ?? 0) + 1);
        maxWin = Math.max(maxWin, perArch.get('win-64') ?? 0);
        setTimeout(() => {
          running--;
          perArch.set(t.target.subdir, perArch.get(t.target.subdir)! - 1);
        }, 4);
      },
    },
  });
  assert.is(outcome.exitCode, 0);
  assert.is(outcome.summary.counts.built, 8);
  assert.is(maxWin, 1);
  assert.ok(max >= 2, `max concurrent ${max}: linux-64 builds ran beside the win-64 one`);
});

execute('no builder for a subdir fails the task as internal', async (ctx) => {
  const engine = new Engine(fakeConfig(ctx.dir, []));
  const run = engine.createRun();
  const outcome = await executeRun(run, [fakePlan(run.targets[0], { a: [] })], { indexChannel: async () => {}, notice: () => {} });
  const a = outcome.summary.results[0];
  assert.is(a.status, 'failed');
  assert.is(a.failure, 'internal');
  assert.match(a.reason!, /no builder for linux-64/);
});

execute('a build waiting for its channel index write frees its slot; its dependents wait for the write', async (ctx) => {
  // One slot. a's index write is held until b's build has started (or 3 s: a fallback that
  // only a slot held through the write needs, so the run ends either way).
  const order: string[] = [];
  let bStarted!: () => void;
  const bRunning = new Promise<void>((r) => (bStarted = r));
  const { outcome } = await runOnce(ctx.dir, { a: [], b: [], c: ['a'] }, {
    config: { concurrency: 1 },
    builder: { onBuild: (t) => (order.push(`build ${t.id}`), t.id === 'b' && bStarted()) },
    exec: {
      indexChannel: async () => {
        if (order.includes('indexed a')) return;
        await Promise.race([bRunning, new Promise((r) => setTimeout(r, 3000))]);
        order.push('indexed a');
      },
    },
  });
  assert.is(outcome.exitCode, 0);
  assert.equal(order, ['build a', 'build b', 'indexed a', 'build c']);
});

execute('a channel index that cannot be written fails the task and blocks its dependents; the files stay', async (ctx) => {
  const { outcome, status } = await runOnce(ctx.dir, { a: [], b: ['a'], x: [] }, {
    exec: { indexChannel: async (_dir, _subdirs) => { if (!existsSync(join(ctx.dir, 'index-once'))) { writeFileSync(join(ctx.dir, 'index-once'), ''); throw new Error('disk full'); } } },
    config: { concurrency: 1 },
  });
  assert.is(outcome.exitCode, 1);
  assert.is(status('a'), 'failed');
  assert.is(status('b'), 'blocked');
  assert.is(status('x'), 'built');
  const a = outcome.summary.results.find((r) => r.id === 'a')!;
  assert.is(a.failure, 'internal');
  assert.match(a.reason!, /channel index of a's files not written: disk full/);
  assert.ok(existsSync(join(ctx.dir, 'channel', 'linux-64', 'a-1.0-py313_0.tar.bz2')));
  withDb(ctx.dir, (db) => assert.is(pkg(db, 'a').status, 'failed'));
});

execute('a second run on the same work dir is refused while the lock is held', async (ctx) => {
  const lock = acquireLock(ctx.dir);
  try {
    await runOnce(ctx.dir, DIAMOND);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, LockHeldError);
    assert.match((err as Error).message, String(process.pid));
  } finally {
    lock.release();
  }
});

execute('test, transmute and publish hooks :: statuses tested → transmuted → published; a failed test holds publication, not dependents', async (ctx) => {
  const published: string[] = [];
  const pipeline: Plugin = {
    name: 'test:pipeline',
    apply: (e) => e.hooks.run.tap('test:pipeline', (run) => {
      run.hooks.test.tapPromise('test:pipeline', async (result, report) => {
        report.checks.push({ name: 'imports', kind: 'imports', durationMs: 1, ok: report.id !== 'b', message: report.id === 'b' ? 'ImportError' : undefined });
      });
      run.hooks.transmute.tapPromise('test:pipeline', async (artifacts) => {
        return artifacts.map((a) => {
          const path = a.path.replace(/\.tar\.bz2$/, '.conda');
          writeFileSync(path, `converted ${a.filename}`);
          return { ...a, path, filename: a.filename.replace(/\.tar\.bz2$/, '.conda'), sha256: '', size: 0 };
        });
      });
      run.hooks.publish.tapPromise('test:pipeline', async (group) => {
        const artifacts = group.members.flatMap((m) => m.artifacts);
        published.push(...artifacts.map((a) => a.filename));
        return { publisher: 'test:pipeline', published: artifacts, channel: 'test' };
      });
    }),
  };
  const { outcome, status, events } = await runOnce(ctx.dir, { a: [], b: [], c: ['b'] }, { plugins: [pipeline] });
  assert.is(outcome.exitCode, 1);
  assert.is(status('a'), 'published');
  assert.equal(events.filter((e) => e.id === 'a').map((e) => `${e.stage}:${e.status}`),
    ['build:building', 'build:built', 'test:testing', 'test:tested', 'transmute:transmuting', 'transmute:transmuted', 'publish:published']);
  assert.is(status('b'), 'failed');
  const failed = events.find((e) => e.id === 'b' && e.status === 'failed')!;
  assert.is(failed.stage, 'test');
  assert.is(failed.failure, 'test');
  assert.match(failed.reason!, /test failed: imports: ImportError/);
  // c was built against b's artifact: b's failed test holds b's publication only.
  assert.is(status('c'), 'published');
  assert.equal(published.sort(), ['a-1.0-py313_0.conda', 'c-1.0-py313_0.conda']);
  withDb(ctx.dir, (db) => {
    assert.equal(db.artifacts(pkg(db, 'a').id).map((x) => x.filename), ['a-1.0-py313_0.conda']);
    assert.equal(db.testChecks(pkg(db, 'b').id).map((c) => [c.name, c.status, c.message]), [['imports', 'failed', 'ImportError']]);
    assert.equal(db.groups().map((g) => [g.key, g.status]), [['a-0-py3.13', 'published'], ['b-0-py3.13', 'held'], ['c-0-py3.13', 'published']]);
  });
});

execute('task.exec goes through run.hooks.exec; without a runner it fails with a clear error', async (ctx) => {
  const calls: string[] = [];
  const execing: Plugin = {
    name: 'test:exec',
    apply: (e) => e.hooks.run.tap('test:exec', (run) => {
      run.hooks.build.for('linux-64').tapPromise({ name: 'test:exec', stage: -1 }, async (task) => {
        const r = await task.exec({ argv: ['echo', task.id], cwd: task.workDir, env: {}, mounts: [], network: false });
        calls.push(`${task.id}:${r.exitCode}:${r.runner}`);
        return undefined;
      });
      if (e.config.concurrency === 1) return;
      run.hooks.exec.tapPromise('test:runner', async (req) => ({ exitCode: 0, signal: null, timedOut: false, cancelled: false, runner: `runner(${req.task.id})` }));
    }),
  };
  const ok = await runOnce(ctx.dir, { a: [] }, { plugins: [execing] });
  assert.equal(calls, ['a:0:runner(a)']);
  assert.is(ok.outcome.exitCode, 0);
  const dir2 = mkdtempSync(join(tmpdir(), 'rebuild-exec-'));
  try {
    const bad = await runOnce(dir2, { a: [] }, { plugins: [execing], config: { concurrency: 1 } });
    assert.is(bad.status('a'), 'failed');
    assert.match(bad.outcome.summary.results[0].reason!, /no runner plugin executed `echo a`/);
    assert.is(bad.outcome.summary.results[0].failure, 'internal');
  } finally {
    rmSync(dir2, { recursive: true, force: true });
  }
});

execute('rows left building by a killed run are recovered as interrupted and rebuilt', async (ctx) => {
  await runOnce(ctx.dir, { a: [], b: ['a'] });
  // Simulate a kill mid-build of b: a run without an outcome, b building with an open attempt.
  const db = StateDb.open(ctx.dir);
  const runId = db.startRun(['killed']);
  const b = pkg(db, 'b');
  db.startAttempt(b.id, runId, 1, '/dev/null', 'hash-b');
  db.close();
  const again = await runOnce(ctx.dir, { a: [], b: ['a'] });
  assert.equal(again.builds, ['b']);
  withDb(ctx.dir, (db2) => {
    assert.is(db2.runs().find((r) => r.id === runId)!.outcome, 'killed');
    assert.ok(db2.statusChanges(pkg(db2, 'b').id).some((c) => c.to === 'interrupted'));
  });
});

execute('plan nodes that are not planned get a status row with their reason', async (ctx) => {
  await runOnce(ctx.dir, { a: [], old: { deps: [], status: 'excluded' } });
  withDb(ctx.dir, (db) => {
    assert.is(pkg(db, 'old').status, 'excluded');
    assert.is(pkg(db, 'old').reason, 'excluded in the fake plan');
  });
});

/**
 * A builder writing a real .tar.bz2 per task into the output channel, which first notes in `missing`
 * each dependency of `spec` that the channel's repodata.json does not list at the build's start.
 */
function realPackageBuilder(dir: string, spec: Spec, missing: string[]): Plugin {
  const files = join(dir, 'files');
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'a.txt'), 'a\n');
  return {
    name: 'test:real-packages',
    apply: (e) => e.hooks.run.tap('test:real-packages', (run) => {
      run.hooks.build.for('linux-64').tapPromise({ name: 'test:real-packages', stage: -1 }, async (task) => {
        let index: any = { packages: {} };
        try {
          index = JSON.parse(readFileSync(join(task.outputChannel, 'linux-64', 'repodata.json'), 'utf8'));
        } catch {
          // no index yet: only for packages without dependencies
        }
        for (const dep of (spec[task.id] as string[])) if (!index.packages[`${dep}-1.0-0.tar.bz2`]) missing.push(`${task.id} started without ${dep}`);
        await new Promise((r) => setTimeout(r, (Number(task.id.replace(/\D/g, '') || 0) * 7) % 5));
        const artifacts = await writeCondaPackage({
          prefix: files, files: ['a.txt'], zstdLevel: 1, outDir: join(task.outputChannel, 'linux-64'),
          info: { name: task.id, version: '1.0', build: '0', buildNumber: 0, depends: [], subdir: 'linux-64', timestamp: 1_700_000_000_000 },
        });
        return { builder: 'test:real-packages', artifacts };
      });
    }),
  };
}

execute('a package a killed run recorded but had not indexed yet is indexed before anything builds', async (ctx) => {
  const missing: string[] = [];
  const first = await runOnce(ctx.dir, { a: [], b: [] }, { plugins: [realPackageBuilder(ctx.dir, { a: [], b: [] }, missing)], exec: { indexChannel: undefined } });
  assert.is(first.outcome.exitCode, 0);
  // The kill came after b was recorded built, before the index write covering it.
  const index = join(ctx.dir, 'channel', 'linux-64', 'repodata.json');
  const data = JSON.parse(readFileSync(index, 'utf8'));
  delete data.packages['b-1.0-0.tar.bz2'];
  writeFileSync(index, `${JSON.stringify(data, null, 1)}\n`);
  const spec: Spec = { a: [], b: [], c: ['b'] };
  const again = await runOnce(ctx.dir, spec, { plugins: [realPackageBuilder(ctx.dir, spec, missing)], exec: { indexChannel: undefined } });
  assert.is(again.outcome.exitCode, 0);
  assert.is(again.status('c'), 'built');
  assert.equal(missing, []);
  assert.ok(JSON.parse(readFileSync(index, 'utf8')).packages['b-1.0-0.tar.bz2']);
});

execute('the real channel index :: every build sees its dependencies in repodata.json; coalesced writes cover every package', async (ctx) => {
  // 16 packages, each on the one before and one three back: many finish together at concurrency 4.
  const spec: Spec = Object.fromEntries(Array.from({ length: 16 }, (_, i) => {
    const deps = [i - 1, i - 3].filter((d) => d >= 0).map((d) => `p${String(d).padStart(2, '0')}`);
    return [`p${String(i).padStart(2, '0')}`, deps];
  }));
  const missing: string[] = [];
  const real = realPackageBuilder(ctx.dir, spec, missing);
  const { outcome } = await runOnce(ctx.dir, spec, { plugins: [real], config: { concurrency: 4 }, exec: { indexChannel: undefined } });
  assert.is(outcome.exitCode, 0);
  assert.equal(missing, []);
  const index = JSON.parse(readFileSync(join(ctx.dir, 'channel', 'linux-64', 'repodata.json'), 'utf8'));
  assert.equal(Object.keys(index.packages), Object.keys(spec).map((id) => `${id}-1.0-0.tar.bz2`));
  assert.ok(existsSync(join(ctx.dir, 'channel', 'noarch', 'repodata.json')));
  // The record cache is written when the run ends.
  assert.is(Object.keys(JSON.parse(readFileSync(join(ctx.dir, 'channel', 'linux-64', '.rebuild-index-cache.json'), 'utf8')).entries).length, 16);
});

execute.run();
