import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, chmodSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cph } from './fixtures/cph.ts';
import { placeholderPrefix } from './prefix-placeholder.ts';
import { PackageFormatError } from './package-types.ts';
import { extractPackage, readPackageIndex } from './read-package.ts';
import { writeCondaPackage, type PackageInfo } from './write-package.ts';

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'read-package-'));
  const buildPrefix = placeholderPrefix(root);
  mkdirSync(join(buildPrefix, 'bin'), { recursive: true });
  mkdirSync(join(buildPrefix, 'lib'), { recursive: true });
  writeFileSync(join(buildPrefix, 'bin/tool'), `#!${buildPrefix}/bin/python\nPREFIX = "${buildPrefix}"\n`);
  chmodSync(join(buildPrefix, 'bin/tool'), 0o755);
  const binary = Buffer.concat([Buffer.from('\x7fELF\0\0'), Buffer.from(`${buildPrefix}/lib:${buildPrefix}/x\0`), Buffer.from('after\0')]);
  writeFileSync(join(buildPrefix, 'lib/libtool.so'), binary);
  symlinkSync('libtool.so', join(buildPrefix, 'lib/libtool.so.1'));
  const info: PackageInfo = { name: 'tool', version: '2.0', build: 'h0_0', buildNumber: 0, depends: ['libc'], subdir: 'linux-64', timestamp: 1_700_000_000_000 };
  const files = ['bin/tool', 'lib/libtool.so', 'lib/libtool.so.1'];
  return { root, buildPrefix, binary, info, files, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const index = suite('readPackageIndex');

index('reads info/index.json from both formats :: written by writeCondaPackage', async () => {
  const f = fixture();
  try {
    const artifacts = await writeCondaPackage({ prefix: f.buildPrefix, files: f.files, info: f.info, outDir: join(f.root, 'out'), formats: ['tar.bz2', 'conda'], zstdLevel: 1 });
    for (const a of artifacts) {
      const idx = await readPackageIndex(a.path);
      assert.is(idx.name, 'tool');
      assert.equal(idx.depends, ['libc']);
      assert.is(idx.timestamp, 1_700_000_000_000);
    }
  } finally {
    f.cleanup();
  }
});

index('reads packages written by cph (streamed zstd frames) :: cph create .conda and .tar.bz2', async () => {
  const f = fixture();
  try {
    const src = join(f.root, 'src');
    mkdirSync(join(src, 'info'), { recursive: true });
    mkdirSync(join(src, 'share'), { recursive: true });
    writeFileSync(join(src, 'info/index.json'), JSON.stringify({ name: 'ref', version: '1', build: '0', build_number: 0, depends: [], subdir: 'noarch' }));
    writeFileSync(join(src, 'share/data.txt'), 'x'.repeat(100_000));
    mkdirSync(join(f.root, 'cph'));
    for (const fn of ['ref-1-0.conda', 'ref-1-0.tar.bz2']) {
      cph(['create', '--out-folder', join(f.root, 'cph'), src, fn]);
      const path = join(f.root, 'cph', fn);
      assert.is((await readPackageIndex(path)).name, 'ref');
      const prefix = join(f.root, `env-${fn}`);
      const res = await extractPackage(path, prefix);
      assert.equal(res.files, ['share/data.txt']);
      assert.is(readFileSync(join(prefix, 'share/data.txt'), 'utf8').length, 100_000);
    }
  } finally {
    f.cleanup();
  }
});

index('names the file when it is not a package :: garbage .conda, truncated .tar.bz2, wrong extension', async () => {
  const f = fixture();
  try {
    const bad = join(f.root, 'bad-1-0.conda');
    writeFileSync(bad, 'not a zip');
    await readPackageIndex(bad).then(
      () => assert.unreachable(),
      (err) => {
        assert.instance(err, PackageFormatError);
        assert.match(err.message, bad);
      },
    );
    const [a] = await writeCondaPackage({ prefix: f.buildPrefix, files: f.files, info: f.info, outDir: join(f.root, 'out') });
    truncateSync(a.path, 40);
    await readPackageIndex(a.path).then(
      () => assert.unreachable(),
      (err) => {
        assert.instance(err, PackageFormatError);
        assert.match(err.message, a.path);
      },
    );
    await readPackageIndex(join(f.root, 'x.zip')).then(
      () => assert.unreachable(),
      (err) => assert.match(err.message, /not a conda package/),
    );
  } finally {
    f.cleanup();
  }
});

index.run();

const extract = suite('extractPackage');

extract('installs the files and replaces the placeholder :: text grows, binary keeps its size', async () => {
  const f = fixture();
  try {
    const artifacts = await writeCondaPackage({ prefix: f.buildPrefix, files: f.files, info: f.info, outDir: join(f.root, 'out'), formats: ['tar.bz2', 'conda'], zstdLevel: 1 });
    for (const a of artifacts) {
      const prefix = join(f.root, `env-${a.filename}`);
      const res = await extractPackage(a.path, prefix);
      assert.equal(res.files, f.files);
      assert.is(readFileSync(join(prefix, 'bin/tool'), 'utf8'), `#!${prefix}/bin/python\nPREFIX = "${prefix}"\n`);
      assert.is(statSync(join(prefix, 'bin/tool')).mode & 0o777, 0o755);
      const bin = readFileSync(join(prefix, 'lib/libtool.so'));
      assert.is(bin.length, f.binary.length);
      const cstr = `${prefix}/lib:${prefix}/x`;
      assert.is(bin.subarray(6, 6 + cstr.length).toString(), cstr);
      assert.ok(bin.subarray(6 + cstr.length, bin.indexOf('after')).every((b) => b === 0), 'NUL padding');
      assert.is(bin.indexOf('after'), f.binary.indexOf('after'));
      assert.is(readlinkSync(join(prefix, 'lib/libtool.so.1')), 'libtool.so');
      assert.not.ok(existsSync(join(prefix, 'info')), 'info/ is not installed');
      const meta = JSON.parse(readFileSync(join(prefix, 'conda-meta/tool-2.0-h0_0.json'), 'utf8'));
      assert.equal(meta.files, f.files);
      assert.is(meta.name, 'tool');
    }
  } finally {
    f.cleanup();
  }
});

extract('uses the legacy has_prefix when paths.json is absent :: cph-created package', async () => {
  const f = fixture();
  try {
    const src = join(f.root, 'src');
    mkdirSync(join(src, 'info'), { recursive: true });
    mkdirSync(join(src, 'etc'), { recursive: true });
    writeFileSync(join(src, 'info/index.json'), JSON.stringify({ name: 'old', version: '1', build: '0', build_number: 0, depends: [], subdir: 'linux-64' }));
    writeFileSync(join(src, 'info/has_prefix'), '/opt/anaconda1anaconda2anaconda3 text etc/conf\netc/conf2\n');
    writeFileSync(join(src, 'etc/conf'), 'root=/opt/anaconda1anaconda2anaconda3\n');
    writeFileSync(join(src, 'etc/conf2'), 'home=/opt/anaconda1anaconda2anaconda3/x\n');
    mkdirSync(join(f.root, 'cph'));
    cph(['create', '--out-folder', join(f.root, 'cph'), src, 'old-1-0.tar.bz2']);
    const prefix = join(f.root, 'env');
    await extractPackage(join(f.root, 'cph', 'old-1-0.tar.bz2'), prefix);
    assert.is(readFileSync(join(prefix, 'etc/conf'), 'utf8'), `root=${prefix}\n`);
    assert.is(readFileSync(join(prefix, 'etc/conf2'), 'utf8'), `home=${prefix}/x\n`);
  } finally {
    f.cleanup();
  }
});

extract('relocates noarch: python files for the prefix python :: site-packages, python-scripts', async () => {
  const f = fixture();
  try {
    const stage = join(f.root, 'stage');
    mkdirSync(join(stage, 'site-packages/mod'), { recursive: true });
    mkdirSync(join(stage, 'python-scripts'), { recursive: true });
    writeFileSync(join(stage, 'site-packages/mod/__init__.py'), 'A = 1\n');
    writeFileSync(join(stage, 'python-scripts/mod-cli'), '#!/usr/bin/env python\n');
    const [a] = await writeCondaPackage({
      prefix: stage, files: ['site-packages/mod/__init__.py', 'python-scripts/mod-cli'],
      info: { ...f.info, name: 'mod', subdir: 'noarch', noarch: 'python' }, outDir: join(f.root, 'out'),
    });
    const prefix = join(f.root, 'env');
    const res = await extractPackage(a.path, prefix, { pythonVersion: '3.13' });
    assert.equal(res.files, ['bin/mod-cli', 'lib/python3.13/site-packages/mod/__init__.py']);
    assert.is(readFileSync(join(prefix, 'lib/python3.13/site-packages/mod/__init__.py'), 'utf8'), 'A = 1\n');
    assert.not.ok(existsSync(join(prefix, 'site-packages')));
  } finally {
    f.cleanup();
  }
});

extract.run();
