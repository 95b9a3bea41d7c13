import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFile, verifyFile } from './file-hash.ts';

const hashes = suite('file hashes');

hashes.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-hash-'));
});
hashes.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

hashes('sha256 and size of files around the read sizes :: empty, 1 byte, 64 KiB ± 1, 1 MiB ± 1, 2.5 MiB', async (ctx) => {
  const sizes = [0, 1, 65535, 65536, 65537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (5 << 19) + 3];
  for (const size of sizes) {
    const bytes = randomBytes(size);
    const path = join(ctx.dir, `f-${size}`);
    writeFileSync(path, bytes);
    const expected = { sha256: sha(bytes), size };
    assert.equal(await hashFile(path), expected, `hashFile ${size}`);
    assert.is(await verifyFile(path, expected), null, `verifyFile ${size}`);
  }
  // Concurrent hashes of different files share no buffer.
  const files = sizes.map((size) => join(ctx.dir, `f-${size}`));
  const all = await Promise.all([...files, ...files].map((f) => hashFile(f)));
  assert.equal(all.slice(0, files.length), all.slice(files.length));
});

hashes('verifyFile says what is wrong :: missing, size, content; unreadable paths throw', async (ctx) => {
  const path = join(ctx.dir, 'a');
  writeFileSync(path, 'abc');
  const expected = { sha256: sha(Buffer.from('abc')), size: 3 };
  assert.is(await verifyFile(join(ctx.dir, 'nope'), expected), `artifact missing: ${join(ctx.dir, 'nope')}`);
  writeFileSync(path, 'abcd');
  assert.is(await verifyFile(path, expected), `artifact changed (size): ${path}`);
  writeFileSync(path, 'abd');
  assert.is(await verifyFile(path, expected), `artifact changed (sha256): ${path}`);
  await hashFile(join(ctx.dir, 'nope')).then(() => assert.unreachable(), (err) => assert.is(err.code, 'ENOENT'));
  mkdirSync(join(ctx.dir, 'd'));
  await hashFile(join(ctx.dir, 'd')).then(() => assert.unreachable(), (err) => assert.ok(err instanceof Error));
});

hashes.run();
