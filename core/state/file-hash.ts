// sha256 and size of a file, streamed (artifacts can be large), and a resume-time check.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Null when the file is present with this size and sha256, else why not. */
export async function verifyFile(path: string, expected: { sha256: string; size: number }): Promise<string | null> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return `artifact missing: ${path}`;
  }
  if (size !== expected.size) return `artifact changed (size): ${path}`;
  const actual = await hashFile(path);
  return actual.sha256 === expected.sha256 ? null : `artifact changed (sha256): ${path}`;
}
