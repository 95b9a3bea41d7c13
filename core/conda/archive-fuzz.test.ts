// Archive fuzzing: valid packages we write (writeCondaPackage) and real-shaped source archives,
// truncated, bit-flipped (outside and inside the compression) or with hostile members spliced in,
// fed to the readers for a fixed set of seeds. Each case either succeeds or throws an ArchiveError
// (nothing else), within a time limit, and nothing appears or changes outside its temp destination.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seeded } from '../../bench/measure.ts';
import { unpack } from '../../plugins/builder-script/source.ts';
import { hostileCases, infoMembers, sentinel, snapshotTree, writeHostilePackage, writeHostileSource, type Member } from './fixtures/hostile.ts';
import { placeholderPrefix } from './prefix-placeholder.ts';
import { extractPackage, readPackageIndex } from './read-package.ts';
import { ArchiveError } from './safe-extract.ts';
import { writeCondaPackage } from './write-package.ts';

const SEEDS = 300;
const CASE_TIMEOUT_MS = 5_000;

/** Files of a small real-shaped package: a script and a binary with the build prefix, a symlink, nested dirs. */
function buildPrefix(root: string): { prefix: string; files: string[] } {
  const prefix = placeholderPrefix(join(root, 'build'));
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(join(prefix, 'lib/python3.13/site-packages/tool'), { recursive: true });
  writeFileSync(join(prefix, 'bin/tool'), `#!${prefix}/bin/python\nimport tool\n`);
  chmodSync(join(prefix, 'bin/tool'), 0o755);
  writeFileSync(join(prefix, 'lib/libtool.so.1'), Buffer.concat([Buffer.from('\x7fELF\0\0'), Buffer.from(`${prefix}/lib\0`), Buffer.alloc(64, 7)]));
  symlinkSync('libtool.so.1', join(prefix, 'lib/libtool.so'));
  writeFileSync(join(prefix, 'lib/python3.13/site-packages/tool/__init__.py'), 'VERSION = "2.0"\n'.repeat(20));
  return { prefix, files: ['bin/tool', 'lib/libtool.so', 'lib/libtool.so.1', 'lib/python3.13/site-packages/tool/__init__.py'] };
}

const SOURCE: Member[] = [
  { name: 'tool-2.0/', type: 'directory' },
  { name: 'tool-2.0/setup.py', type: 'file', data: 'from setuptools import setup\nsetup(name="tool")\n' },
  { name: 'tool-2.0/tool/__init__.py', type: 'file', data: 'VERSION = "2.0"\n' },
  { name: 'tool-2.0/docs/README', type: 'symlink', linkname: '../README' },
  { name: 'tool-2.0/README', type: 'file', data: 'tool\n' },
  { name: 'tool-2.0/bin/tool', type: 'link', linkname: 'tool-2.0/setup.py' },
];

/** Zip has no hard links (Info-ZIP stores none). */
const sourceMembers = (kind: string) => SOURCE.filter((m) => kind !== 'zip' || m.type !== 'link');

type Reader = 'tar.bz2' | 'conda' | 'tar' | 'tar.gz' | 'zip';

interface Bases {
  files: Record<Reader, Buffer>;
  /** The uncompressed tar inside the .tar.bz2 (flipped, then compressed again). */
  innerTar: Buffer;
  pkgMembers: Member[];
}

async function bases(root: string): Promise<Bases> {
  const { prefix, files } = buildPrefix(root);
  const info = { name: 'tool', version: '2.0', build: 'h0_0', buildNumber: 0, depends: ['libc'], subdir: 'linux-64', timestamp: 1_700_000_000_000 };
  const written = await writeCondaPackage({ prefix, files, info, outDir: join(root, 'base'), formats: ['tar.bz2', 'conda'], zstdLevel: 1 });
  const read = (f: string) => readFileSync(f);
  const out = {} as Record<Reader, Buffer>;
  for (const a of written) out[a.filename.endsWith('.conda') ? 'conda' : 'tar.bz2'] = read(a.path);
  for (const kind of ['tar', 'tar.gz', 'zip'] as const) out[kind] = read(await writeHostileSource(join(root, 'base'), `tool-2.0.${kind}`, sourceMembers(kind)));
  const innerTar = execFileSync('bzip2', ['-d', '-c'], { input: out['tar.bz2'], maxBuffer: 1 << 26 });
  const pkgMembers: Member[] = files.map((f) => ({ name: f, type: 'file', data: `content of ${f}\n`, mode: 0o644 }));
  return { files: out, innerTar, pkgMembers };
}

