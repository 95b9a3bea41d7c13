// The executor's state writes, committed on a thread of their own (state-writer-worker.ts, with its
// own connection): the main thread records each write as a few method calls (`(db) =>
// db.recordBuilt(...)` run against a recorder), posts what is queued as one message, and goes on;
// the writer thread commits everything it has received as one transaction (group commit,
// group-commit.ts) and answers once per commit. So the statements, the commits and the WAL
// checkpoints cost the main thread nothing but the message.
// - When no batch is being committed, a write is posted at the end of the code queueing it (a
//   microtask), not at the next turn of the event loop: the thread commits it while the main thread
//   runs on (the other tasks a turn starts), and what is queued meanwhile goes as the next batch
//   once the answer came. Posting at the next turn made a level of builds that all start in one
//   turn commit only after the last of them had run (bench/README, session 9).
// - A write's promise resolves only after its transaction committed: the executor reports a state
//   change, or does anything outside the database (index, publish), only then — a kill at any point
//   finds the database at least as far on as everything done outside it.
// - Writes commit in the order they were queued (one queue, one thread, one connection), so a write
//   queued after another never commits without it.
// - `writeSync` commits everything queued and one call, and blocks until the writer thread answers
//   (`Atomics.wait`): `task.track`'s process row must be durable before the process runs on.
// - Reasons are redacted on the writer thread by StateDb as before: the main thread's secret
//   values go with the next message whenever they change.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { secretForms } from '../config/redactor.ts';
import { workerCode } from '../threads/worker-pool.ts';
import type { StateDb } from './state-db.ts';

/** The StateDb methods a write may call (the only ones the writer thread runs). */
export const WRITE_METHODS = [
  'startAttempt', 'recordBuilt', 'recordChecks', 'completeAttempt', 'replaceArtifacts', 'endAttempt',
  'setStatuses', 'setStatus', 'setGroupStatus', 'trackProcess', 'endProcess',
] as const;
export type WriteMethod = (typeof WRITE_METHODS)[number];

/** What a write function is given: the write methods, recorded (their results come back only through `writeSync`). */
export type StateWrites = { [K in WriteMethod]: (...args: Parameters<StateDb[K]>) => void };

/** One recorded call: method and arguments. */
export type WriteCall = [WriteMethod, unknown[]];

/** Main → writer thread. `sync`: the last write's result is wanted in the answer. */
export interface WriterRequest {
  writes?: WriteCall[][];
  sync?: boolean;
  secrets?: string[];
  close?: boolean;
}

/** What crosses back for an error: name, message, SQLite's code. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** Writer thread → main: the next `n` writes committed (but `errors`: [index, error]); `result`: the last one's value of a sync request. */
export type WriterReply =
  | { ready: true }
  | { fatal: WireError }
  | { n: number; errors?: [number, WireError][]; results?: [number, unknown][] };

/** Shared counters (Int32Array over a SharedArrayBuffer): replies posted, and whether the thread has died. */
export const REPLIES = 0;
export const DEAD = 1;

/** How long `writeSync` waits for the writer thread before giving up. */
const SYNC_LIMIT_MS = 120_000;

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

const toError = (e: WireError): Error => Object.assign(new Error(e.message), e);

export class StateWriter {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly counters = new Int32Array(new SharedArrayBuffer(8));
  /** Writes recorded, not yet posted. */
  private queue: WriteCall[][] = [];
  /** Posted or queued writes waiting for their commit, in order (`head`: the next to answer). */
  private readonly waiting: Waiter[] = [];
  private head = 0;
  /** Writes posted and not answered yet: while some are, new ones wait for the answer (one batch in flight). */
  private inFlight = 0;
  private scheduled: NodeJS.Immediate | null = null;
  /** A post is queued as a microtask (`enqueue` with no batch in flight). */
  private postSoon = false;
  private failed: Error | null = null;
  private sentSecrets: readonly string[] = [];
  private drained: (() => void) | null = null;
  private readonly exited: Promise<void>;
  /** Resolves once the writer thread has opened the database (rejects if it could not). */
  readonly ready: Promise<void>;
  private readonly recorder: StateWrites;
  private calls: WriteCall[] = [];

