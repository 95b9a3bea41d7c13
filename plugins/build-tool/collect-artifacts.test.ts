import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPackages, parsePackageFileName, publishToChannel, snapshotPackages } from './collect-artifacts.ts';

const names = suite('parsePackageFileName');
names('splits name-version-build; the name may hold dashes', () => {
  assert.equal(parsePackageFileName('numpy-2.1.0-py313h1a2b3c4_0.conda'), { name: 'numpy', version: '2.1.0', build: 'py313h1a2b3c4_0' });
  assert.equal(parsePackageFileName('typing-extensions-4.12.2-pyha770c72_0.tar.bz2'), { name: 'typing-extensions', version: '4.12.2', build: 'pyha770c72_0' });
});
names('rejects what is not a package file name', () => {
  assert.throws(() => parsePackageFileName('numpy-2.1.0.conda'), /not a conda package file name/);
  assert.throws(() => parsePackageFileName('numpy-2.1.0-py313_0.zip'), /not a conda package file name/);
  assert.throws(() => parsePackageFileName('numpy--py313_0.conda'), /not a conda package file name/);
});
names.run();

const collect = suite<{ dir: string }>('newPackages / publishToChannel', { dir: '' });
collect.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-collect-'));
});
collect.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

collect('finds only package files of the subdirs asked for that are new or changed since the snapshot', async ({ dir }) => {
  const out = join(dir, 'out');
  for (const d of ['linux-64', 'noarch', 'src_cache']) mkdirSync(join(out, d), { recursive: true });
  writeFileSync(join(out, 'linux-64', 'old-1.0-0.tar.bz2'), 'old');
  writeFileSync(join(out, 'linux-64', 'rebuilt-1.0-0.conda'), 'v1');
  utimesSync(join(out, 'linux-64', 'rebuilt-1.0-0.conda'), 1_000, 1_000);
  const before = await snapshotPackages(out, ['linux-64', 'noarch']);
  writeFileSync(join(out, 'linux-64', 'rebuilt-1.0-0.conda'), 'version 2');
  writeFileSync(join(out, 'linux-64', 'new-2.0-py313_0.tar.bz2'), 'new');
  writeFileSync(join(out, 'linux-64', 'repodata.json'), '{}');
  writeFileSync(join(out, 'noarch', 'pure-1.0-pyh_0.conda'), 'pure');
  writeFileSync(join(out, 'src_cache', 'demo-1.0-src.tar.bz2'), 'a source tarball, not a package');
  const found = await newPackages(out, ['linux-64', 'noarch'], before);
  assert.equal(found.map((f) => `${f.subdir}/${f.filename}`).sort(), ['linux-64/new-2.0-py313_0.tar.bz2', 'linux-64/rebuilt-1.0-0.conda', 'noarch/pure-1.0-pyh_0.conda']);
  assert.equal(await newPackages(join(dir, 'missing'), ['linux-64'], new Map()), []);
});

collect('copies into <channel>/<subdir>/ with hash and size, leaving no temp file', async ({ dir }) => {
  const src = join(dir, 'out', 'linux-64');
  mkdirSync(src, { recursive: true });
  const content = 'not really bzip2, but bytes all the same\n';
  writeFileSync(join(src, 'demo-1.0-py313_0.tar.bz2'), content);
  const channel = join(dir, 'channel');
  const [a] = await publishToChannel([{ subdir: 'linux-64', filename: 'demo-1.0-py313_0.tar.bz2', path: join(src, 'demo-1.0-py313_0.tar.bz2') }], channel);
  assert.equal(a, {
    path: join(channel, 'linux-64', 'demo-1.0-py313_0.tar.bz2'),
    filename: 'demo-1.0-py313_0.tar.bz2',
    subdir: 'linux-64',
    name: 'demo',
    version: '1.0',
    build: 'py313_0',
    sha256: createHash('sha256').update(content).digest('hex'),
    size: Buffer.byteLength(content),
  });
  assert.is(readFileSync(a.path, 'utf8'), content);
  assert.equal(readdirSync(join(channel, 'linux-64')), ['demo-1.0-py313_0.tar.bz2']);
});
collect.run();
