// sha256 and size of a file (the engine hashes every fresh artifact) and the resume-time check.
// Artifacts can be large: read in chunks, never whole. The first 64 KiB are read synchronously (a
// file just written, or checked again on resume, is in the page cache: a stream would cost several
// thread-pool round trips and far more JavaScript for a small file); the rest of a larger file is
// read asynchronously, 1 MiB at a time.
import { createHash, hash as oneShot } from 'node:crypto';
import { closeSync, fstatSync, openSync, read as readCb, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const fsRead = promisify(readCb);

const FIRST = 64 << 10;
const CHUNK = 1 << 20;
/** One buffer for every first read: only used synchronously, never across an await. */
let firstBuffer: Buffer | undefined;

/** sha256 and size of what `fd` holds, from its start to the end of the file. */
async function hashFd(fd: number): Promise<{ sha256: string; size: number }> {
  firstBuffer ??= Buffer.allocUnsafe(FIRST);
  let bytesRead = readSync(fd, firstBuffer, 0, FIRST, 0);
  // The whole file in the first read: hashed in one call (no Hash object: ~half the CPU for a small file).
  if (bytesRead < FIRST) return { sha256: oneShot('sha256', firstBuffer.subarray(0, bytesRead), 'hex'), size: bytesRead };
  const hash = createHash('sha256');
  let size = bytesRead;
  hash.update(firstBuffer.subarray(0, bytesRead));
  if (bytesRead === FIRST) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    do {
      bytesRead = (await fsRead(fd, buffer, 0, buffer.length, size)).bytesRead;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    } while (bytesRead === buffer.length);
  }
  return { sha256: hash.digest('hex'), size };
}

export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const fd = openSync(path, 'r');
  try {
    return await hashFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Null when the file is present with this size and sha256, else why not. */
export async function verifyFile(path: string, expected: { sha256: string; size: number }): Promise<string | null> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    // As before: what cannot be stat'ed is missing; a file that exists but cannot be read is an error.
    if (await stat(path).then(() => false, () => true)) return `artifact missing: ${path}`;
    throw err;
  }
  try {
    if (fstatSync(fd).size !== expected.size) return `artifact changed (size): ${path}`;
    return (await hashFd(fd)).sha256 === expected.sha256 ? null : `artifact changed (sha256): ${path}`;
  } finally {
    closeSync(fd);
  }
}
