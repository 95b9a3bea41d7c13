// Failure classes of a build attempt. A plugin signals one by throwing an Error with a `failure`
// property (BuildFailureError does it); the engine classifies its own: timeout, cancelled.
import type { FailureClass } from './types.ts';

const CLASSES: ReadonlySet<string> = new Set<FailureClass>(['build', 'test', 'publish', 'timeout', 'container-start', 'network', 'cancelled', 'internal']);

/** Throw this (or any Error with a `failure` property) from a builder or runner to classify a failure. */
export class BuildFailureError extends Error {
  override name = 'BuildFailureError';
  constructor(
    message: string,
    readonly failure: FailureClass = 'build',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The per-package time limit passed (the reason of the task's aborted signal). */
export class BuildTimeoutError extends Error {
  override name = 'BuildTimeoutError';
  readonly failure = 'timeout';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${Math.round(timeoutMs / 1000)} s`);
  }
}

/** The run was interrupted (Ctrl-C, SIGTERM): the reason of the task's aborted signal. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
  readonly failure = 'cancelled';
  constructor() {
    super('interrupted');
  }
}

/** The failure class carried by an error or its causes, else `fallback`. */
export function failureClassOf(err: unknown, fallback: FailureClass): FailureClass {
  for (let e: any = err, depth = 0; e && depth < 8; e = e.cause, depth++) {
    if (typeof e === 'object' && typeof e.failure === 'string' && CLASSES.has(e.failure)) return e.failure;
  }
  return fallback;
}

/**
 * The class of a failed package download. From one of our own channels (the work dir's, served on
 * loopback) a missing file (HTTP 404/410, or not on disk) means a stale index — reconciled when the
 * next run starts — which no retry in this run can mend: `build`, not the transient `network`. From
 * a remote channel every failure is `network` (a mirror's files may lag behind its index).
 */
export function downloadFailureClass(status: number | null, ownChannel: boolean): FailureClass {
  return ownChannel && (status === null || status === 404 || status === 410) ? 'build' : 'network';
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
