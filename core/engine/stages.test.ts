// Stage tasks in process: a failed test does not block dependents' builds (tests.blocksDependents
// makes it), test-requirement cycles never block builds, the publish join waits for the slowest arch
// and for arches another run builds, --retry-failed retries the failed stage only, tests.enabled
// false is a build-only pass, and per-builder limits count the builder that took the task.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from './engine.ts';
import { executeRun, type ExecuteOptions } from './execute.ts';
import { buildTaskGraph, testEnvironmentGates } from './task-graph.ts';
import { Scheduler } from './scheduler.ts';
import type { Plugin } from '../model/plugin.ts';
import type { PublishGroup, TaskResult } from '../model/types.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import type { Plan } from '../graph/plan.ts';
import Database from 'better-sqlite3';
import { StateDb } from '../state/state-db.ts';
import { fakeBuilder, type FakeBuilderOptions } from '../../tests/fixtures/fake-builder.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakePlan, type FakeNodeSpec } from '../../tests/fixtures/fake-plan.ts';
import { stagePlugins, type StagePluginOptions } from './fixtures/stage-plugins.ts';

type Spec = Record<string, string[] | FakeNodeSpec>;

interface Setup {
  builder?: FakeBuilderOptions;
  stages?: Partial<StagePluginOptions>;
  config?: Partial<ResolvedConfig>;
  exec?: ExecuteOptions;
  plugins?: Plugin[];
  arches?: string[];
  plans?: (targets: Plan['target'][]) => Plan[];
}

async function runOnce(dir: string, spec: Spec, setup: Setup = {}) {
  const events: TaskResult[] = [];
  const groups: PublishGroup[] = [];
  const engine = new Engine(fakeConfig(join(dir, 'work'), [
    fakeBuilder({ invocations: join(dir, 'builds'), ...setup.builder }),
    stagePlugins({ invocations: join(dir, 'stages'), publishTo: join(dir, 'published'), onPublish: (g) => void groups.push(g), ...setup.stages }),
    ...(setup.plugins ?? []),
  ], setup.config));
  const run = engine.createRun({ arches: setup.arches });
  run.hooks.taskEnd.tap('test:events', (r) => void events.push(r));
  const plans = setup.plans ? setup.plans(run.targets) : [fakePlan(run.targets[0], spec)];
  const outcome = await executeRun(run, plans, { indexChannel: async () => {}, notice: () => {}, ...setup.exec });
  const result = (id: string, subdir = 'linux-64') => outcome.summary.results.find((r) => r.id === id && r.target.subdir === subdir);
  return { outcome, events, groups, result };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

const stages = suite('stage tasks');

stages.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-stages-'));
});
stages.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

stages('a failed test holds the package\'s publication, not its dependents\' builds; status says "test failed"', async (ctx) => {
  const { outcome, result } = await runOnce(ctx.dir, { a: [], b: ['a'], c: ['b'] }, { stages: { failTest: ['a'] } });
  assert.is(outcome.exitCode, 1);
  const a = result('a')!;
  assert.equal([a.status, a.stage, a.failure], ['failed', 'test', 'test']);
  assert.match(a.reason!, /^test failed: imports: a: ImportError: No module named 'a._core'$/);
  assert.is(result('b')!.status, 'published');
  assert.is(result('c')!.status, 'published');
  assert.equal(lines(join(ctx.dir, 'builds')).map((l) => l.split(' ')[1]), ['a', 'b', 'c']);
  const db = StateDb.open(join(ctx.dir, 'work'), { readonly: true });
  try {
    const row = db.getPackage({ node: 'a', subdir: 'linux-64', python: '3.13' })!;
    assert.equal([row.status, row.stage], ['failed', 'test']);
    assert.equal(db.stages(row.id).map((s) => `${s.stage}:${s.status}`), ['build:done', 'test:failed']);
    const group = db.groups().find((g) => g.name === 'a')!;
    assert.equal([group.status, group.reason], ['held', 'held: a (linux-64) test failed']);
  } finally {
    db.close();
  }
});

