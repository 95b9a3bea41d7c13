import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkerPool } from './worker-pool.ts';
import { buildBundle } from './bundle.ts';
import { fileURLToPath } from 'node:url';

type Req = { say?: string; fail?: string; exit?: boolean; waitMs?: number };
type Res = { said?: string; thread: number };
const ECHO = new URL('./fixtures/echo-worker.ts', import.meta.url);

const pool = suite('WorkerPool');

pool('answers on worker threads, at most `size` of them, requests side by side', async () => {
  const p = new WorkerPool<Req, Res>(ECHO, 2, { name: 'echo' });
  try {
    const replies = await Promise.all(['a', 'b', 'c', 'd'].map((say) => p.run({ say, waitMs: 50 })));
    assert.equal(replies.map((r) => r.said), ['a', 'b', 'c', 'd']);
    assert.is(new Set(replies.map((r) => r.thread)).size, 2);
  } finally {
    await p.close();
  }
});

pool("a handler's error comes back with its name, message and fields; a dead worker fails its requests and is replaced", async () => {
  const p = new WorkerPool<Req, Res>(ECHO, 1, { name: 'echo' });
  try {
    await p.run({ fail: 'nope' }).then(
      () => assert.unreachable(),
      (err: Error & { code?: string }) => assert.equal([err.name, err.message, err.code], ['EchoError', 'nope', 'E_ECHO']),
    );
    await p.run({ exit: true }).then(
      () => assert.unreachable(),
      (err: Error) => assert.is(err.message, 'echo thread stopped: exit code 3'),
    );
    assert.is((await p.run({ say: 'again' })).said, 'again');
  } finally {
    await p.close();
  }
});

pool('with `bundle`, workers load a fresh bundle of the module, not its TypeScript source', async () => {
  const plain = new WorkerPool<Req, Res & { bundled: boolean }>(ECHO, 1, { name: 'echo' });
  try {
    assert.is((await plain.run({ say: 'a' })).bundled, false);
  } finally {
    await plain.close();
  }
  assert.ok(await buildBundle(fileURLToPath(ECHO)), 'bundle built');
  const bundled = new WorkerPool<Req, Res & { bundled: boolean }>(ECHO, 1, { name: 'echo', bundle: true });
  try {
    const reply = await bundled.run({ say: 'b' });
    assert.equal([reply.said, reply.bundled], ['b', true]);
  } finally {
    await bundled.close();
  }
});

pool('size is checked', () => {
  assert.throws(() => new WorkerPool(ECHO, 0, { name: 'echo' }), /echo threads must be a whole number ≥ 1, got 0/);
});

pool.run();