function flipBits(data: Buffer, rand: () => number, from = 0): Buffer {
  const out = Buffer.from(data);
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const at = from + Math.floor(rand() * (out.length - from));
    out[at] ^= 1 << Math.floor(rand() * 8);
  }
  return out;
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/** One mutated archive for `seed`: its file name and bytes, and what was done (for failure messages). */
async function mutate(seed: number, b: Bases, dir: string, outside: string): Promise<{ file: string; reader: Reader; what: string }> {
  const rand = seeded(seed);
  const reader = pick(rand, ['tar.bz2', 'conda', 'tar', 'tar.gz', 'zip'] as const);
  const name = reader === 'tar.bz2' || reader === 'conda' ? `tool-2.0-h0_0.${reader}` : `tool-2.0.${reader}`;
  const file = join(dir, name);
  const base = b.files[reader];
  const how = pick(rand, ['truncate', 'flip', 'flip-inner', 'hostile'] as const);
  if (how === 'truncate') {
    const at = Math.floor(rand() * base.length);
    writeFileSync(file, base.subarray(0, at));
    return { file, reader, what: `${name} truncated to ${at} of ${base.length} bytes` };
  }
  if (how === 'flip' || (how === 'flip-inner' && reader !== 'tar.bz2')) {
    writeFileSync(file, flipBits(base, rand));
    return { file, reader, what: `${name} with bits flipped` };
  }
  if (how === 'flip-inner') {
    // Past the compression's checks: flip bits of the tar itself, then compress it again.
    writeFileSync(file, execFileSync('bzip2', ['-c', '-1'], { input: flipBits(b.innerTar, rand), maxBuffer: 1 << 26 }));
    return { file, reader, what: `${name} with bits flipped inside the tar` };
  }
  const cases = hostileCases(outside).filter((c) => reader === 'tar.bz2' || reader === 'conda' || !c.packageOnly);
  const h = pick(rand, cases.filter((c) => reader !== 'zip' || !c.members.some((m) => m.type === 'link' || m.type === 'character-device')));
  if (reader === 'tar.bz2' || reader === 'conda') {
    const members = [...b.pkgMembers];
    members.splice(Math.floor(rand() * (members.length + 1)), 0, ...h.members);
    await writeHostilePackage(dir, reader, members, infoMembers(h.placeholders));
    const evil = join(dir, `evil-1.0-0.${reader}`);
    writeFileSync(file, readFileSync(evil));
    rmSync(evil);
  } else {
    const members = sourceMembers(reader);
    members.splice(1 + Math.floor(rand() * members.length), 0, ...h.members.map((m) => ({ ...m, name: `tool-2.0/${m.name}` })) as Member[]);
    await writeHostileSource(dir, name, members);
  }
  return { file, reader, what: `${name} with hostile members: ${h.what}` };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle in ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const fuzz = suite('archive readers: fuzzed archives');

fuzz(`every case succeeds or throws an ArchiveError, never hangs, never writes outside :: ${SEEDS} seeds`, async () => {
  const root = mkdtempSync(join(tmpdir(), 'archive-fuzz-'));
  try {
    const b = await bases(root);
    const outcomes: Record<string, number> = {};
    for (let seed = 0; seed < SEEDS; seed++) {
      const caseRoot = join(root, `case-${seed}`);
      mkdirSync(caseRoot);
      const outside = sentinel(caseRoot);
      const before = snapshotTree(outside);
      const input = join(caseRoot, 'in');
      mkdirSync(input);
      const m = await mutate(seed, b, input, outside);
      const dest = join(caseRoot, 'dest');
      const read = async () => {
        if (m.reader === 'tar.bz2' || m.reader === 'conda') {
          await readPackageIndex(m.file);
          await extractPackage(m.file, dest, { pythonVersion: '3.13' });
        } else await unpack(m.file, dest);
      };
      const err = await withTimeout(read(), CASE_TIMEOUT_MS, `seed ${seed}: ${m.what}`).then(
        () => null,
        (e: unknown) => e,
      );
      const label = `seed ${seed}: ${m.what}`;
      if (err !== null && !(err instanceof ArchiveError)) {
        assert.unreachable(`${label}: threw ${(err as Error)?.stack ?? String(err)}`);
      }
      assert.equal(snapshotTree(outside), before, `${label}: the folder outside is unchanged`);
      assert.equal(readdirSync(caseRoot).filter((f) => f !== 'dest').sort(), ['in', 'outside'], `${label}: nothing new next to the destination`);
      const key = `${m.reader} ${err ? (err as Error).name : 'ok'}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      rmSync(caseRoot, { recursive: true, force: true });
    }
    if (process.env.FUZZ_VERBOSE) console.log(outcomes);
    // The seeds reach both outcomes of every reader (a fuzz test that only ever fails to open is no test).
    for (const r of ['tar.bz2', 'conda', 'tar', 'tar.gz', 'zip']) {
      assert.ok(Object.keys(outcomes).some((k) => k.startsWith(`${r} `) && !k.endsWith(' ok')), `${r}: some case refused (${JSON.stringify(outcomes)})`);
    }
    assert.ok(Object.keys(outcomes).some((k) => k.endsWith(' ok')), `some case succeeded (${JSON.stringify(outcomes)})`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

fuzz.run();