stages('tests.blocksDependents: a failed test blocks the builds of its dependents', async (ctx) => {
  const { outcome, result } = await runOnce(ctx.dir, { a: [], b: ['a'], c: ['b'], x: [] }, {
    stages: { failTest: ['a'] },
    config: { tests: { enabled: true, blocksDependents: true, timeoutSeconds: 60 } },
  });
  assert.is(outcome.exitCode, 1);
  assert.equal([result('a')!.status, result('a')!.stage], ['failed', 'test']);
  assert.equal([result('b')!.status, result('b')!.reason], ['blocked', 'blocked by a (test failed)']);
  assert.equal([result('c')!.status, result('c')!.reason], ['blocked', 'blocked by a (test failed)']);
  assert.is(result('x')!.status, 'published');
  assert.equal(lines(join(ctx.dir, 'builds')).map((l) => l.split(' ')[1]).sort(), ['a', 'x']);
});

stages('test-requirement cycles never block builds: test(X) waits for the builds of its test requirements', async (ctx) => {
  // pytest's test needs a (a test requirement); a's build needs pytest.
  const spec: Spec = { pytest: { deps: [], runDeps: ['a'] }, a: ['pytest'] };
  const tasks = buildTaskGraph([fakePlan({ subdir: 'linux-64', python: '3.13' }, spec)],
    { test: true, transmute: false, publish: null, blocksDependents: true });
  assert.equal(tasks.get('linux-64/py3.13/pytest#test')!.deps.sort(), ['linux-64/py3.13/a', 'linux-64/py3.13/pytest']);
  // blocksDependents would close a cycle (build(a) → test(pytest) → build(a)): that edge is left out.
  assert.equal(tasks.get('linux-64/py3.13/a')!.deps, ['linux-64/py3.13/pytest']);
  const { outcome } = await runOnce(ctx.dir, spec, { config: { tests: { enabled: true, blocksDependents: true, timeoutSeconds: 60 } } });
  assert.is(outcome.exitCode, 0);
  const order = lines(join(ctx.dir, 'stages')).filter((l) => l.startsWith('test'));
  assert.equal(order.map((l) => l.split(' ')[2]).sort(), ['a', 'pytest']);
  // test(pytest) ran after build(a).
  assert.ok(lines(join(ctx.dir, 'builds')).length === 2);
});

stages("test(Y) waits for the run requirements of Y's requirements, transitively (the test environment installs them)", () => {
  // app runs with lib; lib runs with core and core with base, base and core run with each other (a
  // run cycle); run edges only, so no build waits for them. app's test environment holds them all.
  const spec: Spec = {
    base: { deps: [], runDeps: ['core'] },
    core: { deps: [], runDeps: ['base'] },
    lib: { deps: [], runDeps: ['core'] },
    app: { deps: [], runDeps: ['lib'] },
    other: [],
  };
  const plans = [fakePlan({ subdir: 'linux-64', python: '3.13' }, spec)];
  const tasks = buildTaskGraph(plans, { test: true, transmute: false, publish: null, blocksDependents: false });
  const p = (id: string) => `linux-64/py3.13/${id}`;
  assert.equal(tasks.get(`${p('app')}#test`)!.deps.sort(), [p('app'), p('lib')]);
  assert.equal(tasks.get(p('app'))!.deps, [], 'no build waits for a run requirement');
  const gates = testEnvironmentGates(plans, tasks);
  const sched = new Scheduler([
    ...[...tasks.values()].map((t) => ({ id: t.key, deps: [...t.deps, ...(t.envGates ?? [])] })),
    ...gates,
  ]);
  const drain = () => {
    const out: string[] = [];
    for (let k = sched.next(); k !== null; k = sched.next()) out.push(k);
    return out.sort();
  };
  assert.equal(drain(), [p('app'), p('base'), p('core'), p('lib'), p('other')]);
  for (const id of ['app', 'lib', 'other', 'core']) sched.succeed(p(id));
  // base is not built yet: neither app's, lib's nor core's test can install.
  assert.equal(drain(), [`${p('other')}#test`]);
  sched.succeed(p('base'));
  assert.equal(drain(), [`${p('app')}#test`, `${p('base')}#test`, `${p('core')}#test`, `${p('lib')}#test`]);
  // A failed run requirement blocks the tests that would install it, not through a gate id.
  const again = new Scheduler([...[...tasks.values()].map((t) => ({ id: t.key, deps: [...t.deps, ...(t.envGates ?? [])] })), ...gates]);
  for (let k = again.next(); k !== null; k = again.next());
  const blocked = again.fail(p('base')).map((b) => b.id).sort();
  assert.equal(blocked, [`${p('app')}#test`, `${p('base')}#test`, `${p('core')}#test`, `${p('lib')}#test`]);
  assert.ok(!again.pendingIds().some((k) => k.startsWith('env:')));
});

