import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalChannel } from '../../core/conda/channel.ts';
import { cph } from '../../core/conda/fixtures/cph.ts';
import { hostileCases, infoMembers, writeHostilePackage } from '../../core/conda/fixtures/hostile.ts';
import { installEnvironment } from '../../core/conda/install.ts';
import { ArchiveError, UnsafeArchiveError } from '../../core/conda/safe-extract.ts';
import { PackageFormatError } from '../../core/conda/package-types.ts';
import { writeCondaPackage } from '../../core/conda/write-package.ts';
import { compareManifests, convertPackage, manifestOf, TransmuteMismatchError } from './convert.ts';
import { TransmutePool } from './pool.ts';
import { transmuter } from './index.ts';
import { transmuteArtifacts } from './transmute-artifacts.ts';
import { Engine } from '../../core/engine/engine.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';

/** A package of real shape: an executable script, a symlink to it, a binary, text in a deep folder. */
async function realPackage(root: string, name = 'tool', formats: ('tar.bz2' | 'conda')[] = ['tar.bz2']) {
  const files = join(root, `${name}-files`);
  mkdirSync(join(files, 'bin'), { recursive: true });
  mkdirSync(join(files, 'lib', 'python3.13', 'site-packages', name), { recursive: true });
  writeFileSync(join(files, 'bin', name), `#!/bin/sh\nexec python -m ${name} "$@"\n`);
  chmodSync(join(files, 'bin', name), 0o755);
  symlinkSync(name, join(files, 'bin', `${name}-1`));
  writeFileSync(join(files, 'lib', `lib${name}.so.1`), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
  symlinkSync(`lib${name}.so.1`, join(files, 'lib', `lib${name}.so`));
  writeFileSync(join(files, 'lib', 'python3.13', 'site-packages', name, '__init__.py'), `__version__ = "1.2"\n`.repeat(50));
  return writeCondaPackage({
    prefix: files,
    files: [`bin/${name}`, `bin/${name}-1`, `lib/lib${name}.so.1`, `lib/lib${name}.so`, `lib/python3.13/site-packages/${name}/__init__.py`],
    formats, zstdLevel: 19, outDir: join(root, 'built'),
    info: { name, version: '1.2', build: 'py313h0_0', buildNumber: 0, depends: [], subdir: 'linux-64', timestamp: 1_700_000_000_000, license: 'MIT' },
  });
}

/** Every file, symlink and mode under a dir (what an extraction left), for comparing trees. */
function tree(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, base)).sort()) {
    const rel = base ? `${base}/${name}` : name;
    const st = lstatSync(join(dir, rel));
    if (st.isDirectory()) Object.assign(out, tree(dir, rel));
    else if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(join(dir, rel))}`;
    else out[rel] = `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex')}`;
  }
  return out;
}

const s = suite('transmuter: convertPackage');

