// What a coordinator plans to build, where workers can see it: each running coordinator keeps a hash
// `<prefix>:coordinators:<host pid N>` (host, pid, builds to run per subdir, heartbeat) that expires
// unless renewed, like a worker's (workers.ts). A worker whose arch no coordinator plans says so
// ("no planned tasks for <subdir>") and `rebuild status --workers` shows it idle with that reason,
// instead of a worker waiting in silence for jobs that never come.
import type { Redis } from 'ioredis';
import { hashesMatching } from './connection.ts';

export interface CoordinatorInfo {
  name: string;
  host: string;
  pid: number;
  /** Builds this coordinator's run has to do, per subdir (0: planned, everything built already). */
  builds: Record<string, number>;
  heartbeat: string;
}

const keyOf = (prefix: string, name: string) => `${prefix}:coordinators:${name}`;

/** Coordinator side: publish the run's builds per subdir (every `everyMs` while the run goes on). */
export class CoordinatorAdvert {
  private timer: NodeJS.Timeout | null = null;
  private builds: Record<string, number> = {};

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly info: Omit<CoordinatorInfo, 'builds' | 'heartbeat'>,
    private readonly everyMs = 5000,
  ) {}

  publish(builds: Record<string, number>): Promise<unknown> {
    this.builds = builds;
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.everyMs);
      this.timer.unref();
    }
    return this.beat();
  }

  private beat(): Promise<unknown> {
    const key = keyOf(this.prefix, this.info.name);
    return this.redis
      .multi()
      .hset(key, { ...this.info, builds: JSON.stringify(this.builds), heartbeat: new Date().toISOString() })
      .pexpire(key, this.everyMs * 3)
      .exec()
      .catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.redis.del(keyOf(this.prefix, this.info.name)).catch(() => undefined);
  }
}

/** Every coordinator whose advert has not expired. */
export async function listCoordinators(redis: Redis, prefix: string): Promise<CoordinatorInfo[]> {
  const out: CoordinatorInfo[] = (await hashesMatching(redis, `${prefix}:coordinators:*`)).map((h) => ({
    name: h.name, host: h.host, pid: Number(h.pid), builds: JSON.parse(h.builds || '{}'), heartbeat: h.heartbeat,
  }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Why a worker of `subdir` has nothing to do, or null: no coordinator running (it may start later),
 * or one plans builds of this subdir.
 */
export function idleReason(subdir: string, coordinators: readonly CoordinatorInfo[]): string | null {
  if (!coordinators.length || coordinators.some((c) => (c.builds[subdir] ?? 0) > 0)) return null;
  const plans = coordinators.map((c) => {
    const arches = Object.entries(c.builds).filter(([, n]) => n > 0).map(([s, n]) => `${s} (${n})`);
    const planned = subdir in c.builds ? `; its ${subdir} packages are built already` : '';
    return `coordinator ${c.name} builds ${arches.length ? arches.join(', ') : 'nothing'}${planned}`;
  });
  return `no planned tasks for ${subdir}: ${plans.join('; ')}`;
}
