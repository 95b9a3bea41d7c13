// bzip2 (de)compression through Debian's `bzip2` binary. No maintained npm package compresses bzip2
// at a usable speed (compressjs, pure JS, measured ~20x slower than libbz2 here), so we stream
// through the binary; CI installs the `bzip2` Debian package.
import type { Readable } from 'node:stream';
import { spawnFilter } from './spawn-filter.ts';

const installHint = 'install the Debian package bzip2';

/** Compress a stream (level 9, as conda-build). */
export function bzip2Compress(input: Readable): Readable {
  return spawnFilter('bzip2', ['-c', '-9'], input, { what: 'bzip2 compression', installHint });
}

/** Decompress a stream; `what` names the file in errors. */
export function bzip2Decompress(input: Readable, what = 'input'): Readable {
  return spawnFilter('bzip2', ['-d', '-c'], input, { what: `bzip2 decompression of ${what}`, installHint });
}

/** Decompress an xz stream through Debian's `xz` (xz-utils); used for .tar.xz sources. */
export function xzDecompress(input: Readable, what = 'input'): Readable {
  return spawnFilter('xz', ['-d', '-c'], input, { what: `xz decompression of ${what}`, installHint: 'install the Debian package xz-utils' });
}
