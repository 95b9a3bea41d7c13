// The channel index's worker thread: reading and hashing new package files (their repodata
// records and repodata.json lines) and compressing repodata.json.zst, off the thread that runs the
// executor. One thread for the process (every index writer that asks for it shares it), started on
// first use; it does not keep the process alive while idle. Both threads load the module's plain-JS
// bundle when a fresh one exists (core/threads/bundle.ts: no tsx loader thread of their own).
import { WorkerPool, type WireError } from '../threads/worker-pool.ts';
import { PackageFormatError } from './package-types.ts';
import type { GenerationRequest } from './generation-write.ts';

/** A package file to read: its path, and the size and mtime of what the index holds for it. */
export interface ReadItem {
  path: string;
  name: string;
  known?: { size: number; mtimeMs: number };
}

export type IndexRequest =
  | { kind: 'read'; subdir: string; items: ReadItem[] }
  | { kind: 'compress'; data: Uint8Array; level: number }
  | GenerationRequest
  | { kind: 'forget'; key: string };

let pool: WorkerPool<IndexRequest, unknown> | null = null;
let writePool: WorkerPool<IndexRequest, unknown> | null = null;
/** Requests served by the thread (tests). */
export const indexThreadStats = { reads: 0, compressions: 0 };

/** An error of the worker as the class it was thrown as (what the index writer's callers see on the main thread). */
function rebuild(e: WireError): Error {
  const { name, message, ...fields } = e;
  const err = name === 'PackageFormatError' ? new PackageFormatError(message) : new Error(message);
  return Object.assign(err, fields);
}

export function indexThread(): WorkerPool<IndexRequest, unknown> {
  return (pool ??= new WorkerPool<IndexRequest, unknown>(new URL('./index-worker.ts', import.meta.url), 1, { name: 'channel index', error: rebuild, bundle: true }));
}

/**
 * The index write thread: repodata.json generations (core/conda/generation-write.ts), one request
 * each. A thread of its own (the same module): a compression on the index thread takes tens of ms,
 * and a write waits for nothing but the writes before it. It holds the buffers of each subdir's
 * last generation, so every generation request goes to this one thread.
 */
export function indexWriteThread(): WorkerPool<IndexRequest, unknown> {
  return (writePool ??= new WorkerPool<IndexRequest, unknown>(new URL('./index-worker.ts', import.meta.url), 1, { name: 'channel index write', error: rebuild, bundle: true }));
}

/** Stop the threads (tests; they do not keep the process alive anyway). */
export async function closeIndexThread(): Promise<void> {
  const p = [pool, writePool];
  pool = writePool = null;
  await Promise.all(p.map((t) => t?.close()));
}
