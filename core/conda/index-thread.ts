// The channel index's worker thread: reading and hashing new package files (their repodata
// records and repodata.json lines) and compressing repodata.json.zst, off the thread that runs the
// executor. One thread for the process (every index writer that asks for it shares it), started on
// first use; it does not keep the process alive while idle.
import { WorkerPool, type WireError } from '../threads/worker-pool.ts';
import { PackageFormatError } from './package-types.ts';

/** A package file to read: its path, and the size and mtime of what the index holds for it. */
export interface ReadItem {
  path: string;
  name: string;
  known?: { size: number; mtimeMs: number };
}

export type IndexRequest =
  | { kind: 'read'; subdir: string; items: ReadItem[] }
  | { kind: 'compress'; data: Uint8Array; level: number };

let pool: WorkerPool<IndexRequest, unknown> | null = null;
/** Requests served by the thread (tests). */
export const indexThreadStats = { reads: 0, compressions: 0 };

/** An error of the worker as the class it was thrown as (what the index writer's callers see on the main thread). */
function rebuild(e: WireError): Error {
  const { name, message, ...fields } = e;
  const err = name === 'PackageFormatError' ? new PackageFormatError(message) : new Error(message);
  return Object.assign(err, fields);
}

export function indexThread(): WorkerPool<IndexRequest, unknown> {
  return (pool ??= new WorkerPool<IndexRequest, unknown>(new URL('./index-worker.ts', import.meta.url), 1, { name: 'channel index', error: rebuild }));
}

/** Stop the thread (tests; it does not keep the process alive anyway). */
export async function closeIndexThread(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}
