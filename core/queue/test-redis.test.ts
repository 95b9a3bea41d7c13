import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startRedis } from './test-redis.ts';

const redis = suite('startRedis');

redis('starts a redis-server on a free port in a temp dir and stops it', async () => {
  const server = await startRedis();
  if (!server) return;
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  try {
    assert.is(await client.ping(), 'PONG');
    await client.set('k', 'v');
    assert.is(await client.get('k'), 'v');
  } finally {
    client.disconnect();
    await server.stop();
  }
  assert.ok(!existsSync(server.dir));
  assert.is.not(server.process.exitCode ?? server.process.signalCode, null);
});

redis('persist: a restart on the same port keeps what was written', async () => {
  const server = await startRedis({ persist: true });
  if (!server) return;
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    await client.set('k', 'kept');
    const before = server.process.pid;
    await server.restart();
    assert.is.not(server.process.pid, before);
    assert.is(await client.get('k'), 'kept'); // ioredis reconnects by itself
  } finally {
    client.disconnect();
    await server.stop();
  }
});

redis.run();
