// Group commit for the state database: the executor's state writes (one `StateDb` method call each,
// itself one transaction) queued during one turn of the event loop are committed together, as
// savepoints of one transaction. Every write keeps its own atomicity (a failing one rolls back
// alone); the batch costs one commit (one WAL append: a page that several writes touch is written
// once) instead of one per write. `write()` resolves only once the batch has committed, so a
// caller that reports a state change after awaiting it still reports only committed state.
import type { StateDb } from './state-db.ts';

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
    const results: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    const raw = this.state.db;
    try {
      raw.transaction(() => {
        for (const item of batch) {
          try {
            results.push({ ok: true, value: item.fn(this.state) });
          } catch (err) {
            // Its savepoint is rolled back; the others stand, unless SQLite rolled back the whole
            // transaction (I/O error, disk full): then nothing of the batch is committed.
            if (!raw.inTransaction) throw err;
            results.push({ ok: false, err });
          }
        }
      }).immediate();
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => {
      const r = results[i];
      if (r.ok) item.resolve(r.value);
      else item.reject(r.err);
    });
  }
}
