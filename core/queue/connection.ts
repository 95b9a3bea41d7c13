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
  /** The shared artifact folder (with `upload`: the coordinator's folder the uploads land in). */
  artifacts: string;
  /** HTTP upload to the coordinator instead of the shared folder; absent or null: the folder. */
  upload?: UploadSettings | null;
}

export interface UploadSettings {
  /** Where workers send their files (the base of PUT <url>/artifacts/<job>/<subdir>/<file>). */
  url: string;
  /** Where the coordinator listens. */
  listen: { host: string; port: number };
  /** The env variable holding the token (for messages). */
  variable: string;
  /** The token, read from the environment when first needed (registered with the redactor); a config error when unset or short. */
  token(): string;
}

/** Shortest token accepted: a guessable one would open the coordinator's channel to anyone on the network. */
export const MIN_TOKEN_LENGTH = 16;

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
  const settings: QueueSettings = { url, prefix: config.queue?.prefix ?? 'rebuild', artifacts: config.queue.artifacts };
  if (config.queue?.upload) settings.upload = uploadSettings(config.queue.upload);
  return settings;
}

/** `queue.upload` checked: an http(s) URL, where to listen (default the URL's host and port), the token's env handle. */
export function uploadSettings(raw: NonNullable<ResolvedConfig['queue']['upload']>): UploadSettings {
  const bad = (what: string) => new UserError(`queue.upload.${what}`, EXIT.CONFIG);
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    throw bad(`url: not a URL: expected http://HOST:PORT (where workers reach the coordinator)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`url: ${url.protocol} is not http: expected http://HOST:PORT`);
  if (!isSecret(raw.token)) throw bad(`token: expected env('REBUILD_ARTIFACT_TOKEN'): a token belongs in the environment, not in the config`);
  let listen: { host: string; port: number };
  if (raw.listen) {
    const m = /^(.*):(\d+)$/.exec(raw.listen);
    if (!m || Number(m[2]) > 65535) throw bad(`listen: ${raw.listen}: expected HOST:PORT, e.g. 0.0.0.0:8790`);
    listen = { host: m[1].replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
  } else if (url.protocol === 'https:') {
    throw bad(`listen: needed with an https:// url (the coordinator serves plain HTTP behind your TLS proxy): e.g. listen: '0.0.0.0:8790'`);
  } else listen = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80) };
  const token = raw.token;
  let revealed: string | null = null;
  return {
    url: url.toString(),
    listen,
    variable: token.variable,
    token() {
      if (revealed !== null) return revealed;
      let value: string;
      try {
        value = token.reveal();
      } catch {
        throw new UserError(`queue.upload.token: environment variable ${token.variable} is not set: set it to the same secret on the coordinator and every worker`, EXIT.CONFIG);
      }
      addSecretValue(value);
      if (value.length < MIN_TOKEN_LENGTH) throw new UserError(`queue.upload.token: ${token.variable} holds ${value.length} characters: use at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 24)`, EXIT.CONFIG);
      return (revealed = value);
    },
  };
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

/** The hashes whose keys match `pattern` (SCAN, then HGETALL each; a key gone meanwhile is left out). */
export async function hashesMatching(redis: Redis, pattern: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    cursor = next;
    for (const key of keys) {
      const h = await redis.hgetall(key);
      if (h.name) out.push(h);
    }
  } while (cursor !== '0');
  return out;
}

/** BullMQ's prefix for the build queues: keys are `<prefix>:build:<subdir>:…`. */
export const buildPrefix = (prefix: string) => `${prefix}:build`;

/** The Redis stream a job's log lines travel through (worker → coordinator). */
export const logStreamKey = (prefix: string, jobId: string) => `${prefix}:log:${jobId}`;
