// A worker's heartbeat: the jobs that start and end within a moment are one write to Redis, not one
// each (two writes per job were a tenth of a worker's time per no-op job in bench/queue.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Redis } from 'ioredis';
import { WorkerHeartbeat } from './workers.ts';

/** A Redis of our own that records each heartbeat write (the tasks it carried). */
function recorder() {
  const writes: string[] = [];
  const redis = {
    multi() {
      const m = {
        hset(_key: string, fields: { tasks: string }) {
          writes.push(fields.tasks);
          return m;
        },
        pexpire: () => m,
        exec: async () => [],
      };
      return m;
    },
    del: async () => 1,
  } as unknown as Redis;
  return { writes, redis };
}

const info = { name: 'host pid 1', host: 'host', pid: 1, arch: 'linux-64', concurrency: 2 };
const s = suite('WorkerHeartbeat');

s('jobs that start and end together: one write with the tasks of that moment', async () => {
  const { writes, redis } = recorder();
  const hb = new WorkerHeartbeat(redis, 'rebuild', info, 60_000, 20);
  try {
    hb.started('job-1', 'alpha');
    hb.started('job-2', 'beta');
    hb.ended('job-1');
    assert.equal(writes, [], 'nothing written at once');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(writes, ['["beta"]']);
    hb.ended('job-2');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(writes, ['["beta"]', '[]']);
  } finally {
    await hb.stop();
  }
});

s('stop() drops a write still pending', async () => {
  const { writes, redis } = recorder();
  const hb = new WorkerHeartbeat(redis, 'rebuild', info, 60_000, 20);
  hb.started('job-1', 'alpha');
  await hb.stop();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(writes, []);
});

s.run();
