// Sorted file names in blocks of a few hundred, each block caching the bytes its entries make in an
// index file, so that rewriting the index of a channel of N packages after one change re-serialises
// one block and hands the file system N / BLOCK buffers instead of touching N entries in JS.

/**
 * Names per block: a block splits at twice this, and is merged away when it empties. Small enough
 * that the blocks a write of a growing channel re-serialises (one per name added, at random places
 * for real package names) copy little (~64 entries each: 256 copied ~4× more bytes per write and
 * made the large short-lived buffers that drove the main thread's garbage collection), large enough
 * that a write of 25,000 records hands the file system ~800 buffers, not 50,000.
 */
const BLOCK = 64;

interface Block {
  names: string[];
  /** Joined entry bytes by kind (`repodata`, `run_exports`): `entry(a)`, `,\n`, `entry(b)`, ... */
  bytes: Map<string, Buffer>;
}

const COMMA = Buffer.from(',\n');

export class SortedBlocks {
  private blocks: Block[] = [];
  private count = 0;

  /** From names already sorted (as `Array.prototype.sort()` orders them). */
  static from(sorted: readonly string[]): SortedBlocks {
    const s = new SortedBlocks();
    for (let i = 0; i < sorted.length; i += BLOCK) s.blocks.push({ names: sorted.slice(i, i + BLOCK), bytes: new Map() });
    s.count = sorted.length;
    return s;
  }

  get size(): number {
    return this.count;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const b of this.blocks) yield* b.names;
  }

  /** The block that holds `name` or would: the first whose last name is ≥ it (else the last one). */
  private find(name: string): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const names = this.blocks[mid].names;
      if (names[names.length - 1] < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static position(names: string[], name: string): number {
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[mid] < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Add a name (false when present). */
  insert(name: string): boolean {
    if (!this.blocks.length) {
      this.blocks.push({ names: [name], bytes: new Map() });
      this.count = 1;
      return true;
    }
    const bi = this.find(name);
    const block = this.blocks[bi];
    const i = SortedBlocks.position(block.names, name);
    if (block.names[i] === name) return false;
    block.names.splice(i, 0, name);
    block.bytes.clear();
    this.count++;
    if (block.names.length >= 2 * BLOCK) {
      this.blocks.splice(bi + 1, 0, { names: block.names.splice(BLOCK), bytes: new Map() });
    }
    return true;
  }

  /** Remove a name (false when absent). */
  remove(name: string): boolean {
    if (!this.blocks.length) return false;
    const bi = this.find(name);
    const block = this.blocks[bi];
    const i = SortedBlocks.position(block.names, name);
    if (block.names[i] !== name) return false;
    block.names.splice(i, 1);
    block.bytes.clear();
    this.count--;
    if (!block.names.length) this.blocks.splice(bi, 1);
    return true;
  }

  /** A name's entry bytes changed: its block is serialised again. */
  invalidate(name: string): void {
    if (!this.blocks.length) return;
    const block = this.blocks[this.find(name)];
    if (block.names[SortedBlocks.position(block.names, name)] === name) block.bytes.clear();
  }

  /**
   * The entries of every name, in order, joined by `,\n` — as buffers to write one after the other:
   * one per block (made once per block and kind until the block changes) with `,\n` between them.
   */
  joined(kind: string, entry: (name: string) => Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (const b of this.blocks) {
      let bytes = b.bytes.get(kind);
      if (!bytes) {
        const parts: Buffer[] = [];
        for (let i = 0; i < b.names.length; i++) {
          if (i) parts.push(COMMA);
          parts.push(entry(b.names[i]));
        }
        bytes = Buffer.concat(parts);
        b.bytes.set(kind, bytes);
      }
      if (out.length) out.push(COMMA);
      out.push(bytes);
    }
    return out;
  }
}
