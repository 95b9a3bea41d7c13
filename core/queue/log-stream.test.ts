// A job's log stream through a real redis-server: the worker's lines reach the coordinator whole,
// and the coordinator's reader, once told the job finished, ends at the worker's end entry without
// waiting out its pause between reads (a 200 ms pause per job was most of a queued build's latency).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startRedis, type TestRedis } from './test-redis.ts';
import { connect } from './connection.ts';
import { LogForwarder, LogReader } from './log-stream.ts';

const s = suite<{ redis: TestRedis | null; conn: Redis | null; dir: string }>('log stream: worker → coordinator');

s.before(async (ctx) => {
  ctx.redis = await startRedis();
  ctx.conn = ctx.redis ? connect(ctx.redis.url) : null;
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-log-stream-'));
});

s.after(async (ctx) => {
  ctx.conn?.disconnect();
  await ctx.redis?.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** `p`, or a failure naming `what` once `ms` have passed. */
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms).unref())]);

s('the lines appended after the offset arrive whole; finish() ends at the end entry without waiting for the next round', async ({ redis, conn, dir }) => {
  if (!redis || !conn) return;
  const file = join(dir, 'alpha.log');
  writeFileSync(file, 'an earlier job\'s line\n');
  const lines: string[] = [];
  // Pauses of 30 s between reads: only finish() waking the reader lets the test end.
  const reader = new LogReader(conn, 'test:log:job-1', (l) => lines.push(l), 30_000);
  const forwarder = new LogForwarder(conn, 'test:log:job-1', file, LogForwarder.sizeOf(file), 30_000);
  appendFileSync(file, '=== worker took job 1\nbuilding');
  appendFileSync(file, ' alpha\ndone\n');
  await forwarder.end();
  await within(reader.finish(), 10_000, 'finish() after the end entry');
  assert.equal(lines, ['=== worker took job 1', 'building alpha', 'done']);
  assert.is(await conn.exists('test:log:job-1'), 0, 'the stream is dropped once read');
});

s('stop() ends a reader in its pause at once', async ({ redis, conn }) => {
  if (!redis || !conn) return;
  const reader = new LogReader(conn, 'test:log:job-2', () => undefined, 30_000);
  await new Promise((r) => setTimeout(r, 50));
  await within(reader.stop(), 10_000, 'stop()');
});

s.run();
