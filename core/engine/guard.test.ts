import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AsyncSeriesBailHook } from 'tapable';
import { guardHook, guardWatch } from './guard.ts';
import { HookTimeoutError, PluginHookError } from '../model/errors.ts';

const guard = suite('guard');

function hook(name: string, ms: number): AsyncSeriesBailHook<[number], number | undefined> {
  const h = new AsyncSeriesBailHook<[number], number | undefined>(['x']);
  guardHook(h as any, name, { timeoutMs: () => ms });
  return h;
}

/** A promise and the function that resolves it. */
function later<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

guard('a promise tap that never settles rejects with HookTimeoutError naming it after its limit', async () => {
  const h = hook('run.render', 40);
  h.tapPromise('test:hang', () => new Promise(() => {}));
  const err = await h.promise(1).then(() => assert.unreachable(), (e) => e);
  assert.instance(err, HookTimeoutError);
  assert.is(err.message, 'plugin test:hang did not settle in hook run.render after 40 ms');
  assert.equal(guardWatch(), { inFlight: 0, armed: false });
});

guard('a callback-style tap that never calls back times out too', async () => {
  const h = hook('run.publish', 30);
  h.tapAsync('test:cb', () => {});
  const err = await h.promise(1).then(() => assert.unreachable(), (e) => e);
  assert.instance(err, HookTimeoutError);
  assert.is(err.message, 'plugin test:cb did not settle in hook run.publish after 30 ms');
});

guard('errors name the plugin and the hook; values pass through', async () => {
  const h = hook('run.render', 1000);
  h.tapPromise('test:fails', async (x) => {
    if (x === 2) throw new Error('bad recipe');
    return undefined;
  });
  h.tapPromise('test:answers', async (x) => x * 10);
  assert.is(await h.promise(1), 10);
  const err = await h.promise(2).then(() => assert.unreachable(), (e) => e);
  assert.instance(err, PluginHookError);
  assert.is(err.message, 'plugin test:fails failed in hook run.render: bad recipe');
  const sync = hook('run.render', 1000);
  sync.tapPromise('test:throws', () => {
    throw new Error('thrown before any promise');
  });
  assert.is((await sync.promise(1).then(() => assert.unreachable(), (e) => e)).message, 'plugin test:throws failed in hook run.render: thrown before any promise');
  assert.equal(guardWatch(), { inFlight: 0, armed: false });
});

guard('many calls are watched by one timer, not one setTimeout each', async () => {
  const h = hook('run.render', 60_000);
  h.tapPromise('test:fast', async (x) => x);
  const real = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    timers++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    // 4 in flight at a time, as the planner renders.
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 400; i++) {
      calls.push(h.promise(i));
      if (calls.length === 4) await Promise.all(calls.splice(0));
    }
    await Promise.all(calls);
  } finally {
    globalThis.setTimeout = real;
  }
  assert.ok(timers <= 100, `${timers} timers for 400 calls`);
  // Nothing keeps the process alive once every call settled.
  assert.equal(guardWatch(), { inFlight: 0, armed: false });
});

guard('a short limit fires on time while a longer one is in flight, and the longer one still settles', async () => {
  const slow = hook('run.build[linux-64]', 60_000);
  const gate = later<number>();
  slow.tapPromise('test:slow-build', () => gate.promise);
  const building = slow.promise(1);
  const short = hook('run.render', 30);
  short.tapPromise('test:hang', () => new Promise(() => {}));
  const err = await short.promise(1).then(() => assert.unreachable(), (e) => e);
  assert.instance(err, HookTimeoutError);
  assert.equal(guardWatch(), { inFlight: 1, armed: true });
  gate.resolve(7);
  assert.is(await building, 7);
  assert.equal(guardWatch(), { inFlight: 0, armed: false });
});

guard('of calls with one limit, the one still in flight times out after the settled ones before it', async () => {
  const h = hook('run.render', 50);
  const gates: { promise: Promise<number>; resolve: (v: number) => void }[] = [];
  h.tapPromise('test:gated', () => {
    const g = later<number>();
    gates.push(g);
    return g.promise;
  });
  const first = h.promise(1);
  const second = h.promise(2);
  gates[0].resolve(1);
  assert.is(await first, 1);
  const err = await second.then(() => assert.unreachable(), (e) => e);
  assert.instance(err, HookTimeoutError);
  gates[1].resolve(2); // too late: already rejected
  assert.equal(guardWatch(), { inFlight: 0, armed: false });
});

guard.run();
