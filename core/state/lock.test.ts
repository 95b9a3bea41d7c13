import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, LockFileError, LockHeldError, acquireLock, lockHolder } from './lock.ts';

const lock = suite('acquireLock');

lock.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-lock-'));
});
lock.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

lock('writes pid, host and start time; release removes it', (ctx) => {
  const l = acquireLock(ctx.dir);
  const info = JSON.parse(readFileSync(join(ctx.dir, LOCK_FILE), 'utf8'));
  assert.is(info.pid, process.pid);
  assert.is(info.host, hostname());
  assert.ok(info.started);
  assert.equal(lockHolder(ctx.dir)?.pid, process.pid);
  l.release();
  assert.not.ok(existsSync(join(ctx.dir, LOCK_FILE)));
  assert.is(lockHolder(ctx.dir), null);
});

lock('a second acquirer is refused with the holder pid', (ctx) => {
  const l = acquireLock(ctx.dir);
  try {
    acquireLock(ctx.dir);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, LockHeldError);
    assert.is((err as LockHeldError).holder.pid, process.pid);
    assert.match((err as Error).message, `pid ${process.pid}`);
  }
  l.release();
});

lock('a stale lock (dead pid) is taken over with a message', (ctx) => {
  // A pid that surely is dead: a child that has already exited.
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  writeFileSync(join(ctx.dir, LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname(), started: 'then' }));
  const told: number[] = [];
  const l = acquireLock(ctx.dir, { onStale: (s) => told.push(s.pid) });
  assert.equal(told, [deadPid]);
  assert.is(l.info.pid, process.pid);
  l.release();
});

lock('a lock from another host is never taken over', (ctx) => {
  writeFileSync(join(ctx.dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.example', started: 'then' }));
  assert.throws(() => acquireLock(ctx.dir), (err: Error) => err instanceof LockHeldError && /elsewhere/.test(err.message));
});

lock('a garbage lock file is an error naming the file', (ctx) => {
  writeFileSync(join(ctx.dir, LOCK_FILE), 'hello');
  assert.throws(() => acquireLock(ctx.dir), (err: Error) => err instanceof LockFileError && err.message.includes(LOCK_FILE));
});

lock.run();
