// info/ members of a .conda held in memory, read synchronously: the zip's central directory, the
// stored `info-<stem>.tar.zst` member, zstd in one call, the tar headers walked in place. What a
// channel indexer reads per package (info/index.json, info/run_exports.json of a package just
// built) costs a few microseconds this way instead of a zip reader, a zstd stream and a tar stream.
// Anything it does not read plainly — zip64, a compressed zip member, pax or GNU long-name headers,
// a frame over MAX_INFO_TAR, any inconsistency — gives null: the caller reads the package the
// general way (read-package.ts), which also says what is wrong with it.
import { createRequire } from 'node:module';

// zstd-napi's native binding (a CommonJS module without named ESM exports): a decompression
// context driven here, so the output has a limit (zstd-napi's decompress() has none for frames
// without a content size, which is how cph and other streaming writers leave them).
const binding = createRequire(import.meta.url)('zstd-napi/binding.js') as typeof import('zstd-napi/binding.js');
let context: InstanceType<typeof binding.DCtx> | undefined;

/** Largest info tarball decompressed in one call (a package's info/ is kilobytes). */
const MAX_INFO_TAR = 64 << 20;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const INFO_MEMBER = /^info-.*\.tar\.zst$/;

/**
 * The members of `names` found in the info tarball of a .conda's bytes (a name present twice: the
 * later one, as a streaming reader sees it, unless every name was found before), or null when the
 * bytes are not plain enough to read here.
 */
export function condaInfoMembers(data: Buffer, names: ReadonlySet<string>): Map<string, Buffer> | null {
  try {
    const info = infoMember(data);
    // Decompressed into the shared scratch buffer: tarMembers copies out the members it returns.
    const tar = info && decompressLimited(info, MAX_INFO_TAR, true);
    return tar ? tarMembers(tar, names) : null;
  } catch {
    return null; // a damaged frame: the general reader reports it
  }
}

/** Output buffer of a first decompression call (`scratch`): reused, only read before the next call. */
let scratchBuffer: Buffer | undefined;
const SCRATCH = 128 << 10;

/**
 * Every frame of `input` decompressed, or null past `limit` bytes or for a truncated frame.
 * `scratch`: the result may be a view of a buffer shared by every call (valid until the next
 * call; a package's info tarball fits in it): no 128 KiB allocation per package indexed, which
 * off the heap made the index thread's garbage collections (a new ArrayBuffer each).
 */
export function decompressLimited(input: Buffer, limit: number, scratch = false): Buffer | null {
  const dctx = (context ??= new binding.DCtx());
  dctx.reset(binding.ResetDirective.sessionOnly);
  const chunks: Buffer[] = [];
  let total = 0;
  let pending = 1; // zstd's hint: 0 once a frame is fully decoded and flushed
  while (input.length || pending !== 0) {
    const size = Math.min(limit + 1, Math.max(SCRATCH, input.length * 4));
    const chunk = scratch && !chunks.length && size === SCRATCH ? (scratchBuffer ??= Buffer.allocUnsafe(SCRATCH)) : Buffer.allocUnsafe(size);
    const [hint, produced, consumed] = dctx.decompressStream(chunk, input);
    if (!produced && !consumed) return null; // the input ends inside a frame
    pending = hint;
    total += produced;
    if (total > limit) return null;
    chunks.push(chunk.subarray(0, produced));
    input = input.subarray(consumed);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** The stored bytes of the first `info-*.tar.zst` member, or null. */
function infoMember(data: Buffer): Buffer | null {
  // End of central directory: 22 bytes, then a comment of up to 65,535.
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = data.readUInt16LE(eocd + 10);
  let p = data.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) return null; // zip64
  for (let k = 0; k < count; k++) {
    if (p + 46 > eocd || data.readUInt32LE(p) !== CENTRAL) return null;
    const method = data.readUInt16LE(p + 10);
    const size = data.readUInt32LE(p + 20);
    const nameLength = data.readUInt16LE(p + 28);
    const local = data.readUInt32LE(p + 42);
    const name = data.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + data.readUInt16LE(p + 30) + data.readUInt16LE(p + 32);
    if (!INFO_MEMBER.test(name)) continue;
    if (method !== 0 || size === 0xffffffff || local + 30 > data.length || data.readUInt32LE(local) !== LOCAL) return null;
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    return start + size <= data.length ? data.subarray(start, start + size) : null;
  }
  return null;
}

/** Regular-file members of `names` in an uncompressed tar, or null for what only tar-stream reads. */
function tarMembers(tar: Buffer, names: ReadonlySet<string>): Map<string, Buffer> | null {
  const found = new Map<string, Buffer>();
  let p = 0;
  while (p + 512 <= tar.length) {
    if (tar[p] === 0) return isZero(tar, p) ? found : null; // the end blocks
    if (!checksumOk(tar, p)) return null;
    const type = tar[p + 156];
    // pax (x, g) and GNU long names (L, K) rename what follows; base-256 sizes: the general reader.
    if (type === 0x78 || type === 0x67 || type === 0x4c || type === 0x4b || tar[p + 124] & 0x80) return null;
    const size = octal(tar, p + 124, 12);
    if (size === null) return null;
    let name = cString(tar, p, 100);
    if (tar.toString('latin1', p + 257, p + 262) === 'ustar') {
      const prefix = cString(tar, p + 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const start = p + 512;
    if (start + size > tar.length) return null;
    if ((type === 0x30 || type === 0) && names.has(name)) {
      found.set(name, Buffer.from(tar.subarray(start, start + size)));
      if (found.size === names.size) return found;
    }
    p = start + Math.ceil(size / 512) * 512;
  }
  return p === tar.length ? found : null;
}

function isZero(buf: Buffer, p: number): boolean {
  for (let i = p; i < p + 512; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The header's checksum: its bytes summed with the checksum field as spaces. */
function checksumOk(buf: Buffer, p: number): boolean {
  let sum = 8 * 0x20;
  for (let i = p; i < p + 148; i++) sum += buf[i];
  for (let i = p + 156; i < p + 512; i++) sum += buf[i];
  return octal(buf, p + 148, 8) === sum;
}

/**
 * A numeric field: octal digits, then only NULs and spaces (what tar writers put there), read from
 * the bytes; anything else as the field's text trimmed (octalText).
 */
function octal(buf: Buffer, at: number, length: number): number | null {
  let value = 0;
  let i = at;
  const end = at + length;
  for (; i < end; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
  }
  if (i === at) return octalText(buf, at, length);
  for (let j = i; j < end; j++) if (buf[j] !== 0 && buf[j] !== 0x20) return octalText(buf, at, length);
  return value;
}

function octalText(buf: Buffer, at: number, length: number): number | null {
  const text = buf.toString('latin1', at, at + length).replace(/[\0 ]+$/, '').trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : text === '' ? 0 : null;
}

function cString(buf: Buffer, at: number, length: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 || end > at + length ? at + length : end);
}
