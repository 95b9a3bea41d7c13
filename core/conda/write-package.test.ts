import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cph } from './fixtures/cph.ts';
import { placeholderPrefix } from './prefix-placeholder.ts';
import { DEFAULT_TIMESTAMP_MS, writeCondaPackage, WritePackageError, type PackageInfo } from './write-package.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'write-package-'));
  const prefix = placeholderPrefix(root);
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(join(prefix, 'lib/python3.13/site-packages/foo'), { recursive: true });
  writeFileSync(join(prefix, 'bin/foo'), `#!${prefix}/bin/python\nimport foo\n`);
  chmodSync(join(prefix, 'bin/foo'), 0o755);
  writeFileSync(join(prefix, 'lib/python3.13/site-packages/foo/__init__.py'), 'VALUE = 42\n');
  writeFileSync(join(prefix, 'lib/libfoo.so'), Buffer.concat([Buffer.from('\x7fELF\0\0\0'), Buffer.from(`${prefix}/lib\0`), Buffer.alloc(16)]));
  symlinkSync('libfoo.so', join(prefix, 'lib/libfoo.so.1'));
  const recipe = join(root, 'recipe');
  mkdirSync(recipe);
  writeFileSync(join(recipe, 'meta.yaml'), 'package: {name: foo}\n');
  const files = ['bin/foo', 'lib/python3.13/site-packages/foo/__init__.py', 'lib/libfoo.so', 'lib/libfoo.so.1'];
  const info: PackageInfo = {
    name: 'foo', version: '1.2.3', build: 'py313h0_1', buildNumber: 1, depends: ['python >=3.13,<3.14', 'libzlib'],
    constrains: ['foo-extra >=1'], subdir: 'linux-64', license: 'BSD-3-Clause', timestamp: 1_700_000_000_123,
    about: { summary: 'foo' }, recipeDir: recipe,
  };
  return { root, prefix, files, info, out: join(root, 'channel', 'linux-64'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const s = suite('writeCondaPackage');

s('writes both formats that cph extracts, with right index.json and paths.json :: tar.bz2 + conda', async () => {
  const f = fixture();
  try {
    const artifacts = await writeCondaPackage({ prefix: f.prefix, files: f.files, info: f.info, outDir: f.out, formats: ['tar.bz2', 'conda'], zstdLevel: 3 });
    assert.equal(artifacts.map((a) => a.filename), ['foo-1.2.3-py313h0_1.tar.bz2', 'foo-1.2.3-py313h0_1.conda']);
    // Nothing but the two packages in the output dir (temp files are gone).
    assert.equal(readdirSync(f.out).sort(), ['foo-1.2.3-py313h0_1.conda', 'foo-1.2.3-py313h0_1.tar.bz2']);
    for (const a of artifacts) {
      assert.is(a.size, statSync(a.path).size);
      assert.is(a.sha256, sha256(readFileSync(a.path)));
      const dest = join(f.root, `x-${a.filename}`);
      cph(['extract', '--dest', dest, a.path]);
      const index = JSON.parse(readFileSync(join(dest, 'info/index.json'), 'utf8'));
      assert.equal(index, {
        arch: 'x86_64', build: 'py313h0_1', build_number: 1, constrains: ['foo-extra >=1'],
        depends: ['python >=3.13,<3.14', 'libzlib'], license: 'BSD-3-Clause', name: 'foo', platform: 'linux',
        subdir: 'linux-64', timestamp: 1_700_000_000_123, version: '1.2.3',
      });
      const paths = JSON.parse(readFileSync(join(dest, 'info/paths.json'), 'utf8'));
      assert.is(paths.paths_version, 1);
      const byPath = Object.fromEntries(paths.paths.map((p: any) => [p._path, p]));
      assert.equal(Object.keys(byPath), [...f.files].sort());
      for (const file of ['bin/foo', 'lib/python3.13/site-packages/foo/__init__.py', 'lib/libfoo.so']) {
        const data = readFileSync(join(dest, file));
        assert.equal(data, readFileSync(join(f.prefix, file)), file);
        assert.is(byPath[file].sha256, sha256(data), file);
        assert.is(byPath[file].size_in_bytes, data.length, file);
        assert.is(byPath[file].path_type, 'hardlink');
      }
      assert.is(byPath['bin/foo'].prefix_placeholder, f.prefix);
      assert.is(byPath['bin/foo'].file_mode, 'text');
      assert.is(byPath['lib/libfoo.so'].prefix_placeholder, f.prefix);
      assert.is(byPath['lib/libfoo.so'].file_mode, 'binary');
      assert.is(byPath['lib/python3.13/site-packages/foo/__init__.py'].prefix_placeholder, undefined);
      assert.is(byPath['lib/libfoo.so.1'].path_type, 'softlink');
      assert.is(readlinkSync(join(dest, 'lib/libfoo.so.1')), 'libfoo.so');
      assert.is(statSync(join(dest, 'bin/foo')).mode & 0o777, 0o755);
      assert.is(readFileSync(join(dest, 'info/files'), 'utf8'), `${[...f.files].sort().join('\n')}\n`);
      assert.is(
        readFileSync(join(dest, 'info/has_prefix'), 'utf8'),
        `${f.prefix} text bin/foo\n${f.prefix} binary lib/libfoo.so\n`,
      );
      assert.equal(JSON.parse(readFileSync(join(dest, 'info/about.json'), 'utf8')), { summary: 'foo' });
      assert.is(readFileSync(join(dest, 'info/recipe/meta.yaml'), 'utf8'), 'package: {name: foo}\n');
    }
  } finally {
    f.cleanup();
  }
});

s('.conda is a zip of STORED members in conda order :: metadata.json, pkg, info', async () => {
  const f = fixture();
  try {
    const [a] = await writeCondaPackage({ prefix: f.prefix, files: f.files, info: f.info, outDir: f.out, formats: ['conda'], zstdLevel: 3 });
    const listing = execFileSync('python3', ['-c', `
import zipfile, sys, json
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([[i.filename, i.compress_type] for i in z.infolist()]))
print(z.read('metadata.json').decode())
`, a.path], { encoding: 'utf8' }).split('\n');
    assert.equal(JSON.parse(listing[0]), [
      ['metadata.json', 0],
      ['pkg-foo-1.2.3-py313h0_1.tar.zst', 0],
      ['info-foo-1.2.3-py313h0_1.tar.zst', 0],
    ]);
    assert.equal(JSON.parse(listing[1]), { conda_pkg_format_version: 2 });
    // cph --info extracts only the info member: no package files.
    const dest = join(f.root, 'info-only');
    cph(['extract', '--info', '--dest', dest, a.path]);
    assert.equal(readdirSync(dest), ['info']);
  } finally {
    f.cleanup();
  }
});

s('the same inputs and timestamp give the same bytes :: tar.bz2 twice', async () => {
  const f = fixture();
  try {
    const [a] = await writeCondaPackage({ prefix: f.prefix, files: f.files, info: f.info, outDir: join(f.root, 'o1') });
    const [b] = await writeCondaPackage({ prefix: f.prefix, files: [...f.files].reverse(), info: f.info, outDir: join(f.root, 'o2') });
    assert.is(a.sha256, b.sha256);
  } finally {
    f.cleanup();
  }
});

s('no timestamp given: the fixed default, not the clock :: both formats written a second apart are the same', async () => {
  const f = fixture();
  try {
    const { timestamp: _, ...info } = f.info;
    const first = await writeCondaPackage({ prefix: f.prefix, files: f.files, info, outDir: join(f.root, 'o1'), formats: ['tar.bz2', 'conda'] });
    await new Promise((r) => setTimeout(r, 1100));
    const second = await writeCondaPackage({ prefix: f.prefix, files: f.files, info, outDir: join(f.root, 'o2'), formats: ['tar.bz2', 'conda'] });
    assert.equal(second.map((a) => a.sha256), first.map((a) => a.sha256));
    const dest = join(f.root, 'x');
    cph(['extract', '--dest', dest, first[1].path]);
    assert.is(JSON.parse(readFileSync(join(dest, 'info/index.json'), 'utf8')).timestamp, DEFAULT_TIMESTAMP_MS);
  } finally {
    f.cleanup();
  }
});

s('packagedPlaceholder: files holding the build prefix carry it instead, binaries keep their size; another length is refused', async () => {
  const f = fixture();
  try {
    const fixed = placeholderPrefix('/opt/fixed', 'h_env', f.prefix.length);
    const [a] = await writeCondaPackage({ prefix: f.prefix, files: f.files, info: f.info, outDir: f.out, packagedPlaceholder: fixed });
    const dest = join(f.root, 'x');
    cph(['extract', '--dest', dest, a.path]);
    const paths = JSON.parse(readFileSync(join(dest, 'info/paths.json'), 'utf8')).paths as { _path: string; prefix_placeholder?: string; sha256: string; size_in_bytes: number }[];
    for (const file of ['bin/foo', 'lib/libfoo.so']) {
      const data = readFileSync(join(dest, file));
      const entry = paths.find((p) => p._path === file)!;
      assert.is(entry.prefix_placeholder, fixed);
      assert.is(entry.sha256, sha256(data));
      assert.is(entry.size_in_bytes, statSync(join(f.prefix, file)).size);
      assert.ok(data.includes(fixed) && !data.includes(f.prefix), file);
    }
    assert.is(statSync(join(dest, 'bin/foo')).mode & 0o777, 0o755);
    assert.match(readFileSync(join(dest, 'info/has_prefix'), 'utf8'), `${fixed} binary lib/libfoo.so`);
    try {
      await writeCondaPackage({ prefix: f.prefix, files: f.files, info: f.info, outDir: f.out, packagedPlaceholder: '/opt/short' });
      assert.unreachable('a placeholder of another length is refused');
    } catch (err) {
      assert.instance(err, WritePackageError);
      assert.match(String(err), /must be as long/);
    }
  } finally {
    f.cleanup();
  }
});

s('noarch packages have null arch/platform, a noarch field and link.json :: noarch python', async () => {
  const f = fixture();
  try {
    const info: PackageInfo = { ...f.info, subdir: 'noarch', noarch: 'python', build: 'pyh0_1' };
    const [a] = await writeCondaPackage({ prefix: f.prefix, files: ['lib/python3.13/site-packages/foo/__init__.py'], info, outDir: f.out });
    const dest = join(f.root, 'x');
    cph(['extract', '--dest', dest, a.path]);
    const index = JSON.parse(readFileSync(join(dest, 'info/index.json'), 'utf8'));
    assert.is(index.arch, null);
    assert.is(index.platform, null);
    assert.is(index.noarch, 'python');
    assert.is(index.subdir, 'noarch');
    assert.equal(JSON.parse(readFileSync(join(dest, 'info/link.json'), 'utf8')), { noarch: { type: 'python' }, package_metadata_version: 1 });
  } finally {
    f.cleanup();
  }
});

s('rejects bad file lists, naming the file :: info/, .., missing', async () => {
  const f = fixture();
  try {
    for (const [file, msg] of [['info/index.json', /under info\//], ['../x', /clean path/], ['bin/missing', /does not exist/]] as const) {
      await writeCondaPackage({ prefix: f.prefix, files: [file], info: f.info, outDir: f.out }).then(
        () => assert.unreachable(file),
        (err) => {
          assert.instance(err, WritePackageError);
          assert.match((err as Error).message, msg);
          assert.match((err as Error).message, file);
        },
      );
    }
    assert.is(readdirSync(f.root).includes('channel'), false, 'nothing written');
  } finally {
    f.cleanup();
  }
});

s.run();
