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
  /**
   * Each name's entry by kind, in `names`' order (undefined: to be asked for again): a block
   * joined again after a name was added asks `entry` for that name only, not for all of them.
   */
  parts: Map<string, (Buffer | undefined)[]>;
}

const COMMA = Buffer.from(',\n');

export class SortedBlocks {
  private blocks: Block[] = [];
  private count = 0;

  private static block(names: string[]): Block {
    return { names, bytes: new Map(), parts: new Map() };
  }

  /** From names already sorted (as `Array.prototype.sort()` orders them). */
  static from(sorted: readonly string[]): SortedBlocks {
    const s = new SortedBlocks();
    for (let i = 0; i < sorted.length; i += BLOCK) s.blocks.push(SortedBlocks.block(sorted.slice(i, i + BLOCK)));
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
      this.blocks.push(SortedBlocks.block([name]));
      this.count = 1;
      return true;
    }
    const bi = this.find(name);
    const block = this.blocks[bi];
    const i = SortedBlocks.position(block.names, name);
    if (block.names[i] === name) return false;
    block.names.splice(i, 0, name);
    block.bytes.clear();
    for (const parts of block.parts.values()) parts.splice(i, 0, undefined);
    this.count++;
    if (block.names.length >= 2 * BLOCK) {
      const next = SortedBlocks.block(block.names.splice(BLOCK));
      for (const [kind, parts] of block.parts) next.parts.set(kind, parts.splice(BLOCK));
      this.blocks.splice(bi + 1, 0, next);
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
    for (const parts of block.parts.values()) parts.splice(i, 1);
    this.count--;
    if (!block.names.length) this.blocks.splice(bi, 1);
    return true;
  }

  /** A name's entry bytes changed: its block is serialised again. */
  invalidate(name: string): void {
    if (!this.blocks.length) return;
    const block = this.blocks[this.find(name)];
    const i = SortedBlocks.position(block.names, name);
    if (block.names[i] !== name) return;
    block.bytes.clear();
    for (const parts of block.parts.values()) parts[i] = undefined;
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
        let parts = b.parts.get(kind);
        if (!parts) b.parts.set(kind, (parts = new Array(b.names.length)));
        const list: Buffer[] = new Array(Math.max(0, 2 * b.names.length - 1));
        for (let i = 0; i < b.names.length; i++) {
          if (i) list[2 * i - 1] = COMMA;
          list[2 * i] = parts[i] ??= entry(b.names[i]);
        }
        bytes = Buffer.concat(list);
        b.bytes.set(kind, bytes);
      }
      if (out.length) out.push(COMMA);
      out.push(bytes);
    }
    return out;
  }
}
