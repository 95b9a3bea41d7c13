import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Engine } from '../../engine/engine.ts';
import { UserError } from '../../model/errors.ts';
import { acquireLock } from '../../state/lock.ts';
import { fakeBuilder, type FakeBuilderOptions } from '../../../tests/fixtures/fake-builder.ts';
import { fakeConfig } from '../../../tests/fixtures/fake-config.ts';
import { fakePlan } from '../../../tests/fixtures/fake-plan.ts';
import { runRunCommand, type RunCommandOptions } from './run.ts';
import { targetKey, type Target } from '../../model/types.ts';
import { readySummary } from '../../explain/ready-summary.ts';
import { readTargetStates } from '../../explain/read-state.ts';
import { errorNode } from '../../graph/render-nodes.ts';
import { statusCommand } from './status.ts';
import { logsCommand } from './logs.ts';

const SPEC = { numpy: [], scipy: ['numpy'], pandas: ['numpy'] };

async function rebuildRun(dir: string, opts: RunCommandOptions = {}, builder: FakeBuilderOptions = {}, signal?: AbortSignal, plan = (t: Target) => fakePlan(t, SPEC)) {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (d) => (out += d));
  const notices: string[] = [];
  const engine = new Engine(fakeConfig(dir, [fakeBuilder(builder)], { arches: ['linux-64', 'win-64'] }));
  const code = await runRunCommand(engine, opts, { progress: stream as any, notice: (m) => void notices.push(m), signal: signal ?? new AbortController().signal, argv: ['run'] }, {
    plan: async (run) => run.targets.map(plan),
    execute: { indexChannel: async () => {} },
  });
  return { code, out, notices };
}

async function capture(fn: (io: { write(t: string): void }) => Promise<number>) {
  let out = '';
  const code = await fn({ write: (t) => void (out += t) });
  return { code, out };
}

const cli = suite('rebuild run / status / logs');

cli.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-cli-'));
});
cli.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cli('run --json :: NDJSON events, exit 0; status shows the tally; a rerun builds nothing', async (ctx) => {
  const { code, out } = await rebuildRun(ctx.dir, { json: true });
  assert.is(code, 0);
  const events = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(events[0].type, 'run-start');
  assert.is(events.at(-1).type, 'run-end');
  assert.is(events.filter((e) => e.type === 'task' && e.status === 'built').length, 6);
  const status = await capture((io) => statusCommand([], { workDir: ctx.dir, json: true }, io));
  const report = JSON.parse(status.out);
  assert.equal(report.arches, { 'linux-64': { built: 3 }, 'win-64': { built: 3 } });
  assert.is(report.lastRun.outcome, 'success');
  assert.is(report.running, null);
  const text = await capture((io) => statusCommand([], { workDir: ctx.dir, arch: ['win-64'] }, io));
  assert.match(text.out, /arch\s+built\s+total\nwin-64\s+3\s+3\ntotal\s+3\s+3\n/);
  const again = await rebuildRun(ctx.dir, { json: true });
  assert.is(again.code, 0);
  assert.not.ok(again.out.includes('"status":"building"'));
});

cli('run :: exit 1 when something failed or is blocked; plain lines off a TTY', async (ctx) => {
  const { code, out } = await rebuildRun(ctx.dir, {}, { fail: { numpy: 'build' } });
  assert.is(code, 1);
  assert.match(out, /linux-64 numpy: FAILED \(build\) plugin test:fake-builder failed in hook run.build\[linux-64\]: fake build failure of numpy/);
  assert.match(out, /linux-64 scipy: blocked \(blocked by numpy \(failed\)\)/);
  const status = await capture((io) => statusCommand([], { workDir: ctx.dir }, io));
  assert.match(status.out, /failed \(2\):\n  linux-64 numpy: build: .*fake build failure of numpy/);
});

cli('status and ready count the same packages the same way: dependents of a failure are blocked in both', async (ctx) => {
  // numpy fails; scipy and pandas (build on numpy) are blocked by it.
  assert.is((await rebuildRun(ctx.dir, {}, { fail: { numpy: 'build' } })).code, 1);
  const status = JSON.parse((await capture((io) => statusCommand([], { workDir: ctx.dir, json: true, arch: ['linux-64'] }, io))).out);
  const target = { subdir: 'linux-64', python: '3.13' } as Target;
  const plan = fakePlan(target, SPEC);
  const ready = readySummary(plan, readTargetStates(ctx.dir, [target]).get(targetKey(target))!);
  assert.equal(status.arches['linux-64'], { failed: 1, blocked: 2 });
  assert.equal([ready.failed.length, ready.blocked, ready.waiting, ready.ready.length], [1, 2, 0, 0]);
});

