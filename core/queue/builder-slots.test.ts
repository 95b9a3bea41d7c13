// Builder slots shared through Redis (a real redis-server): a capacity holds across holders, a
// released slot goes to a waiter, and the slot of a holder that died (no more renewals) frees itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRedis } from './test-redis.ts';
import { connect } from './connection.ts';
import { RedisBuilderSlots, builderSlotsKey } from './builder-slots.ts';

const slots = suite('RedisBuilderSlots');

slots('capacity 1: the second holder waits (told once) until the first releases; a dead holder\'s slot expires', async () => {
  const redis = await startRedis();
  if (!redis) return;
  const a = connect(redis.url);
  const b = connect(redis.url);
  try {
    const never = new AbortController().signal;
    const first = new RedisBuilderSlots(a, 'rebuild', 600, 20);
    const second = new RedisBuilderSlots(b, 'rebuild', 600, 20);
    const releaseA = await first.acquire('rebuild:builder-script', 1, 'w1 job a', never);
    let waits = 0;
    let gotB = false;
    const pendingB = second.acquire('rebuild:builder-script', 1, 'w2 job b', never, () => waits++).then((release) => ((gotB = true), release));
    // Well past the ttl: the first holder renews its slot, the second still waits.
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(gotB, false);
    assert.is(waits, 1);
    await releaseA();
    const releaseB = await pendingB;
    assert.equal(await b.zrange(builderSlotsKey('rebuild', 'rebuild:builder-script'), 0, -1), ['w2 job b']);
    // Another builder's limit is its own.
    const other = await first.acquire('rebuild:builder-conda-build', 1, 'w1 job c', never);
    await other();
    // The second holder dies (its connection gone, no renewals): its slot frees itself after the ttl.
    b.disconnect();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error('the dead holder\'s slot never freed')), 10_000);
    const releaseC = await first.acquire('rebuild:builder-script', 1, 'w1 job d', abort.signal);
    clearTimeout(timer);
    await releaseC();
    await releaseB(); // stops its renewals (its connection is gone: nothing to remove)
  } finally {
    a.disconnect();
    b.disconnect();
    await redis.stop();
  }
});

slots('an aborted wait rejects with the reason and takes nothing', async () => {
  const redis = await startRedis();
  if (!redis) return;
  const a = connect(redis.url);
  try {
    const s = new RedisBuilderSlots(a, 'rebuild', 5000, 20);
    const release = await s.acquire('b', 1, 'h1', new AbortController().signal);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('timed out after 1 s')), 100);
    try {
      await s.acquire('b', 1, 'h2', abort.signal);
      assert.unreachable('acquired past the capacity');
    } catch (err) {
      assert.is((err as Error).message, 'timed out after 1 s');
    }
    assert.equal(await a.zrange(builderSlotsKey('rebuild', 'b'), 0, -1), ['h1']);
    await release();
  } finally {
    a.disconnect();
    await redis.stop();
  }
});

slots.run();
