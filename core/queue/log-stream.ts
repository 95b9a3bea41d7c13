// A remote build's log, worker → coordinator, through a Redis stream per job (`<prefix>:log:<jobId>`):
// the worker follows its own log file (task.log lines and what runners append by path) and adds what
// is new as entries; the coordinator reads them and appends whole lines to its task log, so
// `rebuild logs -f X` follows a remote build as a local one. An `end` entry closes a worker's part.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** How long a job's log stream stays in Redis after its last entry (s). */
const STREAM_TTL_S = 24 * 3600;

/** Worker side: forwards what is appended to `file` after `offset`. */
export class LogForwarder {
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly file: string,
    private offset: number,
    everyMs = 200,
  ) {
    this.timer = setInterval(() => void this.flush(), everyMs);
  }

  /** The size of `file` now (0 when it does not exist): where a new job's part starts. */
  static sizeOf(file: string): number {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  }

  /** Send what is new (calls are serialised). */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.send(false)).catch(() => undefined);
    return this.chain;
  }

  /** What is new, and with `end` the end entry in the same round trip. */
  private async send(end: boolean): Promise<void> {
    const size = LogForwarder.sizeOf(this.file);
    if (size <= this.offset) {
      if (end) await this.redis.xadd(this.key, '*', 'end', '1');
      return;
    }
    const fd = openSync(this.file, 'r');
    let text: Buffer;
    try {
      text = Buffer.alloc(size - this.offset);
      readSync(fd, text, 0, text.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    // One round trip: the entry, the stream's expiry (and the end entry).
    const batch = this.redis.pipeline().xadd(this.key, '*', 'data', text).expire(this.key, STREAM_TTL_S);
    if (end) batch.xadd(this.key, '*', 'end', '1');
    await batch.exec();
  }

  /** Last flush and the end entry (one round trip). */
  async end(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.chain = this.chain
      .then(() => this.send(true))
      .catch(() => this.redis.xadd(this.key, '*', 'end', '1').then(() => undefined, () => undefined));
    await this.chain;
  }
}

/** Coordinator side: reads a job's stream and hands whole lines to `line`. */
export class LogReader {
  private last = '0';
  private partial = '';
  private stopped = false;
  private ended = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly line: (text: string) => void,
    private readonly everyMs = 200,
  ) {
    this.loop = this.run();
  }

  private async read(): Promise<number> {
    const res = (await this.redis.xread('COUNT', 500, 'STREAMS', this.key, this.last)) as [string, [string, string[]][]][] | null;
    if (!res) return 0;
    let n = 0;
    for (const [, entries] of res) {
      for (const [id, fields] of entries) {
        this.last = id;
        n++;
        for (let i = 0; i < fields.length; i += 2) {
          if (fields[i] === 'data') this.text(fields[i + 1]);
          else if (fields[i] === 'end') this.ended = true;
        }
      }
    }
    return n;
  }

  private text(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) this.line(l);
  }

  /** One reader per stream (reads never overlap, so no entry is read twice). */
  private async run(): Promise<void> {
    // A job just enqueued has written nothing yet: the first read comes after a pause (or when
    // finish() wakes the reader), one Redis round trip less per job.
    await this.sleep(this.everyMs);
    while (!this.stopped) {
      let n = 0;
      try {
        n = await this.read();
      } catch {
        // Redis away for a moment: the next round reads from the same id.
      }
      if (this.deadline !== null && (this.ended || Date.now() > this.deadline)) return;
      if (!n && !this.stopped) await this.sleep(this.deadline !== null ? 50 : this.everyMs);
    }
  }

  private deadline: number | null = null;
  /** Ends the current pause between reads (finish() and stop() do not wait for the next round). */
  private wake: (() => void) | null = null;

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => (this.wake = null, resolve()), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Read until an end entry (a worker finished its part) or `waitMs`, then stop and drop the stream. */
  async finish(waitMs = 5000): Promise<void> {
    this.deadline = Date.now() + waitMs;
    this.wake?.();
    await this.loop;
    if (this.partial) this.line(this.partial);
    this.partial = '';
    await this.redis.del(this.key).catch(() => undefined);
  }

  /** Stop without waiting for the end (the job was abandoned). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }
}
