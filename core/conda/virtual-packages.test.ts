import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCondaPackage } from './write-package.ts';
import { indexChannel } from './repodata.ts';
import { solve, SolveError } from './solve.ts';
import { virtualPackagesFor } from './virtual-packages.ts';

const v = suite('virtualPackagesFor');

v('linux: __unix, __linux, __glibc (this machine\'s on Linux), __archspec from the subdir', () => {
  const names = virtualPackagesFor('linux-aarch64').map((p) => `${p.name} ${p.build}`);
  assert.equal(names, ['__unix 0', '__linux 0', '__glibc 0', '__archspec aarch64']);
  const glibc = virtualPackagesFor('linux-64').find((p) => p.name === '__glibc')!;
  assert.match(glibc.version, /^\d+\.\d+/);
  if (process.platform === 'linux') assert.is(glibc.version, (process.report.getReport() as any).header.glibcVersionRuntime);
});

v('osx and win get their own; noarch none', () => {
  assert.equal(virtualPackagesFor('osx-arm64').map((p) => p.name), ['__unix', '__osx', '__archspec']);
  assert.equal(virtualPackagesFor('win-64').map((p) => p.name), ['__win', '__archspec']);
  assert.equal(virtualPackagesFor('noarch'), []);
});

v('a package needing __glibc >=2.17 solves with them, not without', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-virtual-'));
  try {
    mkdirSync(join(dir, 'files'));
    writeFileSync(join(dir, 'files', 'a.txt'), 'a\n');
    await writeCondaPackage({
      prefix: join(dir, 'files'), files: ['a.txt'], outDir: join(dir, 'ch', 'linux-64'),
      info: { name: 'needsglibc', version: '1', build: '0', buildNumber: 0, depends: ['__glibc >=2.17', '__unix'], subdir: 'linux-64' },
    });
    await indexChannel(join(dir, 'ch'));
    const channels = [join(dir, 'ch')];
    await solve(['needsglibc'], { channels, subdir: 'linux-64' }).then(() => assert.unreachable('solved'), (e) => assert.instance(e, SolveError));
    const got = await solve(['needsglibc'], { channels, subdir: 'linux-64', virtualPackages: virtualPackagesFor('linux-64') });
    assert.equal(got.map((r) => r.name), ['needsglibc']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

v.run();