s('.tar.bz2 → .conda → .tar.bz2 gives the original bytes back; each equals what the package writer writes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const [bz2, conda] = await realPackage(root, 'tool', ['tar.bz2', 'conda']);
    const r1 = await convertPackage(bz2.path, join(root, 'out', 'tool-1.2-py313h0_0.conda'), { zstdLevel: 19 });
    assert.is(r1.status, 'written');
    assert.ok(readFileSync(r1.target).equals(readFileSync(conda.path)), 'the .conda is byte for byte the writer\'s');
    const r2 = await convertPackage(r1.target, join(root, 'back', 'tool-1.2-py313h0_0.tar.bz2'));
    assert.ok(readFileSync(r2.target).equals(readFileSync(bz2.path)), 'the .tar.bz2 made back is the original');
    assert.equal(compareManifests(await manifestOf(bz2.path), await manifestOf(r1.target)), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s("cph reads the outputs: cph x of ours equals cph x of the source; cph t of ours back equals the source's members", async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const [bz2] = await realPackage(root);
    const { target } = await convertPackage(bz2.path, join(root, 'out', 'tool-1.2-py313h0_0.conda'), { zstdLevel: 3 });
    cph(['x', bz2.path, '--dest', join(root, 'x-src')]);
    cph(['x', target, '--dest', join(root, 'x-ours')]);
    assert.equal(tree(join(root, 'x-ours')), tree(join(root, 'x-src')));
    assert.ok(tree(join(root, 'x-ours'))['bin/tool-1'] === '-> tool');
    mkdirSync(join(root, 'cph-back')); // cph t writes nothing (and exits 0) when the folder is missing
    cph(['t', target, '.tar.bz2', '--out-folder', join(root, 'cph-back')]);
    const back = join(root, 'cph-back', 'tool-1.2-py313h0_0.tar.bz2');
    assert.equal(compareManifests(await manifestOf(bz2.path), await manifestOf(back)), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('a package cph made (its own member order) converts both ways; cph reads the result', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const [bz2] = await realPackage(root);
    // cph t writes .conda members in its own order (no sorting, its own tar headers).
    mkdirSync(join(root, 'cph'));
    cph(['t', bz2.path, '.conda', '--out-folder', join(root, 'cph'), '--zstd-compression-level', '3']);
    const theirs = join(root, 'cph', 'tool-1.2-py313h0_0.conda');
    const { target } = await convertPackage(theirs, join(root, 'ours', 'tool-1.2-py313h0_0.tar.bz2'));
    assert.equal(compareManifests(await manifestOf(theirs), await manifestOf(target)), []);
    cph(['x', target, '--dest', join(root, 'x')]);
    cph(['x', bz2.path, '--dest', join(root, 'x-src')]);
    assert.equal(tree(join(root, 'x')), tree(join(root, 'x-src')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('idempotent: a valid output is kept (not rewritten); an invalid one is replaced', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const [bz2] = await realPackage(root);
    const to = join(root, 'out', 'tool-1.2-py313h0_0.conda');
    await convertPackage(bz2.path, to, { zstdLevel: 3 });
    const before = lstatSync(to);
    assert.is((await convertPackage(bz2.path, to, { zstdLevel: 3 })).status, 'kept');
    assert.is(lstatSync(to).ino, before.ino);
    truncateSync(to, 200);
    assert.is((await convertPackage(bz2.path, to, { zstdLevel: 3 })).status, 'written');
    assert.equal(compareManifests(await manifestOf(bz2.path), await manifestOf(to)), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('verified: an output that differs from the source is deleted and the error names the member and field', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const [bz2] = await realPackage(root);
    const [other] = await realPackage(join(root, 'o'), 'tool', ['conda']);
    const other2 = join(root, 'o', 'built', 'tool-1.2-py313h0_0.conda');
    writeFileSync(join(root, 'o', 'tool-files', 'lib', 'libtool.so.1'), 'changed');
    await writeCondaPackage({
      prefix: join(root, 'o', 'tool-files'), files: ['lib/libtool.so.1'], formats: ['conda'], zstdLevel: 1, outDir: join(root, 'o2'),
      info: { name: 'tool', version: '1.2', build: 'py313h0_0', buildNumber: 0, depends: [], subdir: 'linux-64', timestamp: 1_700_000_000_000 },
    });
    assert.ok(other.path === other2);
    const to = join(root, 'out', 'tool-1.2-py313h0_0.conda');
    // Between the write and the read-back, the output is replaced by another package's bytes.
    const err = await convertPackage(bz2.path, to, {
      zstdLevel: 3,
      beforeVerify: async (path) => writeFileSync(path, readFileSync(join(root, 'o2', 'tool-1.2-py313h0_0.conda'))),
    }).catch((e) => e);
    assert.instance(err, TransmuteMismatchError);
    assert.ok(err.differences.includes('lib/libtool.so.1: size 300000 in the source, 7 in the output'), err.differences.join('\n'));
    assert.ok(err.differences.includes('bin/tool: missing from the output'), err.differences.join('\n'));
    assert.match(err.message, /bin\/tool: missing from the output/);
    assert.match(err.message, /it was deleted/);
    assert.not.ok(existsSync(to), 'the output is gone');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('refuses unsafe and broken archives with a clear error, and writes no output', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const cases = [
      ...hostileCases('/tmp/outside').filter((c) => /absolute symlink|climbing symlink|hard link to a path|member name that climbs|fifo/.test(c.what)),
      { what: 'absolute member name', members: [{ name: '/etc/passwd', type: 'file' as const, data: 'x' }], reason: /member '\/etc\/passwd' would be written outside/ },
      { what: 'duplicate file', members: [{ name: 'a.txt', type: 'file' as const, data: 'x' }, { name: 'a.txt', type: 'file' as const, data: 'y' }], reason: /member 'a\.txt' appears twice/ },
    ];
    for (const format of ['tar.bz2', 'conda'] as const) {
      for (const c of cases) {
        const dir = join(root, `${format}-${cases.indexOf(c)}`);
        const src = await writeHostilePackage(dir, format, c.members as never, infoMembers());
        const to = join(dir, 'out', format === 'conda' ? 'evil-1.0-0.tar.bz2' : 'evil-1.0-0.conda');
        const err = await convertPackage(src, to, { zstdLevel: 1 }).catch((e) => e);
        assert.instance(err, UnsafeArchiveError, `${format} ${c.what}: ${String(err)}`);
        assert.match(err.message, c.reason, `${format} ${c.what}`);
        assert.match(err.message, src);
        assert.not.ok(existsSync(to), `${format} ${c.what}: no output`);
        assert.equal(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : [], [], 'no temp or spill files left');
      }
    }
    // Truncated and corrupt streams.
    const [bz2] = await realPackage(root, 'cut', ['tar.bz2']);
    const cut = join(root, 'cut', 'cut-1.2-py313h0_0.tar.bz2');
    mkdirSync(join(root, 'cut'));
    writeFileSync(cut, readFileSync(bz2.path).subarray(0, Math.floor(bz2.size / 2)));
    const e1 = await convertPackage(cut).catch((e) => e);
    assert.instance(e1, PackageFormatError, String(e1));
    assert.match(e1.message, /truncated or corrupt/);
    assert.not.ok(existsSync(join(root, 'cut', 'cut-1.2-py313h0_0.conda')));
    const flipped = readFileSync(bz2.path);
    for (let i = 200; i < 400; i++) flipped[i] ^= 0xff;
    writeFileSync(cut, flipped);
    const e2 = await convertPackage(cut).catch((e) => e);
    assert.instance(e2, ArchiveError, String(e2));
    assert.not.ok(existsSync(join(root, 'cut', 'cut-1.2-py313h0_0.conda')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('large members spill to disk (memory limit) and convert the same', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const [bz2, conda] = await realPackage(root, 'big', ['tar.bz2', 'conda']);
    const { target } = await convertPackage(bz2.path, join(root, 'out', 'big-1.2-py313h0_0.conda'), { zstdLevel: 19, memoryLimit: 1000 });
    assert.ok(readFileSync(target).equals(readFileSync(conda.path)));
    assert.equal(readdirSync(join(root, 'out')), ['big-1.2-py313h0_0.conda']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const p = suite('transmuter: worker pool and plugin');

p('the pool converts on worker threads; the artifacts come back with the .conda, which installs through the shared installer', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  const pool = new TransmutePool(2);
  try {
    const built = [...(await realPackage(root, 'alpha')), ...(await realPackage(root, 'beta'))];
    const out = await transmuteArtifacts(built, (source, target) => pool.convert(source, target, { zstdLevel: 3 }));
    assert.equal(out.map((a) => a.filename), ['alpha-1.2-py313h0_0.tar.bz2', 'beta-1.2-py313h0_0.tar.bz2', 'alpha-1.2-py313h0_0.conda', 'beta-1.2-py313h0_0.conda']);
    for (const a of out) {
      assert.is(a.sha256, createHash('sha256').update(readFileSync(a.path)).digest('hex'));
      assert.is(a.subdir, 'linux-64');
    }
    // Errors cross the thread boundary as the same class.
    writeFileSync(join(root, 'bad-1-0.tar.bz2'), 'not bzip2');
    const err = await pool.convert(join(root, 'bad-1-0.tar.bz2'), join(root, 'bad-1-0.conda')).catch((e) => e);
    assert.instance(err, PackageFormatError);
    // Only the .conda files go to a channel; the installer solves and extracts them.
    const channel = new LocalChannel(join(root, 'channel'));
    await channel.add(out.filter((a) => a.filename.endsWith('.conda')));
    const prefix = join(root, 'env');
    await installEnvironment({ specs: ['alpha', 'beta'], subdir: 'linux-64', channels: [join(root, 'channel')], prefix, downloadDir: join(root, 'dl'), pythonVersion: '3.13', label: 'test', log: () => {} });
    assert.is(readlinkSync(join(prefix, 'bin', 'alpha-1')), 'alpha');
    assert.is(lstatSync(join(prefix, 'bin', 'beta')).mode & 0o777, 0o755);
    assert.is(readFileSync(join(prefix, 'lib', 'libbeta.so.1')).length, 300_000);
  } finally {
    await pool.close();
    rmSync(root, { recursive: true, force: true });
  }
});

p('the plugin taps run.hooks.transmute with the configured level; transmute.enabled: false taps nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transmute-'));
  try {
    const off = new Engine(fakeConfig(root, [transmuter()], { transmute: { enabled: false } })).createRun();
    assert.is(off.hooks.transmute.taps.length, 0);
    const on = new Engine(fakeConfig(root, [transmuter()], { transmute: { zstdLevel: 1, threads: 1 } })).createRun();
    assert.equal(on.hooks.transmute.taps.map((t) => t.name), ['rebuild:transmuter']);
    const built = await realPackage(root, 'gamma');
    const out = await on.hooks.transmute.promise(built, { log: () => {} } as never);
    assert.equal(out.map((a) => a.filename), ['gamma-1.2-py313h0_0.tar.bz2', 'gamma-1.2-py313h0_0.conda']);
    // Level 1 was used: the same conversion at level 1 here gives the same bytes.
    const { target } = await convertPackage(built[0].path, join(root, 'l1', 'gamma-1.2-py313h0_0.conda'), { zstdLevel: 1 });
    assert.ok(readFileSync(target).equals(readFileSync(out[1].path)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s.run();
p.run();
