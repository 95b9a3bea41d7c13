// Prefix placeholders: conda-build builds in a long prefix path and records the files that contain
// it (info/paths.json `prefix_placeholder` + `file_mode`, legacy info/has_prefix); conda replaces
// that path with the real prefix at install time. Text files get a plain replacement; binary files
// get conda's C-string replacement, padded with NULs so offsets inside the binary do not move.
import { join } from 'node:path';
import type { FileMode } from './package-types.ts';

/** conda-build's placeholder length: long enough that any real install prefix fits in binaries. */
export const PLACEHOLDER_LENGTH = 255;

export class PrefixPaddingError extends Error {
  override name = 'PrefixPaddingError';
}

/**
 * A conda-build style placeholder prefix, `<parent>/<name>_placehold_placehold...`, exactly
 * `length` characters long (longer only when `<parent>/<name>` already is).
 */
export function placeholderPrefix(parent: string, name = 'h_env', length = PLACEHOLDER_LENGTH): string {
  const base = join(parent, name);
  if (base.length >= length) return base;
  return (base + '_placehold'.repeat(Math.ceil((length - base.length) / 10))).slice(0, length);
}

/** Whether `data` holds `prefix`, and how conda-build records it: binary when the file has a NUL byte. */
export function detectPrefixMode(data: Buffer, prefix: string): FileMode | null {
  if (data.indexOf(prefix) < 0) return null;
  return data.indexOf(0) >= 0 ? 'binary' : 'text';
}

function replaceAll(data: Buffer, search: Buffer, replacement: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = data.indexOf(search); i >= 0; i = data.indexOf(search, from)) {
    parts.push(data.subarray(from, i), replacement);
    from = i + search.length;
  }
  if (!parts.length) return data;
  parts.push(data.subarray(from));
  return Buffer.concat(parts);
}

/** Text mode: every occurrence of the placeholder becomes the prefix (the file may change size). */
export function replacePrefixText(data: Buffer, placeholder: string, prefix: string): Buffer {
  return replaceAll(data, Buffer.from(placeholder), Buffer.from(prefix));
}

/**
 * Binary mode (conda's `binary_replace`): in each NUL-terminated string that holds the placeholder,
 * replace every occurrence and pad the string's end with NULs; the file keeps its size. Throws
 * PrefixPaddingError when the prefix is longer than the placeholder.
 */
export function replacePrefixBinary(data: Buffer, placeholder: string, prefix: string): Buffer {
  const search = Buffer.from(placeholder);
  const replacement = Buffer.from(prefix);
  if (replacement.length > search.length) {
    throw new PrefixPaddingError(
      `prefix ${prefix} (${replacement.length} bytes) is longer than the placeholder (${search.length} bytes): cannot patch a binary file`,
    );
  }
  const out = Buffer.from(data);
  for (let i = data.indexOf(search); i >= 0; ) {
    const nul = data.indexOf(0, i + search.length);
    if (nul < 0) break;
    const replaced = replaceAll(data.subarray(i, nul), search, replacement);
    replaced.copy(out, i);
    out.fill(0, i + replaced.length, nul);
    i = data.indexOf(search, nul + 1);
  }
  return out;
}