stages("a run starts test(Y) only once the run requirements of Y's requirements are built", async (ctx) => {
  // base builds slowly; lib runs with base, app runs with lib: app's test must wait for base's build.
  const spec: Spec = { base: [], lib: { deps: [], runDeps: ['base'] }, app: { deps: [], runDeps: ['lib'] } };
  const { outcome, events } = await runOnce(ctx.dir, spec, {
    config: { concurrency: 3 },
    builder: { sleepMs: (t) => (t.id === 'base' ? 400 : 0) },
  });
  assert.is(outcome.exitCode, 0);
  const at = (id: string, status: string) => events.findIndex((e) => e.id === id && e.status === status);
  assert.ok(at('base', 'built') >= 0 && at('app', 'testing') >= 0, events.map((e) => `${e.id} ${e.status}`).join('\n'));
  assert.ok(at('base', 'built') < at('app', 'testing'), events.map((e) => `${e.id} ${e.status}`).join('\n'));
  assert.ok(at('base', 'built') < at('lib', 'testing'));
});

stages('the publish join waits for the slowest arch: one publication with every arch', async (ctx) => {
  const { outcome, groups, events } = await runOnce(ctx.dir, {}, {
    config: { arches: ['linux-64', 'win-64'], concurrency: 2 },
    builder: { sleepMs: (t) => (t.target.subdir === 'win-64' ? 150 : 5) },
    plans: (targets) => targets.map((t) => fakePlan(t, { a: [] })),
  });
  assert.is(outcome.exitCode, 0);
  assert.is(groups.length, 1);
  assert.equal(groups[0].members.map((m) => m.target.subdir), ['linux-64', 'win-64']);
  assert.equal(groups[0].members.map((m) => m.artifacts.map((x) => x.filename)), [
    ['a-1.0-py313_0.tar.bz2', 'a-1.0-py313_0.conda'], ['a-1.0-py313_0.tar.bz2', 'a-1.0-py313_0.conda'],
  ]);
  const order = events.map((e) => `${e.target.subdir}:${e.status}`);
  assert.ok(order.indexOf('linux-64:transmuted') < order.indexOf('win-64:built'), order.join(' '));
  assert.ok(order.indexOf('win-64:transmuted') < order.indexOf('linux-64:published'), order.join(' '));
});

stages('an arch this run does not build holds the group; the run that builds it publishes both arches (requireArches, archExceptions)', async (ctx) => {
  const config: Partial<ResolvedConfig> = {
    arches: ['linux-64', 'win-64'],
    publish: { enabled: true, requireArches: null, archExceptions: { b: ['linux-64'] } },
  };
  const plans = (targets: Plan['target'][]) => targets.map((t) => fakePlan(t, { a: [], b: [] }));
  const first = await runOnce(ctx.dir, {}, { config, arches: ['linux-64'], plans });
  assert.is(first.outcome.exitCode, 0);
  // b needs linux-64 only (its exception): published; a waits for win-64.
  assert.equal(first.groups.map((g) => g.name), ['b']);
  assert.equal(first.result('a')!.status, 'transmuted');
  let db = StateDb.open(join(ctx.dir, 'work'), { readonly: true });
  assert.equal(db.groups().map((g) => [g.name, g.status, g.reason]).find((g) => g[0] === 'a'), ['a', 'held', 'waiting for win-64 (not in this run)']);
  db.close();

  const second = await runOnce(ctx.dir, {}, { config, arches: ['win-64'], plans });
  assert.is(second.outcome.exitCode, 0);
  assert.equal(second.groups.map((g) => [g.name, g.members.map((m) => m.target.subdir)]), [['a', ['win-64', 'linux-64']]]);
  db = StateDb.open(join(ctx.dir, 'work'), { readonly: true });
  assert.equal(db.groups().map((g) => [g.name, g.status]), [['a', 'published'], ['b', 'published']]);
  db.close();
});

