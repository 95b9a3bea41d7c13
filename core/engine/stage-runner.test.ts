import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getEventListeners } from 'node:events';
import { AbortGuard, TaskController } from './stage-runner.ts';

const s = suite('AbortGuard');

const never = () => new Promise<never>(() => {});

s("an executor's attempt (TaskController): no listener on the signal; abort() rejects the call in flight after the grace period", async () => {
  const controller = new TaskController();
  const g = new AbortGuard(controller, 1);
  assert.is(getEventListeners(controller.signal, 'abort').length, 0);
  const pending = g.guard(never());
  controller.abort(new Error('stopped'));
  const err = await pending.then(() => null, (e: Error) => e);
  assert.is(err?.message, 'stopped');
  g.dispose();
  assert.is(controller.guard, null);
  // Aborted before the call, no grace: rejected at once.
  assert.is(await new AbortGuard(controller, 0).guard(never()).then(() => null, (e: Error) => e.message), 'stopped');
});

s('a call that settles is passed through; a plain AbortController is listened to until dispose()', async () => {
  const controller = new AbortController();
  const g = new AbortGuard(controller, 1);
  assert.is(getEventListeners(controller.signal, 'abort').length, 1);
  assert.is(await g.guard(Promise.resolve(7)), 7);
  assert.is(await g.guard(Promise.reject(new Error('no'))).then(() => null, (e: Error) => e.message), 'no');
  const pending = g.guard(never());
  controller.abort(new Error('stopped'));
  assert.is(await pending.then(() => null, (e: Error) => e.message), 'stopped');
  g.dispose();
  assert.is(getEventListeners(controller.signal, 'abort').length, 0);
});

s.run();
