// Where the queue lives: a Redis URL (`--queue`, or `queue.url` in the config, possibly an
// env('REDIS_URL') handle) and the key names of the build queues. The URL's password (and, when it
// comes from the environment, the whole URL) is registered with the redactor, so it never reaches a
// terminal, a log or the state database; `describeQueueUrl` is what messages show.
import { Redis, type RedisOptions } from 'ioredis';
import { addSecretValue } from '../config/redactor.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import { UserError } from '../model/errors.ts';
import { EXIT } from '../engine/exit-codes.ts';
import { isSecret } from '../config/printable.ts';

export interface QueueSettings {
  /** The revealed URL (redis://[:password@]host:port[/db]). */
  url: string;
  prefix: string;
  /** The shared artifact folder. */
  artifacts: string;
}

/** The queue settings of a run or a worker: the CLI's `--queue` beats `queue.url`; null when neither is set. */
export function queueSettings(config: ResolvedConfig, cliUrl?: string): QueueSettings | null {
  const raw = cliUrl ?? config.queue?.url ?? null;
  if (raw === null) return null;
  let url: string;
  if (typeof raw === 'string') url = raw;
  else if (isSecret(raw)) {
    url = raw.reveal();
    addSecretValue(url);
  } else throw new UserError('queue.url: expected a redis:// URL or env(\'VARIABLE\')', EXIT.CONFIG);
  const parsed = parseQueueUrl(url, cliUrl !== undefined ? '--queue' : 'queue.url');
  if (parsed.password) addSecretValue(decodeURIComponent(parsed.password));
  return { url, prefix: config.queue?.prefix ?? 'rebuild', artifacts: config.queue.artifacts };
}

/** A redis:// URL, checked; a usage error (exit 64 for --queue, 78 for the config) names the setting. */
export function parseQueueUrl(url: string, setting = '--queue'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${setting}: not a URL: expected redis://HOST:PORT[/DB]`, setting === '--queue' ? EXIT.USAGE : EXIT.CONFIG);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UserError(`${setting}: ${parsed.protocol} is not redis: expected redis://HOST:PORT[/DB]`, setting === '--queue' ? EXIT.USAGE : EXIT.CONFIG);
  }
  if (parsed.pathname && parsed.pathname !== '/' && !/^\/\d+$/.test(parsed.pathname)) {
    throw new UserError(`${setting}: the path must be a database number (/0 … /15), not ${parsed.pathname}`, setting === '--queue' ? EXIT.USAGE : EXIT.CONFIG);
  }
  return parsed;
}

/** The URL as messages show it: host, port and db; a password is [redacted]. */
export function describeQueueUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = 'redacted';
  return u.toString().replace(':redacted@', ':[redacted]@');
}

/**
 * An ioredis connection for BullMQ (workers need `maxRetriesPerRequest: null`: their blocking
 * commands wait for jobs and must survive a reconnect).
 */
export function connect(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...extra });
}

/** BullMQ's prefix for the build queues: keys are `<prefix>:build:<subdir>:…`. */
export const buildPrefix = (prefix: string) => `${prefix}:build`;

/** The Redis stream a job's log lines travel through (worker → coordinator). */
export const logStreamKey = (prefix: string, jobId: string) => `${prefix}:log:${jobId}`;