stages('--retry-failed retries the failed stage only: a failed test runs again, the build does not', async (ctx) => {
  const first = await runOnce(ctx.dir, { a: [], b: [] }, { stages: { failTest: ['a'] } });
  assert.is(first.outcome.exitCode, 1);
  const kept = await runOnce(ctx.dir, { a: [], b: [] }, { stages: { failTest: ['a'] } });
  assert.equal([kept.result('a')!.status, kept.result('a')!.stage], ['failed', 'test']);
  assert.is(lines(join(ctx.dir, 'stages')).filter((l) => l === 'test linux-64 a').length, 1, 'a failed test is kept without --retry-failed');
  const retried = await runOnce(ctx.dir, { a: [], b: [] }, { exec: { retryFailed: true } });
  assert.is(retried.outcome.exitCode, 0);
  assert.is(retried.result('a')!.status, 'published');
  assert.equal(lines(join(ctx.dir, 'builds')).map((l) => l.split(' ')[1]).sort(), ['a', 'b']);
  assert.is(lines(join(ctx.dir, 'stages')).filter((l) => l === 'test linux-64 a').length, 2);
});

stages('a publisher that throws fails the group (class publish, members failed at stage publish); --retry-failed publishes it without building or testing again', async (ctx) => {
  const first = await runOnce(ctx.dir, { a: [], b: [] }, { stages: { failPublish: ['a'] } });
  assert.is(first.outcome.exitCode, 1);
  const a = first.result('a')!;
  assert.equal([a.status, a.stage, a.failure], ['failed', 'publish', 'publish']);
  assert.match(a.reason!, /^publish failed: plugin test:stages failed in hook run.publish: upload of a-0-py3.13 refused: 403 Forbidden$/);
  assert.is(first.result('b')!.status, 'published');
  let db = StateDb.open(join(ctx.dir, 'work'), { readonly: true });
  assert.equal(db.groups().map((g) => [g.name, g.status, g.failure]), [['a', 'failed', 'publish'], ['b', 'published', null]]);
  db.close();
  const kept = await runOnce(ctx.dir, { a: [], b: [] }, { stages: { failPublish: ['a'] } });
  assert.is(kept.outcome.exitCode, 1);
  assert.is(lines(join(ctx.dir, 'stages')).filter((l) => l.startsWith('publish a-')).length, 1, 'a failed publication is kept without --retry-failed');
  assert.equal([kept.result('a')!.status, kept.result('a')!.stage, kept.result('a')!.failure], ['failed', 'publish', 'publish']);
  assert.match(kept.result('a')!.reason!, /^publish failed: plugin test:stages failed in hook run.publish: upload of a-0-py3.13 refused/);
  assert.equal([kept.result('b')!.status, kept.result('b')!.stage], ['published', 'publish']);
  const retried = await runOnce(ctx.dir, { a: [], b: [] }, { exec: { retryFailed: true } });
  assert.is(retried.outcome.exitCode, 0);
  assert.is(retried.result('a')!.status, 'published');
  assert.equal(retried.groups.map((g) => g.name), ['a']);
  assert.equal(lines(join(ctx.dir, 'builds')).length, 2);
  assert.equal(lines(join(ctx.dir, 'stages')).filter((l) => l.startsWith('test')).length, 2);
  db = StateDb.open(join(ctx.dir, 'work'), { readonly: true });
  assert.equal(db.groups().map((g) => [g.name, g.status]), [['a', 'published'], ['b', 'published']]);
  db.close();
});

stages('tests.enabled false: a build-only pass (transmute follows the build); no test stage at all', async (ctx) => {
  const { outcome, events } = await runOnce(ctx.dir, { a: [] }, { stages: { failTest: ['a'] }, config: { tests: { enabled: false, blocksDependents: false, timeoutSeconds: 60 } } });
  assert.is(outcome.exitCode, 0);
  assert.equal(events.map((e) => e.status), ['building', 'built', 'transmuting', 'transmuted', 'published']);
  assert.not.ok(lines(join(ctx.dir, 'stages')).some((l) => l.startsWith('test')));
});

