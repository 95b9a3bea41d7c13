// A repodata.json generation written on the index write thread (core/conda/index-thread.ts) in one
// request: the file (temp file + rename), the symlink renamed over repodata.json, all synchronous
// there; the old generations are removed once the answer is posted (unlinking an 8 MB file took ~1 ms
// that the writer's thread waited for), or at the start of the thread's next request if that came
// first (a request's answer thus comes after every removal asked for before it). On the writer's thread the same seven steps were
// seven thread-pool round trips, each waiting for a turn of a busy event loop (~10–20 ms per write
// of a growing channel under load, most of a build's wait for its dependents).
//
// The bytes do not cross in full: the write thread keeps the buffers of the last generation it
// wrote for the subdir (a repodata.json is a list of per-block buffers, core/conda/sorted-blocks.ts,
// which stay the same objects until their block changes), and a request names those by number and
// sends only the new ones. So what the writer's thread does per write is O(blocks changed) plus a
// number per block; the O(channel) copy into the page cache happens on the write thread.
import { closeSync, openSync, renameSync, rmSync, symlinkSync, unlinkSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { tempPathFor } from './atomic-write.ts';

/** A buffer of a generation: the number of one the write thread holds, or a new one with its number. */
export type WirePart = number | [number, Uint8Array];

export interface GenerationRequest {
  kind: 'generation';
  /** The writer's subdir (a key of the buffers the thread holds for it). */
  key: string;
  /** The subdir's dir, the generation file's name there, repodata.json's path. */
  dir: string;
  name: string;
  target: string;
  parts: WirePart[];
  /** Generation files (names in `dir`) to remove once the new one is in place. */
  drop: string[];
}

/**
 * The writer's side: which buffers the write thread holds for one subdir — those of the last request
 * it answered (a buffer of an earlier one is sent again). A request that failed, or a thread that
 * was replaced (answer 'missing'), resets it: everything is sent again.
 */
export class GenerationMirror {
  private held = new WeakMap<Buffer, { id: number; seq: number }>();
  private nextId = 0;
  /** Requests encoded; a buffer last sent or named in request `seq - 1` is held by the thread. */
  private seq = 0;

  constructor(readonly key: string) {}

  encode(parts: readonly Buffer[]): WirePart[] {
    const seq = ++this.seq;
    const out: WirePart[] = new Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const b = parts[i];
      const known = this.held.get(b);
      if (known && known.seq >= seq - 1) {
        known.seq = seq;
        out[i] = known.id;
        continue;
      }
      const id = this.nextId++;
      this.held.set(b, { id, seq });
      // A view of a larger buffer (Node's pool) would be cloned whole: its bytes alone.
      out[i] = [id, b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b)];
    }
    return out;
  }

  /** The thread holds nothing known: send every buffer again. */
  reset(): void {
    this.held = new WeakMap();
  }
}

/** The write thread's side: buffers held per key (those of the last generation written). */
const held = new Map<string, Map<number, Uint8Array>>();

/**
 * Write a generation: 'missing' (nothing written) when a named buffer is not held (a thread that
 * was replaced). On failure the new generation file is removed and the error thrown (its `code`,
 * EPERM for a file system without symlinks, reaches the writer).
 */
export function writeGeneration(req: GenerationRequest): 'ok' | 'missing' {
  dropPending();
  const before = held.get(req.key);
  const next = new Map<number, Uint8Array>();
  const bufs: Uint8Array[] = new Array(req.parts.length);
  let total = 0;
  for (let i = 0; i < req.parts.length; i++) {
    const p = req.parts[i];
    let b: Uint8Array | undefined;
    if (typeof p === 'number') {
      b = next.get(p) ?? before?.get(p);
      if (!b) return 'missing';
    } else b = p[1];
    next.set(typeof p === 'number' ? p : p[0], b);
    bufs[i] = b;
    total += b.byteLength;
  }
  held.set(req.key, next);
  const gen = join(req.dir, req.name);
  const tmp = tempPathFor(gen);
  try {
    const fd = openSync(tmp, 'w');
    try {
      // libuv writes every buffer (in IOV_MAX slices, retrying short writes).
      const written = writevSync(fd, bufs);
      if (written !== total) throw new Error(`${gen}: ${written} of ${total} bytes written`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, gen);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const link = tempPathFor(req.target);
    symlinkSync(req.name, link);
    try {
      renameSync(link, req.target);
    } catch (err) {
      rmSync(link, { force: true });
      throw err;
    }
  } catch (err) {
    rmSync(gen, { force: true });
    throw err;
  }
  // After the answer (posted when this returns): nothing waits for it. (None pending: dropped above.)
  if (req.drop.length) {
    for (const name of req.drop) pendingDrops.push(join(req.dir, name));
    setImmediate(dropPending);
  }
  return 'ok';
}

/** Generation files to remove (paths), after the answer of the request that dropped them. */
const pendingDrops: string[] = [];

function dropPending(): void {
  for (const path of pendingDrops.splice(0)) {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  }
}

/** The writer is done with a subdir (closed): its buffers are let go. */
export function forgetGenerations(key: string): void {
  dropPending();
  held.delete(key);
}