  /** Start the writer thread on `<workDir>/state.db` (made and migrated already: StateDb.open). */
  constructor(workDir: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const recorder: Partial<Record<WriteMethod, (...args: unknown[]) => void>> = {};
    for (const method of WRITE_METHODS) recorder[method] = (...args) => void this.calls.push([method, args]);
    this.recorder = recorder as StateWrites;
    let ready!: () => void;
    let notReady!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => ((ready = resolve), (notReady = reject)));
    this.ready.catch(() => {});
    this.worker = new Worker(workerCode(new URL('./state-writer-worker.ts', import.meta.url), { bundle: true }), {
      eval: true,
      workerData: { workDir, port: port2, counters: this.counters.buffer },
      transferList: [port2],
      name: 'state writer',
    });
    this.worker.unref();
    this.port.on('message', (m: WriterReply) => {
      if ('ready' in m) {
        ready();
        if (this.head >= this.waiting.length) this.port.unref();
      }
      else if ('fatal' in m) {
        notReady(toError(m.fatal));
        this.die(toError(m.fatal));
      } else this.answer(m);
    });
    // Referenced until the thread has started (a caller may await `ready`), then while writes wait.
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        const err = new Error(`state writer thread stopped (exit code ${code})`);
        notReady(err);
        this.die(err);
        resolve();
      });
    });
    this.worker.on('error', (err) => {
      notReady(err);
      this.die(err);
    });
  }

  /** Queue a write (`fn` calls write methods: one unit, committed or rolled back whole); resolves once committed. */
  write(fn: (db: StateWrites) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue(fn, { resolve: resolve as (v: unknown) => void, reject }));
  }

  /**
   * Commit what is queued and `method(...args)` now, on the writer thread, waiting for it
   * (blocking this thread); returns the method's result or throws its error.
   */
  writeSync<K extends WriteMethod>(method: K, ...args: Parameters<StateDb[K]>): ReturnType<StateDb[K]> {
    let done = false;
    let value: unknown;
    let error: Error | null = null;
    this.enqueue((db) => (db[method] as (...a: unknown[]) => void)(...args), {
      resolve: (v) => ((done = true), (value = v)),
      reject: (e) => ((done = true), (error = e)),
    });
    this.post(true);
    const until = Date.now() + SYNC_LIMIT_MS;
    while (!done) {
      const seen = Atomics.load(this.counters, REPLIES);
      const m = receiveMessageOnPort(this.port);
      if (m) {
        const reply = m.message as WriterReply;
        if ('n' in reply) this.answer(reply);
        else if ('fatal' in reply) this.die(toError(reply.fatal));
        continue;
      }
      if (this.failed && this.head >= this.waiting.length) break;
      if (Atomics.load(this.counters, DEAD)) {
        this.die(new Error('state writer thread stopped'));
        break;
      }
      if (Date.now() > until) {
        this.die(new Error(`state writer thread did not answer in ${SYNC_LIMIT_MS / 1000} s`));
        break;
      }
      Atomics.wait(this.counters, REPLIES, seen, 1000);
    }
    if (error) throw error;
    if (!done) throw this.failed ?? new Error('state writer thread stopped');
    return value as ReturnType<StateDb[K]>;
  }

  /** Post what is queued now (the next turn would). */
  flush(): void {
    this.post(false);
  }

  /** Resolves once every write queued so far has been answered (committed or failed). */
  drain(): Promise<void> {
    this.post(false);
    if (this.head >= this.waiting.length) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Drain, close the writer thread's connection and end the thread. */
  async close(): Promise<void> {
    await this.drain();
    if (!this.failed) this.port.postMessage({ close: true } satisfies WriterRequest);
    // If the thread is gone already, 'exit' has fired: nothing to wait for.
    this.worker.ref();
    if (this.failed) await this.worker.terminate();
    await this.exited;
    this.port.close();
  }

  private enqueue(fn: (db: StateWrites) => void, waiter: Waiter): void {
    if (this.failed) return waiter.reject(this.failed);
    this.calls = [];
    try {
      fn(this.recorder);
    } catch (err) {
      return waiter.reject(err as Error);
    }
    if (this.head >= this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
      this.port.ref();
    }
    this.queue.push(this.calls);
    this.waiting.push(waiter);
    // Group commit: while a batch is being committed, what is queued meanwhile waits for it and goes
    // as the next batch (one message, one transaction), posted once the answer came. With none in
    // flight: posted once the code queueing this write (and what it queues with it) has run.
    if (this.inFlight === 0 && !this.postSoon) {
      this.postSoon = true;
      queueMicrotask(() => {
        this.postSoon = false;
        if (this.inFlight === 0) this.post(false);
      });
    }
  }

  private post(sync: boolean): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (!this.queue.length || this.failed) return;
    const request: WriterRequest = { writes: this.queue };
    if (sync) request.sync = true;
    const forms = secretForms();
    if (forms.length !== this.sentSecrets.length || forms.some((f, i) => f !== this.sentSecrets[i])) {
      this.sentSecrets = [...forms];
      request.secrets = [...forms];
    }
    const writes = this.queue;
    this.queue = [];
    this.inFlight += writes.length;
    try {
      this.port.postMessage(request);
    } catch (err) {
      // A write's arguments cannot be copied to the thread (a plugin's object with a function in
      // it): that write fails alone, the others are sent.
      this.postEach(request, writes, err as Error);
    }
  }

  /** Post writes one by one; one that cannot be copied is taken out of the queue and fails. */
  private postEach(request: WriterRequest, writes: WriteCall[][], err: Error): void {
    // The waiters of these writes are the last `writes.length` ones.
    const first = this.waiting.length - writes.length;
    const failed: Waiter[] = [];
    for (let i = 0, at = first; i < writes.length; i++) {
      try {
        this.port.postMessage({ ...request, writes: [writes[i]], sync: request.sync && i === writes.length - 1 });
        delete request.secrets;
        at++;
      } catch {
        failed.push(...this.waiting.splice(at, 1));
        this.inFlight--;
      }
    }
    for (const w of failed) w.reject(new TypeError(`a state write could not be sent to the writer thread: ${err.message}`));
    if (this.head >= this.waiting.length) this.idle();
  }

  private answer(reply: { n: number; errors?: [number, WireError][]; results?: [number, unknown][] }): void {
    const errors = reply.errors ? new Map(reply.errors) : null;
    const results = reply.results ? new Map(reply.results) : null;
    for (let i = 0; i < reply.n; i++) {
      const waiter = this.waiting[this.head];
      this.waiting[this.head++] = undefined as unknown as Waiter;
      const err = errors?.get(i);
      if (err) waiter.reject(toError(err));
      else waiter.resolve(results?.get(i));
    }
    this.inFlight -= reply.n;
    // The next batch: what was queued meanwhile, and what this answer's callbacks queue now.
    if (this.inFlight === 0) this.scheduled ??= setImmediate(() => this.post(false));
    if (this.head >= this.waiting.length) this.idle();
    else if (this.head > 4096) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Nothing waits for the writer thread: it does not keep the process alive. */
  private idle(): void {
    this.port.unref();
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }

  /** The writer thread failed or stopped: every write waiting fails, and every later one. */
  private die(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.queue = [];
    this.inFlight = 0;
    while (this.head < this.waiting.length) {
      const waiter = this.waiting[this.head];
      this.waiting[this.head++] = undefined as unknown as Waiter;
      waiter.reject(err);
    }
    this.idle();
  }
}
