// `tail -f` for build logs: print what a file holds, then what is appended, until the signal
// aborts. Polls (portable, works on any filesystem); a truncated file is read again from the start.
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export interface FollowOptions {
  pollMs?: number;
  /** Stop (resolve) once this returns true after a poll with nothing new, e.g. "the build ended". */
  until?: () => boolean;
}

export async function followFile(path: string, write: (text: string) => void, signal: AbortSignal, options: FollowOptions = {}): Promise<void> {
  const pollMs = options.pollMs ?? 250;
  let offset = 0;
  // Appends may split a multi-byte character: decode across reads.
  const decoder = new StringDecoder('utf8');
  while (!signal.aborted) {
    let size = -1;
    try {
      size = (await stat(path)).size;
    } catch {
      // Not created yet: wait for the build to start.
    }
    if (size >= 0 && size < offset) {
      offset = 0;
      decoder.end();
    }
    if (size > offset) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        const text = decoder.write(buf.subarray(0, bytesRead));
        if (text) write(text);
      } finally {
        await fh.close();
      }
      continue;
    }
    if (options.until?.()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        signal.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