cli('run :: a recipe that fails to render is a plan error: the summary lists it and what it blocks, exit 1', async (ctx) => {
  // numpy builds; `broken` failed to render and `needs-broken` is blocked by it (as planTarget leaves them).
  const withError = (t: Target) => {
    const plan = fakePlan(t, { numpy: [], 'needs-broken': { deps: [], status: 'blocked' } });
    const reason = 'render error in /agg/broken-feedstock/recipe/meta.yaml:3: jinja error: unexpected end of input';
    plan.graph.addNode('broken', errorNode('broken', null, 'broken', t, reason));
    plan.graph.mergeNodeAttributes('needs-broken', { reason: 'blocked by broken (error)' });
    plan.errors.push({ kind: 'render-error', message: reason, nodes: ['broken'] });
    return plan;
  };
  const text = await rebuildRun(ctx.dir, {}, {}, undefined, withError);
  assert.is(text.code, 1);
  assert.match(text.out, /linux-64 numpy: built/);
  assert.match(
    text.out,
    /not built: 2 in error, 2 blocked \(2 plan errors: exit 1; see rebuild plan\)\n.*  linux-64 broken: error — render error in \/agg\/broken-feedstock\/recipe\/meta\.yaml:3: jinja error: unexpected end of input\n.*  linux-64 needs-broken: blocked — blocked by broken \(error\)\n/,
  );
  const json = await rebuildRun(ctx.dir, { json: true }, {}, undefined, withError);
  assert.is(json.code, 1);
  const end = JSON.parse(json.out.trim().split('\n').at(-1)!);
  assert.is(end.planErrors, 2);
  assert.equal(end.notBuilt.map((n: { subdir: string; id: string; status: string }) => `${n.subdir} ${n.id} ${n.status}`), [
    'linux-64 broken error', 'linux-64 needs-broken blocked', 'win-64 broken error', 'win-64 needs-broken blocked',
  ]);
});

cli('run :: refused with exit 75 while another run holds the work dir', async (ctx) => {
  const lock = acquireLock(ctx.dir);
  try {
    await rebuildRun(ctx.dir);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UserError);
    assert.is((err as UserError).exitCode, 75);
    assert.match((err as Error).message, `pid ${process.pid}`);
  } finally {
    lock.release();
  }
});

cli('run :: an unknown --arch is a usage error', async (ctx) => {
  try {
    await rebuildRun(ctx.dir, { arch: ['osx-64'] });
    assert.unreachable();
  } catch (err) {
    assert.is((err as UserError).exitCode, 64);
  }
});

cli('run :: interrupted → exit 130', async (ctx) => {
  const controller = new AbortController();
  const { code } = await rebuildRun(ctx.dir, {}, { hang: ['numpy'], onBuild: () => setImmediate(() => controller.abort()) }, controller.signal);
  assert.is(code, 130);
});

cli('logs :: prints the log; an unknown name says which names are close', async (ctx) => {
  await rebuildRun(ctx.dir, {}, { fail: { scipy: 'build' } });
  const one = await capture((io) => logsCommand(['scipy'], { workDir: ctx.dir, arch: ['linux-64'] }, io));
  assert.match(one.out, /=== scipy \(linux-64, python 3.13\) attempt 1[\s\S]*fake build of scipy[\s\S]*=== failed \(build\)/);
  const both = await capture((io) => logsCommand(['numpy'], { workDir: ctx.dir }, io));
  assert.match(both.out, /==> linux-64 numpy \(built\) .*numpy.log <==[\s\S]*==> win-64 numpy/);
  try {
    await logsCommand(['scipi'], { workDir: ctx.dir }, { write: () => {} });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UserError);
    assert.is((err as Error).message, "unknown package 'scipi'; did you mean 'scipy'?");
    assert.is((err as UserError).exitCode, 64);
  }
  // A known name that --python / --arch leaves out is not "unknown": the message lists its targets.
  const filtered: [{ python?: string; arch?: string[] }, string][] = [[{ python: '3.15' }, '--python 3.15'], [{ arch: ['osx-64'] }, '--arch osx-64']];
  for (const [opts, picked] of filtered) {
    try {
      await logsCommand(['scipy'], { workDir: ctx.dir, ...opts }, { write: () => {} });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, UserError);
      assert.is((err as Error).message, `logs: 'scipy' has no package for ${picked} (its targets: linux-64 py3.13, win-64 py3.13)`);
      assert.is((err as UserError).exitCode, 64);
    }
  }
});

cli('logs :: a build that logged nothing has no log file, and says so', async (ctx) => {
  const { code } = await rebuildRun(ctx.dir, {}, { silent: ['pandas'] });
  assert.is(code, 0);
  assert.not.ok(existsSync(join(ctx.dir, 'logs', 'linux-64', 'pandas.log')));
  const out = await capture((io) => logsCommand(['pandas'], { workDir: ctx.dir, arch: ['linux-64'] }, io));
  assert.is(out.code, 0);
  assert.match(out.out, /\(no log file .*pandas\.log: the build logged nothing \(built: built by test:fake-builder\), or the file was removed\)/);
  // The others logged: their files hold the executor's header, the build's line and the outcome.
  const scipy = await capture((io) => logsCommand(['scipy'], { workDir: ctx.dir, arch: ['linux-64'] }, io));
  assert.match(scipy.out, /^=== scipy \(linux-64, python 3.13\) attempt 1, run 1, .*\nfake build of scipy\n=== built in /);
});

cli('logs -f :: follows appended lines until interrupted', async (ctx) => {
  await rebuildRun(ctx.dir);
  const log = join(ctx.dir, 'logs', 'linux-64', 'pandas.log');
  // A run in progress (this process holds the lock): follow until the signal.
  const lock = acquireLock(ctx.dir);
  const controller = new AbortController();
  let out = '';
  const following = logsCommand(['pandas'], { workDir: ctx.dir, arch: ['linux-64'], follow: true }, {
    write: (t) => {
      out += t;
      if (out.includes('second line\n')) controller.abort();
      else if (out.includes('=== built')) appendFileSync(log, 'second line\n');
    },
    signal: controller.signal,
    pollMs: 10,
  });
  assert.is(await following, 0);
  lock.release();
  assert.match(out, /fake build of pandas[\s\S]*=== built[\s\S]*second line\n$/);
});

cli.run();
