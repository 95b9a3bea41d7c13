// A repodata record is its package's info/index.json plus the file's digests (`PackageRecord
// extends IndexJson`): one type for both, so `noarch` (and every shared field) reads the same.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readPackageIndex } from './read-package.ts';
import { indexChannel, readRepodata, type PackageRecord } from './repodata.ts';
import type { IndexJson } from './package-types.ts';
import { writeCondaPackage } from './write-package.ts';

const record = suite('PackageRecord extends IndexJson');

record('a repodata record is the package index.json plus md5, sha256 and size :: noarch python, arch package', async () => {
  const root = mkdtempSync(join(tmpdir(), 'package-record-'));
  try {
    mkdirSync(join(root, 'files'));
    writeFileSync(join(root, 'files', 'a.txt'), 'a\n');
    const ch = join(root, 'channel');
    const write = (subdir: string, extra: { noarch?: 'python' }) =>
      writeCondaPackage({
        prefix: join(root, 'files'), files: ['a.txt'], outDir: join(ch, subdir),
        info: { name: 'pkg', version: '1.0', build: '0', buildNumber: 0, depends: ['python'], subdir, license: 'MIT', ...extra },
      });
    const [noarchPkg] = await write('noarch', { noarch: 'python' });
    const [archPkg] = await write('linux-64', {});
    await indexChannel(ch, ['linux-64']);
    for (const [pkg, subdir] of [[noarchPkg, 'noarch'], [archPkg, 'linux-64']] as const) {
      const index: IndexJson = await readPackageIndex(pkg.path);
      const rec: PackageRecord = (await readRepodata(ch, subdir)).packages[pkg.filename];
      const { md5, sha256, size, ...rest } = rec;
      assert.equal(rest, index, subdir);
      const bytes = readFileSync(pkg.path);
      assert.equal([md5, sha256, size], [createHash('md5').update(bytes).digest('hex'), pkg.sha256, pkg.size], subdir);
    }
    assert.is((await readRepodata(ch, 'noarch')).packages[noarchPkg.filename].noarch, 'python');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

record('types :: a record is an IndexJson; noarch is python or generic (typecheck)', () => {
  const index: IndexJson = { name: 'a', version: '1', build: '0', build_number: 0, depends: [], subdir: 'noarch', noarch: 'generic' };
  const rec: PackageRecord = { ...index, md5: '0'.repeat(32) };
  // @ts-expect-error a misspelt noarch kind is a type error in both (it was any string in IndexJson)
  const bad: PackageRecord = { ...rec, noarch: 'pyhton' };
  assert.is(bad.noarch, 'pyhton');
});

record.run();
