// Stream data through an external filter program (bzip2, xz): stdin → program → returned stream.
// The returned stream ends only when the program exits 0, and fails with its stderr otherwise.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';

export class FilterProgramError extends Error {
  override name = 'FilterProgramError';
}

export interface FilterOptions {
  /** What is being done, for errors: "bzip2 decompression of x.tar.bz2". */
  what: string;
  /** Said when the program is missing: "install the Debian package bzip2". */
  installHint: string;
}

export function spawnFilter(program: string, args: string[], input: Readable, opts: FilterOptions): Readable {
  const out = new PassThrough();
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let done = false;
  const stop = () => {
    done = true;
    input.unpipe(child.stdin);
    child.kill('SIGKILL');
  };
  const fail = (err: Error) => {
    if (done) return;
    stop();
    out.destroy(err);
  };
  child.on('error', (err: NodeJS.ErrnoException) =>
    fail(err.code === 'ENOENT' ? new FilterProgramError(`${opts.what}: ${program} is not on PATH (${opts.installHint})`) : err),
  );
  child.stderr.on('data', (d) => (stderr += d));
  // EPIPE when the program dies early is reported through its exit status.
  child.stdin.on('error', () => {});
  input.on('error', (err) => fail(err));
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  out.on('close', () => {
    // The consumer stopped early (found what it wanted): stop the program and the input too.
    if (child.exitCode === null && !done) {
      stop();
      input.destroy();
    }
  });
  child.on('close', (code, signal) => {
    if (done) return;
    if (code === 0) {
      done = true;
      out.end();
    } else fail(new FilterProgramError(`${opts.what} failed (${program} exit ${code ?? signal}): ${stderr.trim() || 'no message'}`));
  });
  return out;
}
