// The state writer thread (state-writer.ts): its own connection to `<workDir>/state.db`; the writes
// it receives are committed together — everything that arrived before the previous commit ended
// is one transaction (group commit, group-commit.ts), in the order sent — and answered with one
// message per commit, after it. The reply counter (shared memory) is raised after each answer,
// so a main thread blocked in `writeSync` wakes up.
import { workerData, type MessagePort } from 'node:worker_threads';
import { setSecretForms } from '../config/redactor.ts';
import { commitBatch } from './group-commit.ts';
import { StateDb } from './state-db.ts';
import { DEAD, REPLIES, WRITE_METHODS, type WireError, type WriteCall, type WriterReply, type WriterRequest } from './state-writer.ts';

const { workDir, port, counters: buffer } = workerData as { workDir: string; port: MessagePort; counters: SharedArrayBuffer };
const counters = new Int32Array(buffer);
const allowed: ReadonlySet<string> = new Set(WRITE_METHODS);

const wire = (err: unknown): WireError => {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
};

function send(reply: WriterReply): void {
  port.postMessage(reply);
  Atomics.add(counters, REPLIES, 1);
  Atomics.notify(counters, REPLIES);
}

/** One write: its calls in order (the result is the last call's). */
const apply = (calls: WriteCall[]) => (db: StateDb): unknown => {
  let value: unknown;
  for (const [method, args] of calls) {
    if (!allowed.has(method)) throw new TypeError(`state writer: ${String(method)} is not a write method`);
    value = (db[method] as (...a: unknown[]) => unknown)(...args);
  }
  return value;
};

let db: StateDb;
try {
  db = StateDb.open(workDir);
} catch (err) {
  Atomics.store(counters, DEAD, 1);
  send({ fatal: wire(err) });
  port.close();
  throw err;
}

let queue: WriteCall[][] = [];
/** Indexes in `queue` of writes whose result is wanted (a sync request's last). */
let wanted: number[] = [];
let scheduled = false;

function commit(): void {
  scheduled = false;
  const writes = queue;
  const want = wanted;
  queue = [];
  wanted = [];
  if (!writes.length) return;
  let reply: WriterReply;
  try {
    const results = commitBatch(db, writes.map(apply));
    const errors: [number, WireError][] = [];
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      if (!r.ok) errors.push([i, wire(r.err)]);
    }
    reply = { n: writes.length };
    if (errors.length) reply.errors = errors;
    if (want.length) reply.results = want.map((i) => [i, results[i].ok ? (results[i] as { value: unknown }).value : undefined]);
  } catch (err) {
    // Nothing of the batch committed.
    const e = wire(err);
    reply = { n: writes.length, errors: writes.map((_, i) => [i, e]) };
  }
  send(reply);
}

port.on('message', (m: WriterRequest) => {
  if (m.secrets) setSecretForms(m.secrets);
  if (m.writes) {
    for (const w of m.writes) queue.push(w);
    if (m.sync) wanted.push(queue.length - 1);
    if (!scheduled) {
      scheduled = true;
      // Every message delivered in this turn joins the batch.
      setImmediate(commit);
    }
  }
  if (m.close) {
    commit();
    db.close();
    port.close();
  }
});
send({ ready: true });
