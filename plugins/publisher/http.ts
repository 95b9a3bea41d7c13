// HTTP for the uploaders: one request with retries and exponential backoff on what a later try may
// mend (a 5xx answer, a refused or reset connection), never on what it cannot (4xx). Every message
// passes the redactor: a server that echoes the token back does not put it in a log.
import { setTimeout as sleep } from 'node:timers/promises';
import { redact } from '../../core/config/redactor.ts';
import { TransientUploadError } from './destination.ts';

export interface RetryPolicy {
  /** Tries in all for one request (1 = no retry). */
  attempts: number;
  /** Wait before the second try; doubled for each further one. */
  backoffMs: number;
  signal?: AbortSignal;
  log?(line: string): void;
}

export interface HttpAnswer {
  status: number;
  text: string;
  headers: Headers;
}

/** What went wrong with a request that never got an answer (the cause of fetch's TypeError). */
export function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/** The first 300 characters of a body, on one line, redacted. */
export function snippet(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return redact(line.length > 300 ? `${line.slice(0, 300)}...` : line);
}

/**
 * Send a request (`make` builds it afresh for each try: a body stream is used once) until it is
 * answered with a status below 500. Throws TransientUploadError when every try failed.
 */
export async function requestWithRetry(what: string, make: () => { url: string; init: RequestInit }, policy: RetryPolicy): Promise<HttpAnswer> {
  let last = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) {
      const wait = policy.backoffMs * 2 ** (attempt - 2);
      policy.log?.(`${what}: ${last}; try ${attempt} of ${policy.attempts} in ${wait} ms`);
      await sleep(wait, undefined, { signal: policy.signal });
    }
    const { url, init } = make();
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: policy.signal });
    } catch (err) {
      if (policy.signal?.aborted) throw err;
      last = `no answer (${networkReason(err)})`;
      continue;
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      last = `answer cut off (${networkReason(err)})`;
      continue;
    }
    if (res.status >= 500) {
      last = `HTTP ${res.status}${text ? `: ${snippet(text)}` : ''}`;
      continue;
    }
    return { status: res.status, text, headers: res.headers };
  }
  throw new TransientUploadError(`${what}: ${last} (after ${policy.attempts} tries)`);
}

/** The JSON of an answer, or null when it is not JSON. */
export function jsonOf(answer: HttpAnswer): any {
  try {
    return JSON.parse(answer.text);
  } catch {
    return null;
  }
}
