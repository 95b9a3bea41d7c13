import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from './engine.ts';
import { STAGE } from './stage.ts';
import { HookTimeoutError, PluginHookError } from '../model/errors.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import type { Plugin } from '../model/plugin.ts';
import type { PublishGroup } from '../model/types.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';

function config(plugins: Plugin[], hookMs = 1000): ResolvedConfig {
  return fakeConfig('/tmp/work', plugins, {
    rootDir: '/tmp', arches: ['linux-64', 'win-64'], aggregates: ['/tmp/agg'], channels: { build: [] }, concurrency: 1,
    bootstrap: { chain: [] }, timeouts: { buildSeconds: 10, hookMs },
  });
}

const engine = suite('Engine');

engine('applies plugins, then initialize; a run gets the targets of its arches', () => {
  const seen: string[] = [];
  const p: Plugin = {
    name: 'test:p',
    apply(e) {
      seen.push('apply');
      e.hooks.initialize.tap('test:p', () => seen.push('initialize'));
      e.hooks.run.tap('test:p', (run) => seen.push(`run ${run.targets.map((t) => t.subdir).join(',')}`));
    },
  };
  const e = new Engine(config([p]));
  e.createRun({ arches: ['win-64'] });
  assert.equal(seen, ['apply', 'initialize', 'run win-64']);
});

engine('orders taps by stage, not by registration', async () => {
  const order: string[] = [];
  const e = new Engine(config([]));
  const run = e.createRun();
  run.hooks.discover.tapPromise({ name: 'late', stage: STAGE.FILTER }, async (r) => (order.push('late'), r));
  run.hooks.discover.tapPromise({ name: 'early', stage: STAGE.PRE }, async (r) => (order.push('early'), r));
  run.hooks.discover.tapPromise('default', async (r) => (order.push('default'), r));
  await run.hooks.discover.promise([]);
  assert.equal(order, ['early', 'default', 'late']);
});

engine('an error thrown by a tap names the plugin and the hook (sync, promise, HookMap)', async () => {
  const e = new Engine(config([]));
  const run = e.createRun();
  run.hooks.select.tap('test:veto', () => {
    throw new Error('boom');
  });
  try {
    run.hooks.select.call({} as any);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PluginHookError);
    assert.is((err as Error).message, 'plugin test:veto failed in hook run.select: boom');
  }
  run.hooks.build.for('linux-64').tapPromise('test:builder', async () => {
    throw new Error('no compiler');
  });
  await run.hooks.build.for('linux-64').promise({} as any).then(
    () => assert.unreachable(),
    (err) => assert.is(err.message, 'plugin test:builder failed in hook run.build[linux-64]: no compiler'),
  );
});

engine('a plugin whose apply throws is named', () => {
  const e = new Engine(config([{ name: 'test:bad', apply() { throw new Error('bad options'); } }]));
  assert.throws(() => e.initialize(), /plugin test:bad failed in hook apply: bad options/);
});

engine('a tap that never settles is named after the timeout', async () => {
  const e = new Engine(config([], 50));
  const run = e.createRun();
  run.hooks.publish.tapPromise('test:hang', () => new Promise(() => {}));
  const started = Date.now();
  await run.hooks.publish.promise({} as PublishGroup).then(
    () => assert.unreachable(),
    (err) => {
      assert.instance(err, HookTimeoutError);
      assert.is(err.message, 'plugin test:hang did not settle in hook run.publish after 50 ms');
    },
  );
  assert.ok(Date.now() - started < 2000);
});

engine('a test tap runs for up to tests.timeoutSeconds, not hookMs (a package\'s tests take longer than a hook)', async () => {
  const e = new Engine(config([], 50));
  const run = e.createRun();
  let done = false;
  run.hooks.test.tapPromise('test:slow-tests', async (_task, report) => {
    await new Promise((r) => setTimeout(r, 300));
    report.checks.push({ name: 'imports: x', kind: 'imports', ok: true, durationMs: 300 });
    done = true;
  });
  await run.hooks.test.promise({} as never, { id: 'x', checks: [] });
  assert.ok(done);
});

engine('callback-style taps are guarded too', async () => {
  const e = new Engine(config([]));
  const run = e.createRun();
  run.hooks.publish.tapAsync('test:cb', (_a, cb) => cb(new Error('upload refused')));
  await run.hooks.publish.promise({} as PublishGroup).then(
    () => assert.unreachable(),
    (err) => assert.is(err.message, 'plugin test:cb failed in hook run.publish: upload refused'),
  );
});

engine.run();