stages('a stage without a plugin makes no task; a tester that reports no check passes ("no tests")', async (ctx) => {
  const { outcome, events } = await runOnce(ctx.dir, { a: [] }, {
    stages: { transmute: false, publishTo: undefined, test: false },
    plugins: [{ name: 'test:silent-tester', apply: (e) => e.hooks.run.tap('t', (run) => run.hooks.test.tap('t', () => {})) }],
  });
  assert.is(outcome.exitCode, 0);
  assert.equal(events.map((e) => [e.stage, e.status, e.status === 'tested' ? e.reason : '']), [
    ['build', 'building', ''], ['build', 'built', ''], ['test', 'testing', ''], ['test', 'tested', 'no tests'],
  ]);
});

stages('builder limits count the builder that took the task, not the first tap of the subdir', async (ctx) => {
  // `first` declines everything; `second` takes every task and runs one command each.
  let running = 0;
  let max = 0;
  const builders: Plugin = {
    name: 'test:builders',
    apply: (e) => e.hooks.run.tap('test:builders', (run) => {
      run.hooks.build.for('linux-64').tapPromise({ name: 'first', stage: -10 }, async () => undefined);
      run.hooks.build.for('linux-64').tapPromise({ name: 'second', stage: -5 }, async (task) => {
        await task.exec({ argv: ['build'], cwd: '/', env: {}, mounts: [], network: false });
        const { writeFileSync, mkdirSync } = await import('node:fs');
        const dir = join(task.outputChannel, 'linux-64');
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `${task.id}-1.0-0.tar.bz2`);
        writeFileSync(path, task.id);
        return { builder: 'second', artifacts: [{ path, filename: `${task.id}-1.0-0.tar.bz2`, subdir: 'linux-64', name: task.id, version: '1.0', build: '0', sha256: '', size: 0 }] };
      });
      run.hooks.exec.tapPromise('runner', async () => {
        max = Math.max(max, ++running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return { exitCode: 0, signal: null, timedOut: false, cancelled: false, runner: 'runner' };
      });
    }),
  };
  const spec = { a: [], b: [], c: [], d: [] };
  const limitFirst = await runOnce(join(ctx.dir), spec, {
    stages: { test: false, transmute: false, publishTo: undefined },
    plugins: [builders], config: { concurrency: 4, limits: { arch: {}, builder: { first: 1 } } },
  });
  assert.is(limitFirst.outcome.exitCode, 0);
  assert.is(max, 4, 'the limit of a builder that declines every task limits nothing');
  max = 0;
  rmSync(join(ctx.dir, 'work'), { recursive: true, force: true });
  const limitSecond = await runOnce(ctx.dir, spec, {
    stages: { test: false, transmute: false, publishTo: undefined },
    plugins: [builders], config: { concurrency: 4, limits: { arch: {}, builder: { second: 2 } } },
  });
  assert.is(limitSecond.outcome.exitCode, 0);
  assert.is(max, 2, 'the builder that takes every task runs at most its limit');
});

stages('a file the transmute stage rewrote in place (its .conda of an earlier build replaced) is recorded with its new bytes', async (ctx) => {
  const rewriter: Plugin = {
    name: 'test:rewriter',
    apply(engine) {
      engine.hooks.run.tap('test:rewriter', (run) => {
        run.hooks.transmute.tapPromise('test:rewriter', async (artifacts) => {
          const [a] = artifacts;
          appendFileSync(a.path, 'rewritten');
          const data = readFileSync(a.path);
          return [{ ...a, sha256: createHash('sha256').update(data).digest('hex'), size: data.length }, ...artifacts.slice(1)];
        });
      });
    },
  };
  const first = await runOnce(ctx.dir, { a: [] }, {
    stages: { transmute: false }, plugins: [rewriter],
  });
  assert.is(first.outcome.exitCode, 0);
  const db = StateDb.open(join(ctx.dir, 'work'), { readonly: true });
  try {
    const row = db.getPackage({ node: 'a', subdir: 'linux-64', python: first.result('a')!.target.python })!;
    const [recorded] = db.artifacts(row.id);
    assert.is(recorded.sha256, createHash('sha256').update(readFileSync(recorded.path)).digest('hex'), 'the record holds the rewritten bytes');
  } finally {
    db.close();
  }
});

