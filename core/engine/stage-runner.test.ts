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

s("TaskController: its AbortSignal is made only when read (a no-op stage's attempt makes none), aborted like the controller before or after", async () => {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    // Aborted before anything read the signal: none made; the guard still sees the abort.
    const early = new TaskController();
    const g = new AbortGuard(early, 0);
    early.abort(new Error('early'));
    assert.is(made, 0);
    assert.ok(early.aborted);
    assert.is(await g.guard(never()).then(() => null, (e: Error) => e.message), 'early');
    assert.is(made, 0);
    // Read afterwards: already aborted, same reason; a second abort changes nothing.
    const signal = early.signal;
    assert.is(made, 1);
    assert.ok(signal.aborted);
    assert.is((signal.reason as Error).message, 'early');
    early.abort(new Error('again'));
    assert.is((early.reason as Error).message, 'early');
    assert.is(early.signal, signal);
    // Read first: listeners hear the abort, with its reason; the default reason is an AbortError.
    const late = new TaskController();
    let heard: unknown = null;
    late.signal.addEventListener('abort', () => (heard = late.signal.reason));
    late.abort();
    assert.is(made, 2);
    assert.is((heard as DOMException).name, 'AbortError');
    assert.is(late.reason, heard);
  } finally {
    globalThis.AbortController = Original;
  }
});

s.run();
