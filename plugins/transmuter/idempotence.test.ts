// The transmuter's idempotence is "the existing output holds what the current source holds", never
// "an output exists": a .conda left from an earlier build of the same name-version-build (a rebuilt
// package, other content) is replaced, whether it is only on disk or also among the artifacts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File } from '../../core/conda/file-hash.ts';
import { writeCondaPackage } from '../../core/conda/write-package.ts';
import type { Artifact } from '../../core/model/types.ts';
import { compareManifests, convertPackage, manifestOf } from './convert.ts';
import { transmuteArtifacts } from './transmute-artifacts.ts';

/** libpkg-1.0-py313_0 with `VALUE = value` in its module, in `formats`, written to `outDir`. */
async function build(root: string, value: number, outDir: string, formats: ('tar.bz2' | 'conda')[]): Promise<Artifact[]> {
  const files = join(root, `files-${value}`);
  mkdirSync(join(files, 'lib', 'python3.13', 'site-packages', 'libpkg'), { recursive: true });
  writeFileSync(join(files, 'lib', 'python3.13', 'site-packages', 'libpkg', '__init__.py'), `VALUE = ${value}\n`);
  return writeCondaPackage({
    prefix: files, files: ['lib/python3.13/site-packages/libpkg/__init__.py'], formats, zstdLevel: 3, outDir,
    info: { name: 'libpkg', version: '1.0', build: 'py313_0', buildNumber: 0, depends: ['python'], subdir: 'linux-64', timestamp: 1_700_000_000_000, license: 'MIT' },
  });
}

const s = suite('transmuter: idempotence is equal content');

s('convertPackage: a valid .conda of an earlier build (same name, other content) is replaced, not kept', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-idem-'));
  try {
    const channel = join(root, 'channel', 'linux-64');
    const [oldConda] = await build(root, 1, channel, ['conda']);
    const [bz2] = await build(root, 2, channel, ['tar.bz2']);
    const r = await convertPackage(bz2.path, oldConda.path, { zstdLevel: 3 });
    assert.is(r.status, 'written');
    assert.equal(compareManifests(await manifestOf(bz2.path), await manifestOf(oldConda.path)), []);
    // And the same content is kept.
    assert.is((await convertPackage(bz2.path, oldConda.path, { zstdLevel: 3 })).status, 'kept');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('transmuteArtifacts: a .conda among the artifacts that does not hold what the .tar.bz2 holds is converted again', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-idem-'));
  try {
    const channel = join(root, 'channel', 'linux-64');
    const [oldConda] = await build(root, 1, channel, ['conda']);
    const [bz2] = await build(root, 2, channel, ['tar.bz2']);
    const out = await transmuteArtifacts([bz2, oldConda], (source, target) => convertPackage(source, target, { zstdLevel: 3 }));
    assert.equal(out.map((a) => a.filename), ['libpkg-1.0-py313_0.tar.bz2', 'libpkg-1.0-py313_0.conda']);
    assert.equal(compareManifests(await manifestOf(bz2.path), await manifestOf(oldConda.path)), [], 'the .conda holds the new build');
    assert.is(out[1].sha256, await sha256File(oldConda.path), 'the returned artifact carries the new hash');
    // Both formats of one build: the .conda is checked against the .tar.bz2 and kept as it is.
    const [bz2b, condab] = await build(root, 3, join(root, 'both', 'linux-64'), ['tar.bz2', 'conda']);
    const before = await sha256File(condab.path);
    const again = await transmuteArtifacts([bz2b, condab], (source, target) => convertPackage(source, target, { zstdLevel: 3 }));
    assert.equal(again.map((a) => [a.filename, a.sha256]), [[bz2b.filename, bz2b.sha256], [condab.filename, before]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('transmuteArtifacts: a file that is not a conda package (a plugin\'s wheel) passes through, nothing converted', async () => {
  const wheel: Artifact = { path: '/nowhere/foo-1.0-py3-none-any.whl', filename: 'foo-1.0-py3-none-any.whl', subdir: 'linux-64', name: 'foo', version: '1.0', build: 'py3-none-any', sha256: 'a'.repeat(64), size: 1 };
  let converted = 0;
  const out = await transmuteArtifacts([wheel], async () => void converted++);
  assert.equal(out, [wheel]);
  assert.is(converted, 0);
});

s.run();