stages('each state change is reported once committed, in pipeline order, though later stages do not wait for their writes', async (ctx) => {
  const work = join(ctx.dir, 'work');
  // Whether the database (read by another connection) holds each change when it is reported.
  const seen: string[] = [];
  const observer: Plugin = {
    name: 'test:observer',
    apply(engine) {
      engine.hooks.run.tap('test:observer', (run) => {
        run.hooks.taskEnd.tap('test:observer', (r) => {
          if (r.id !== 'a') return;
          const db = StateDb.open(work, { readonly: true });
          try {
            const row = db.getPackage({ node: 'a', subdir: 'linux-64', python: r.target.python })!;
            seen.push(`${r.status}:${db.statusChanges(row.id).some((c) => c.to === r.status) ? 'committed' : 'not committed'}`);
          } finally {
            db.close();
          }
        });
      });
    },
  };
  const { outcome, events } = await runOnce(ctx.dir, { a: [], b: ['a'] }, { plugins: [observer] });
  assert.is(outcome.exitCode, 0);
  assert.equal(seen, ['building', 'built', 'testing', 'tested', 'transmuting', 'transmuted', 'published'].map((s) => `${s}:committed`));
  assert.equal(events.filter((e) => e.id === 'b').map((e) => e.status), ['building', 'built', 'testing', 'tested', 'transmuting', 'transmuted', 'published']);
  const db = StateDb.open(work, { readonly: true });
  try {
    const row = db.getPackage({ node: 'a', subdir: 'linux-64', python: '3.13' })!;
    assert.equal(db.attempts(row.id).map((a) => `${a.stage}:${a.status}`), ['build:complete', 'test:complete', 'transmute:complete']);
    assert.equal(db.testChecks(row.id).map((c) => `${c.name}:${c.status}`), ['imports: a:passed']);
  } finally {
    db.close();
  }
});

stages('a state write no task waited for fails: the run stops starting work, says so and fails; the next run tests again', async (ctx) => {
  const work = join(ctx.dir, 'work');
  // A trigger (from another connection, as the test of a runs) refuses a's test completion.
  const refuser: Plugin = {
    name: 'test:refuser',
    apply(engine) {
      engine.hooks.run.tap('test:refuser', (run) => {
        run.hooks.test.tap({ name: 'test:refuser', stage: -1 }, (task) => {
          if (task.id !== 'a') return;
          const raw = new Database(join(work, 'state.db'));
          raw.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON stages WHEN NEW.stage = 'test' AND NEW.status = 'done'
                    BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END`);
          raw.close();
        });
      });
    },
  };
  const notices: string[] = [];
  const { outcome, result } = await runOnce(ctx.dir, { a: [], b: ['a'] }, {
    plugins: [refuser], exec: { notice: (m) => void notices.push(m) }, config: { concurrency: 1 },
  });
  assert.is(outcome.exitCode, 1);
  assert.ok(notices.some((m) => /^state database write failed, stopping the run: .*disk full \(test\)/.test(m)), notices.join('\n'));
  assert.not.equal(result('b')?.status, 'published', 'no work started after the failure');
  const db = StateDb.open(work);
  try {
    const row = db.getPackage({ node: 'a', subdir: 'linux-64', python: '3.13' })!;
    assert.equal(db.stages(row.id).find((s) => s.stage === 'test')?.status, 'running', 'the test is not recorded done');
    assert.is(db.lastRun()!.outcome, 'failed');
    db.db.exec('DROP TRIGGER refuse');
  } finally {
    db.close();
  }
  // The next run continues a at its test (its build is kept).
  const again = await runOnce(ctx.dir, { a: [], b: ['a'] });
  assert.is(again.outcome.exitCode, 0);
  assert.equal(lines(join(ctx.dir, 'stages')).filter((l) => l.startsWith('test ') && l.endsWith(' a')).length, 2);
  assert.equal(lines(join(ctx.dir, 'builds')).filter((l) => l.split(' ')[1] === 'a').length, 1);
});

stages.run();
