import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SortedBlocks } from './sorted-blocks.ts';

const s = suite('SortedBlocks');

s('inserts, removes and invalidates like a sorted array; joined bytes equal a fresh serialisation', () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const model = new Set<string>();
  const start = Array.from({ length: 700 }, (_, i) => `p${String(i * 3).padStart(5, '0')}.conda`).sort();
  start.forEach((n) => model.add(n));
  const blocks = SortedBlocks.from(start);
  const version = new Map<string, number>();
  const entry = (name: string) => Buffer.from(`"${name}": ${version.get(name) ?? 0}`);
  for (let step = 0; step < 3000; step++) {
    const name = `p${String(Math.floor(rand() * 3000)).padStart(5, '0')}.conda`;
    const r = rand();
    if (r < 0.5) assert.is(blocks.insert(name), !model.has(name)), model.add(name);
    else if (r < 0.8) assert.is(blocks.remove(name), model.has(name)), model.delete(name);
    else {
      version.set(name, (version.get(name) ?? 0) + 1);
      blocks.invalidate(name);
    }
    if (step % 97 === 0) {
      const sorted = [...model].sort();
      assert.equal([...blocks], sorted);
      assert.is(blocks.size, sorted.length);
      // Cached blocks must give what serialising every entry now gives.
      assert.is(Buffer.concat(blocks.joined('k', entry)).toString(), sorted.map((n) => entry(n).toString()).join(',\n'));
    }
  }
  for (const n of [...model]) blocks.remove(n);
  assert.is(blocks.size, 0);
  assert.equal(blocks.joined('k', entry), []);
});

s('a name added to a large set re-serialises one small block, not a large share of the entries', () => {
  const names = Array.from({ length: 10_000 }, (_, i) => `p${String(i * 2).padStart(6, '0')}.conda`);
  const blocks = SortedBlocks.from(names);
  let made = 0;
  const entry = (name: string) => (made++, Buffer.from(name));
  blocks.joined('k', entry);
  assert.is(made, 10_000);
  // Names at random places (real package names are not built in file-name order).
  for (const i of [17, 4_321, 9_876]) {
    made = 0;
    blocks.insert(`p${String(i * 2 + 1).padStart(6, '0')}.conda`);
    blocks.joined('k', entry);
    // Only the new name's entry is asked for: the others of its block are kept (the block's bytes are joined again).
    assert.is(made, 1, `${made} entries serialised again for one name added`);
  }
  // A name invalidated, and one removed: the first asked for again, nothing for the second.
  made = 0;
  blocks.invalidate('p000100.conda');
  blocks.remove('p000102.conda');
  blocks.joined('k', entry);
  assert.is(made, 1);
  // Another kind keeps entries of its own.
  made = 0;
  blocks.joined('other', entry);
  assert.is(made, blocks.size);
});

s.run();
