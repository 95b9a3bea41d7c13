// Group commit for the state database: the executor's state writes (one `StateDb` method call each,
// itself one transaction) queued during one turn of the event loop are committed together, as
// savepoints of one transaction. Every write keeps its own atomicity (a failing one rolls back
// alone); the batch costs one commit (one WAL append: a page that several writes touch is written
// once) instead of one per write. `write()` resolves only once the batch has committed, so a
// caller that reports a state change after awaiting it still reports only committed state.
// A batch runs first without a savepoint per write (two statements fewer per write); when a
// write fails, the batch is rolled back and run again with one savepoint per write, so a write
// function must only write to the database (it may run twice).
import type { StateDb } from './state-db.ts';

type Result = { ok: true; value: unknown } | { ok: false; err: unknown };

interface Queued {
  fn: (db: StateDb) => unknown;
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(readonly state: StateDb) {}

  /** Queue `fn(db)`; resolves with its result once its batch has committed (rejects with its error). */
  write<T>(fn: (db: StateDb) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commit what is queued now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    let results: Result[] | null = null;
    try {
      try {
        results = this.state.batch(() => this.direct(batch), true);
      } catch {
        // A write failed (or the commit): nothing of the batch is committed. Again, each write a
        // savepoint of its own, so only the failing ones roll back.
      }
      results ??= this.state.batch(() => this.isolated(batch), false);
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const r = results[i];
      if (r.ok) batch[i].resolve(r.value);
      else batch[i].reject(r.err);
    }
  }

  /** Every write straight into the transaction (no savepoint each): the first error ends the batch. */
  private direct(batch: readonly Queued[]): Result[] {
    const out: Result[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) out[i] = { ok: true, value: batch[i].fn(this.state) };
    return out;
  }

  /** Each write in a savepoint of its own: a failing one rolls back alone. */
  private isolated(batch: readonly Queued[]): Result[] {
    const raw = this.state.db;
    const results: Result[] = [];
    for (const item of batch) {
      try {
        results.push({ ok: true, value: this.state.savepoint(() => item.fn(this.state)) });
      } catch (err) {
        // Rolled back to its savepoint; the others stand, unless SQLite rolled back the whole
        // transaction (I/O error, disk full): then nothing of the batch is committed.
        if (!raw.inTransaction) throw err;
        results.push({ ok: false, err });
      }
    }
    return results;
  }
}
