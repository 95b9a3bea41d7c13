// `limits.builder` across all workers: the coordinator's limits travel in each job, and a worker's
// builder takes a slot here before its first command, as a local run's builder takes one of the
// executor's (the builder that takes a task is only known when it runs, on the worker). A slot is a
// member of the sorted set `<prefix>:limits:builder:<name>` scored by its expiry (Redis's clock); the
// holder renews it while it builds, so a SIGKILLed worker's slot frees itself after `ttlMs`.
import type { Redis } from 'ioredis';

/** KEYS[1] the set; ARGV: capacity, holder, ttl ms. 1: held (taken or renewed), 0: full. */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  return 1
end
return 0
`;

export const builderSlotsKey = (prefix: string, builder: string) => `${prefix}:limits:builder:${builder}`;

export class RedisBuilderSlots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 15_000,
    private readonly pollMs = 200,
  ) {}

  private take(key: string, capacity: number, holder: string): Promise<boolean> {
    return (this.redis.eval(TAKE, 1, key, capacity, holder, this.ttlMs) as Promise<number>).then((n) => n === 1);
  }

  /**
   * Hold one of `capacity` slots of `builder` for `holder`, waiting until one is free (`onWait` once
   * when it must) or `signal` aborts. Resolves with the release.
   */
  async acquire(builder: string, capacity: number, holder: string, signal: AbortSignal, onWait?: () => void): Promise<() => Promise<void>> {
    const key = builderSlotsKey(this.prefix, builder);
    let waited = false;
    while (!(await this.take(key, capacity, holder))) {
      signal.throwIfAborted();
      if (!waited) onWait?.();
      waited = true;
      await new Promise((r) => setTimeout(r, this.pollMs));
      signal.throwIfAborted();
    }
    const renew = setInterval(() => void this.take(key, capacity, holder).catch(() => undefined), Math.floor(this.ttlMs / 3));
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.redis.zrem(key, holder).catch(() => undefined);
    };
  }
}
