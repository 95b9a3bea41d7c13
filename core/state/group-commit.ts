// Group commit for the state database: a batch of writes (one `StateDb` method call or a few each,
// every write one unit) committed as one transaction. Every write keeps its own atomicity (a
// failing one rolls back alone); the batch costs one commit (one WAL append: a page that several
// writes touch is written once) instead of one per write. The state writer thread
// (state-writer-worker.ts) commits the executor's writes this way, in the order they were queued.
// A batch runs first without a savepoint per write (two statements fewer per write); when a
// write fails, the batch is rolled back and run again with one savepoint per write, so a write
// function must only write to the database (it may run twice).
import type { StateDb } from './state-db.ts';

export type WriteResult = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * Commit `writes` as one transaction; returns each write's result or error, in order. Throws when
 * nothing of the batch could be committed (the commit itself failed, or SQLite rolled back the
 * whole transaction: I/O error, disk full).
 */
export function commitBatch(state: StateDb, writes: readonly ((db: StateDb) => unknown)[]): WriteResult[] {
  if (!writes.length) return [];
  try {
    return state.batch(() => direct(state, writes), true);
  } catch {
    // A write failed (or the commit): nothing of the batch is committed. Again, each write a
    // savepoint of its own, so only the failing ones roll back.
  }
  return state.batch(() => isolated(state, writes), false);
}

/** Every write straight into the transaction (no savepoint each): the first error ends the batch. */
function direct(state: StateDb, writes: readonly ((db: StateDb) => unknown)[]): WriteResult[] {
  const out: WriteResult[] = new Array(writes.length);
  for (let i = 0; i < writes.length; i++) out[i] = { ok: true, value: writes[i](state) };
  return out;
}

/** Each write in a savepoint of its own: a failing one rolls back alone. */
function isolated(state: StateDb, writes: readonly ((db: StateDb) => unknown)[]): WriteResult[] {
  const raw = state.db;
  const results: WriteResult[] = [];
  for (const fn of writes) {
    try {
      results.push({ ok: true, value: state.savepoint(() => fn(state)) });
    } catch (err) {
      // Rolled back to its savepoint; the others stand, unless SQLite rolled back the whole
      // transaction (I/O error, disk full): then nothing of the batch is committed.
      if (!raw.inTransaction) throw err;
      results.push({ ok: false, err });
    }
  }
  return results;
}
