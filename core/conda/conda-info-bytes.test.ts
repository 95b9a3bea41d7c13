import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seeded } from '../../bench/measure.ts';
import { condaInfoMembers, decompressLimited } from './conda-info-bytes.ts';
import { CompressStream } from 'zstd-napi';
import { cph } from './fixtures/cph.ts';
import { readPackageMetadata } from './read-package.ts';
import { writeCondaPackage } from './write-package.ts';

const NAMES = ['info/index.json', 'info/run_exports.json'];

async function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'conda-info-bytes-'));
  mkdirSync(join(root, 'prefix', 'lib'), { recursive: true });
  writeFileSync(join(root, 'prefix', 'lib', 'libz.so'), Buffer.alloc(3000, 7));
  const made = await writeCondaPackage({
    prefix: join(root, 'prefix'), files: ['lib/libz.so'], formats: ['tar.bz2', 'conda'], zstdLevel: 3, outDir: join(root, 'ours'),
    info: { name: 'zlib', version: '1.3.1', build: 'h0_0', buildNumber: 0, depends: ['libgcc >=13'], subdir: 'linux-64', timestamp: 1_700_000_000_000, runExports: { weak: ['zlib >=1.3.1,<2'] } },
  });
  const conda = made.find((a) => a.path.endsWith('.conda'))!.path;
  const tarBz2 = made.find((a) => a.path.endsWith('.tar.bz2'))!.path;
  return { root, conda, tarBz2, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** What the streaming reader (yauzl, zstd stream, tar-stream) finds in the file. */
const streamed = (path: string) => readPackageMetadata(path, NAMES);

/** Offset of the info member's central directory entry (its compression method is at +10). */
function infoCentralEntry(data: Buffer): number {
  for (let p = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); p >= 0; p = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), p - 1)) {
    if (/^info-/.test(data.toString('utf8', p + 46, p + 46 + data.readUInt16LE(p + 28)))) return p;
  }
  throw new Error('no info member');
}

const s = suite('condaInfoMembers');

s('reads the info files in place, the same bytes the streaming reader gives :: ours and a .conda cph t wrote', async () => {
  const f = await fixture();
  try {
    mkdirSync(join(f.root, 'cph'));
    cph(['t', f.tarBz2, '.conda', '--out-folder', join(f.root, 'cph')]);
    for (const path of [f.conda, join(f.root, 'cph', 'zlib-1.3.1-h0_0.conda')]) {
      const inPlace = condaInfoMembers(readFileSync(path), new Set(NAMES));
      assert.ok(inPlace, path);
      assert.equal([...inPlace!.keys()].sort(), NAMES);
      assert.equal(inPlace, await streamed(path));
      assert.equal(JSON.parse(inPlace!.get('info/run_exports.json')!.toString()), { weak: ['zlib >=1.3.1,<2'] });
    }
    // A name the package does not have is absent.
    assert.equal([...condaInfoMembers(readFileSync(f.conda), new Set(['info/index.json', 'info/nothing']))!.keys()], ['info/index.json']);
  } finally {
    f.cleanup();
  }
});

s('a compressed info member, a truncated file or other bytes give null (the streaming reader decides)', async () => {
  const f = await fixture();
  try {
    const data = readFileSync(f.conda);
    const deflated = Buffer.from(data);
    deflated.writeUInt16LE(8, infoCentralEntry(deflated) + 10);
    assert.is(condaInfoMembers(deflated, new Set(NAMES)), null);
    assert.is(condaInfoMembers(data.subarray(0, data.length - 30), new Set(NAMES)), null);
    assert.is(condaInfoMembers(readFileSync(f.tarBz2), new Set(NAMES)), null);
    assert.is(condaInfoMembers(Buffer.alloc(0), new Set(NAMES)), null);
  } finally {
    f.cleanup();
  }
});

s('seeded truncations and bit flips :: never throws; when both readers succeed they agree', async () => {
  const f = await fixture();
  try {
    const data = readFileSync(f.conda);
    const rand = seeded(12);
    const damaged = join(f.root, 'damaged.conda');
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(i % 3 === 0 ? data.subarray(0, Math.floor(rand() * data.length)) : data);
      if (i % 3) for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) bytes[Math.floor(rand() * bytes.length)] ^= 1 << Math.floor(rand() * 8);
      const inPlace = condaInfoMembers(bytes, new Set(NAMES));
      if (!inPlace) continue;
      writeFileSync(damaged, bytes);
      const other = await streamed(damaged).catch(() => null);
      if (other) assert.equal(inPlace, other, `case ${i}`);
    }
  } finally {
    f.cleanup();
  }
});

s('decompressLimited :: frames without a content size (as streaming writers leave them) are decoded up to the limit, never past it', async () => {
  const stream = new CompressStream();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => stream.on('end', r));
  stream.end(Buffer.alloc(1 << 20, 'a'));
  await ended;
  const frame = Buffer.concat(chunks);
  assert.ok(frame.length < 1000, 'a highly compressible frame');
  assert.equal(decompressLimited(frame, 2 << 20), Buffer.alloc(1 << 20, 'a'));
  assert.is(decompressLimited(frame, (1 << 20) - 1), null);
  assert.is(decompressLimited(frame.subarray(0, frame.length - 4), 2 << 20), null);
});

s('decompressLimited :: with scratch, a small frame is decoded into one shared buffer (no allocation per package); the members condaInfoMembers returns are copies that later reads leave alone', async () => {
  const frame = (text: string) => {
    const stream = new CompressStream();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => stream.on('end', () => r(Buffer.concat(chunks))));
    stream.end(Buffer.from(text));
    return ended as Promise<Buffer>;
  };
  const a = decompressLimited(await frame('first frame'), 64 << 20, true)!;
  assert.is(a.toString(), 'first frame');
  const b = decompressLimited(await frame('second'), 64 << 20, true)!;
  assert.is(b.toString(), 'second');
  assert.ok(a.buffer === b.buffer, 'the same scratch buffer');
  // Without scratch (and past the scratch size) the result is the caller's own.
  const own = decompressLimited(await frame('own'), 64 << 20)!;
  assert.ok(own.buffer !== b.buffer);
  const f = await fixture();
  try {
    const data = readFileSync(f.conda);
    const first = condaInfoMembers(data, new Set(NAMES))!;
    const before = first.get('info/index.json')!.toString();
    decompressLimited(await frame('x'.repeat(5000)), 64 << 20, true);
    condaInfoMembers(data, new Set(['info/run_exports.json']));
    assert.is(first.get('info/index.json')!.toString(), before);
    assert.equal(first, await streamed(f.conda));
  } finally {
    f.cleanup();
  }
});

s.run();
