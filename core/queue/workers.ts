// Which workers are connected: each worker keeps a hash `<prefix>:workers:<host pid N>` (host, pid,
// arch, concurrency, the jobs it is building, last heartbeat) that expires unless renewed, so a killed
// worker drops out of the list by itself after 3 heartbeats. `rebuild status --workers` lists them.
import type { Redis } from 'ioredis';
import { hashesMatching } from './connection.ts';

export interface WorkerInfo {
  name: string;
  host: string;
  pid: number;
  arch: string;
  concurrency: number;
  /** Packages being built now (node ids). */
  tasks: string[];
  /** ISO time of the last heartbeat. */
  heartbeat: string;
  /** Why it has nothing to do (no coordinator plans its arch: plan-advert.ts), or null. */
  idle: string | null;
}

const keyOf = (prefix: string, name: string) => `${prefix}:workers:${name}`;

/** Worker side: the heartbeat (every `everyMs`, and within `soonMs` when its tasks change). */
export class WorkerHeartbeat {
  private readonly tasks = new Map<string, string>();
  private idle: string | null = null;
  private readonly timer: NodeJS.Timeout;
  private pending: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly info: Omit<WorkerInfo, 'tasks' | 'heartbeat' | 'idle'>,
    private readonly everyMs = 5000,
    private readonly soonMs = 100,
  ) {
    this.timer = setInterval(() => void this.beat(), everyMs);
  }

  beat(): Promise<unknown> {
    const key = keyOf(this.prefix, this.info.name);
    return this.redis
      .multi()
      .hset(key, { ...this.info, tasks: JSON.stringify([...this.tasks.values()].sort()), heartbeat: new Date().toISOString(), idle: this.idle ?? '' })
      .pexpire(key, this.everyMs * 3)
      .exec()
      .catch(() => undefined);
  }

  /** One beat for the changes of the next `soonMs` (jobs that start and end together: one write, not one each). */
  private soon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = null;
      void this.beat();
    }, this.soonMs);
  }

  /** Set (or clear: null) why the worker has nothing to do; written soon when it changes. */
  setIdle(reason: string | null): void {
    if (reason === this.idle) return;
    this.idle = reason;
    this.soon();
  }

  started(jobId: string, pkg: string): void {
    this.tasks.set(jobId, pkg);
    this.soon();
  }

  ended(jobId: string): void {
    this.tasks.delete(jobId);
    this.soon();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    await this.redis.del(keyOf(this.prefix, this.info.name)).catch(() => undefined);
  }
}

/** Every worker whose heartbeat has not expired, by arch then name. */
export async function listWorkers(redis: Redis, prefix: string): Promise<WorkerInfo[]> {
  const out: WorkerInfo[] = (await hashesMatching(redis, `${prefix}:workers:*`)).map((h) => ({
    name: h.name, host: h.host, pid: Number(h.pid), arch: h.arch, concurrency: Number(h.concurrency), tasks: JSON.parse(h.tasks || '[]'), heartbeat: h.heartbeat, idle: h.idle || null,
  }));
  return out.sort((a, b) => (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The text of `rebuild status --workers`. */
export function formatWorkers(workers: WorkerInfo[], where: string, now = Date.now()): string {
  if (!workers.length) return `no worker connected to ${where}\n`;
  const lines = [`${workers.length} worker(s) connected to ${where}:`];
  for (const w of workers) {
    const ago = Math.max(0, Math.round((now - Date.parse(w.heartbeat)) / 1000));
    lines.push(`  ${w.arch}  ${w.host} pid ${w.pid}  concurrency ${w.concurrency}  building ${w.tasks.length ? w.tasks.join(', ') : 'nothing'}  last heartbeat ${ago} s ago${w.idle ? `\n    idle: ${w.idle}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
