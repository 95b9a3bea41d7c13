import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { simpleSolve } from '@conda-org/rattler';
import { serveChannels } from './channel-server.ts';
import { ChannelError, ChannelIndexWriter, indexChannel, readRepodata, repodataRecords } from './repodata.ts';
import { closeIndexThread, indexThreadStats, indexWriteThread } from './index-thread.ts';
import { forgetGenerations, writeGeneration, type WirePart } from './generation-write.ts';
import { decompress } from 'zstd-napi';
import { PackageFormatError } from './package-types.ts';
import { writeCondaPackage, type PackageInfo } from './write-package.ts';

async function channel() {
  const root = mkdtempSync(join(tmpdir(), 'repodata-'));
  const files = join(root, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'a.txt'), 'a\n');
  const ch = join(root, 'channel');
  const pkg = async (info: Partial<PackageInfo>, formats: ('tar.bz2' | 'conda')[] = ['tar.bz2']) =>
    writeCondaPackage({
      prefix: files, files: ['a.txt'], formats, zstdLevel: 1,
      info: { name: 'x', version: '1', build: '0', buildNumber: 0, depends: [], subdir: 'linux-64', timestamp: 1_700_000_000_000, ...info },
      outDir: join(ch, info.subdir ?? 'linux-64'),
    });
  await pkg({ name: 'python', version: '3.13.1', build: 'h0_0', license: 'PSF-2.0' });
  await pkg({ name: 'python', version: '3.12.8', build: 'h0_0' });
  await pkg({ name: 'numpy', version: '2.1.0', build: 'py313h0_0', depends: ['python >=3.13,<3.14'], constrains: ['scipy >=1.10'] }, ['conda']);
  await pkg({ name: 'six', version: '1.16.0', build: 'pyh0_0', subdir: 'noarch', noarch: 'python', depends: ['python'] });
  return { root, ch, pkg, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const s = suite('indexChannel + readRepodata');

s('indexes .tar.bz2 into packages and .conda into packages.conda, with digests :: linux-64 + noarch', async () => {
  const c = await channel();
  try {
    await indexChannel(c.ch);
    const rd = await readRepodata(c.ch, 'linux-64');
    assert.equal(rd.info, { subdir: 'linux-64' });
    assert.is(rd.repodata_version, 1);
    assert.equal(Object.keys(rd.packages), ['python-3.12.8-h0_0.tar.bz2', 'python-3.13.1-h0_0.tar.bz2']);
    assert.equal(Object.keys(rd['packages.conda']), ['numpy-2.1.0-py313h0_0.conda']);
    const np = rd['packages.conda']['numpy-2.1.0-py313h0_0.conda'];
    const bytes = readFileSync(join(c.ch, 'linux-64', 'numpy-2.1.0-py313h0_0.conda'));
    assert.is(np.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.is(np.md5, createHash('md5').update(bytes).digest('hex'));
    assert.is(np.size, bytes.length);
    assert.equal(np.depends, ['python >=3.13,<3.14']);
    assert.equal(np.constrains, ['scipy >=1.10']);
    assert.is(rd.packages['python-3.13.1-h0_0.tar.bz2'].license, 'PSF-2.0');
    assert.is(rd.packages['python-3.13.1-h0_0.tar.bz2'].timestamp, 1_700_000_000_000);
    const noarch = await readRepodata(c.ch, 'noarch');
    assert.is(noarch.packages['six-1.16.0-pyh0_0.tar.bz2'].noarch, 'python');
    assert.equal(repodataRecords(rd).map((r) => r.record.name), ['python', 'python', 'numpy']);
    // No temp file is left next to the index.
    assert.equal(readdirSync(join(c.ch, 'linux-64')).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    c.cleanup();
  }
});

s('always writes noarch/repodata.json :: channel without noarch packages', async () => {
  const root = mkdtempSync(join(tmpdir(), 'repodata-'));
  try {
    mkdirSync(join(root, 'linux-64'));
    await indexChannel(root, ['linux-64']);
    assert.equal(JSON.parse(readFileSync(join(root, 'noarch', 'repodata.json'), 'utf8')).packages, {});
    assert.equal(Object.keys((await readRepodata(root, 'linux-64')).packages), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

s('re-indexing reuses cached records until a file changes :: size+mtime key', async () => {
  const c = await channel();
  try {
    await indexChannel(c.ch, ['linux-64']);
    // Tamper with the cached record: an unchanged file must not be re-read.
    const cacheFile = join(c.ch, 'linux-64', '.rebuild-index-cache.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    cache.entries['python-3.13.1-h0_0.tar.bz2'].record.license = 'from-cache';
    writeFileSync(cacheFile, JSON.stringify(cache));
    await indexChannel(c.ch, ['linux-64']);
    assert.is((await readRepodata(c.ch, 'linux-64')).packages['python-3.13.1-h0_0.tar.bz2'].license, 'from-cache');
    // A new mtime invalidates the entry; a removed file leaves the index.
    utimesSync(join(c.ch, 'linux-64', 'python-3.13.1-h0_0.tar.bz2'), new Date(), new Date(Date.now() + 5000));
    rmSync(join(c.ch, 'linux-64', 'python-3.12.8-h0_0.tar.bz2'));
    await indexChannel(c.ch, ['linux-64']);
    const rd = await readRepodata(c.ch, 'linux-64');
    assert.is(rd.packages['python-3.13.1-h0_0.tar.bz2'].license, 'PSF-2.0');
    assert.equal(Object.keys(rd.packages), ['python-3.13.1-h0_0.tar.bz2']);
  } finally {
    c.cleanup();
  }
});

s('reads from a file:// URL and over http; a missing subdir is empty :: dir, file://, http', async () => {
  const c = await channel();
  const server = await serveChannels([c.ch]);
  try {
    await indexChannel(c.ch);
    const viaFile = await readRepodata(pathToFileURL(c.ch).href, 'linux-64');
    const viaHttp = await readRepodata(server.urlFor(c.ch), 'linux-64');
    assert.equal(viaHttp, viaFile);
    assert.is(Object.keys(viaHttp.packages).length, 2);
    assert.equal((await readRepodata(c.ch, 'win-64')).packages, {});
    assert.equal((await readRepodata(`${server.urlFor(c.ch)}/`, 'osx-arm64'))['packages.conda'], {});
  } finally {
    await server.close();
    c.cleanup();
  }
});

s('errors name the channel, file or URL :: missing dir, bad JSON, refused connection', async () => {
  const c = await channel();
  try {
    await readRepodata(join(c.root, 'nope'), 'linux-64').then(
      () => assert.unreachable(),
      (err) => {
        assert.instance(err, ChannelError);
        assert.match(err.message, join(c.root, 'nope'));
      },
    );
    mkdirSync(join(c.ch, 'osx-64'), { recursive: true });
    writeFileSync(join(c.ch, 'osx-64', 'repodata.json'), '{"packages": ');
    await readRepodata(c.ch, 'osx-64').then(
      () => assert.unreachable(),
      (err) => {
        assert.instance(err, ChannelError);
        assert.match(err.message, join(c.ch, 'osx-64', 'repodata.json'));
        assert.match(err.message, 'invalid JSON');
        assert.match(err.message, 're-index the channel');
      },
    );
    // A closed loopback port: nothing listens there any more.
    const server = await serveChannels([c.ch]);
    const url = server.urlFor(c.ch);
    await server.close();
    await readRepodata(url, 'linux-64').then(
      () => assert.unreachable(),
      (err) => {
        assert.instance(err, ChannelError);
        assert.match(err.message, `${url}/linux-64/repodata.json`);
      },
    );
  } finally {
    c.cleanup();
  }
});

s.run();

const srv = suite('serveChannels');

srv("rattler's solver reads the served index and finds the archives :: numpy for py313", async () => {
  const c = await channel();
  const server = await serveChannels([c.ch]);
  try {
    await indexChannel(c.ch);
    const solved = await simpleSolve(['numpy', 'six'], [server.urlFor(c.ch)], ['linux-64', 'noarch'], []);
    const got = solved.map((p) => `${p.packageName}-${p.version}-${p.build} ${p.subdir}`).sort();
    assert.equal(got, ['numpy-2.1.0-py313h0_0 linux-64', 'python-3.13.1-h0_0 linux-64', 'six-1.16.0-pyh0_0 noarch']);
    for (const p of solved) {
      const res = await fetch(p.url);
      assert.is(res.status, 200, p.url);
      const body = Buffer.from(await res.arrayBuffer());
      assert.is(createHash('sha256').update(body).digest('hex'), p.sha256);
    }
  } finally {
    await server.close();
    c.cleanup();
  }
});

srv('serves nothing outside the dirs :: traversal, unknown index, unknown subdir', async () => {
  const c = await channel();
  writeFileSync(join(c.root, 'secret.txt'), 'no');
  const server = await serveChannels([c.ch]);
  try {
    const base = server.baseUrl;
    for (const path of ['/0/../secret.txt', '/0/%2e%2e/secret.txt', '/1/linux-64/repodata.json', '/0/nosuchdir/repodata.json', '/x/noarch/repodata.json']) {
      const res = await fetch(base + path);
      assert.is(res.status, 404, path);
      await res.body?.cancel();
    }
    assert.throws(() => server.urlFor(c.root), /not served/);
  } finally {
    await server.close();
    c.cleanup();
  }
});

srv.run();

const writer = suite('ChannelIndexWriter');

/** Every repodata.json of a channel, as text. */
function indexFiles(ch: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const subdir of readdirSync(ch).sort()) {
    try {
      out[subdir] = readFileSync(join(ch, subdir, 'repodata.json'), 'utf8');
    } catch {
      // not a subdir with an index
    }
  }
  return out;
}

writer('incremental updates write what a full indexChannel writes, byte for byte :: add, replace, remove, noarch', async () => {
  const c = await channel();
  const fresh = join(c.root, 'fresh');
  try {
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64']);
    const text = readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'utf8');
    // The text is JSON.stringify(..., null, 1) of the parsed document (records serialised once each).
    assert.is(text, JSON.stringify(JSON.parse(text), null, 1) + '\n');
    // A new package, a rebuilt one (same name, new content), a removed one, a file that is not a package.
    const [added] = await c.pkg({ name: 'scipy', version: '1.14.0', build: 'py313h0_0', depends: ['numpy >=2'] });
    rmSync(join(c.ch, 'linux-64', 'python-3.12.8-h0_0.tar.bz2'));
    const [rebuilt] = await c.pkg({ name: 'python', version: '3.13.1', build: 'h0_0', license: 'changed', timestamp: 1_700_000_100_000 });
    writeFileSync(join(c.ch, 'linux-64', '.scipy-1.14.0-py313h0_0.tar.bz2.tmp'), 'a temp file of a build in progress');
    await w.update(['linux-64'], [added.path, rebuilt.path]);
    await w.close();
    const incremental = indexFiles(c.ch);
    assert.equal(Object.keys(JSON.parse(incremental['linux-64']).packages), ['python-3.13.1-h0_0.tar.bz2', 'scipy-1.14.0-py313h0_0.tar.bz2']);
    assert.is(JSON.parse(incremental['linux-64']).packages['python-3.13.1-h0_0.tar.bz2'].license, 'changed');
    // A fresh full index of a copy of the same files (no cache) gives the same bytes.
    mkdirSync(fresh);
    for (const subdir of ['linux-64', 'noarch']) {
      mkdirSync(join(fresh, subdir));
      for (const name of readdirSync(join(c.ch, subdir))) {
        if (!name.startsWith('.') && !name.endsWith('.json')) writeFileSync(join(fresh, subdir, name), readFileSync(join(c.ch, subdir, name)));
      }
    }
    await indexChannel(fresh, ['linux-64']);
    assert.equal(indexFiles(fresh), incremental);
    // The record cache was written on close: a new writer reads nothing again and writes the same.
    const cache = JSON.parse(readFileSync(join(c.ch, 'linux-64', '.rebuild-index-cache.json'), 'utf8'));
    assert.equal(Object.keys(cache.entries).sort(), ['numpy-2.1.0-py313h0_0.conda', 'python-3.13.1-h0_0.tar.bz2', 'scipy-1.14.0-py313h0_0.tar.bz2']);
  } finally {
    c.cleanup();
  }
});

writer('an update resolves only after a write covering it; concurrent updates share writes; nothing new, nothing written', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64']);
    const before = w.stats.writes;
    const st = statSync(join(c.ch, 'linux-64', 'repodata.json'));
    await w.update(['linux-64']);
    assert.is(w.stats.writes, before, 'an unchanged channel is not rewritten');
    assert.is(statSync(join(c.ch, 'linux-64', 'repodata.json')).ino, st.ino);
    // 12 packages finishing at once: each update, once resolved, finds its package in the index.
    const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const batches = w.stats.batches;
    await Promise.all(names.map(async (name, i) => {
      const [a] = await c.pkg({ name, version: '1', build: `h${i}_0` });
      await w.update(['linux-64'], [a.path]);
      const rd = JSON.parse(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'utf8'));
      assert.ok(rd.packages[a.filename], `${a.filename} not in the index when its update resolved`);
    }));
    assert.ok(w.stats.batches - batches <= 12);
    await w.close();
    // An invalid subdir is refused without disturbing the writer.
    await w.update(['../x']).then(() => assert.unreachable(), (err) => assert.instance(err, ChannelError));
  } finally {
    c.cleanup();
  }
});

writer('updates queued while a write is in flight are coalesced into one next write', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64']);
    // The first write's derived files and record cache follow its update: written by now.
    await w.idle();
    const batches = w.stats.batches;
    const added = await Promise.all(['a', 'b', 'c', 'd'].map((name) => c.pkg({ name, version: '1', build: '0' }).then(([x]) => x)));
    // The first update starts a write at once; the other three arrive while it runs and share the next.
    await Promise.all(added.map((a) => w.update(['linux-64'], [a.path])));
    assert.is(w.stats.batches - batches, 2);
    assert.equal(Object.keys(JSON.parse(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'utf8')).packages).filter((n) => /^[a-d]-/.test(n)), ['a-1-0.tar.bz2', 'b-1-0.tar.bz2', 'c-1-0.tar.bz2', 'd-1-0.tar.bz2']);
  } finally {
    c.cleanup();
  }
});

writer('the derived files follow an engine update at most every 10 s by default; close() writes them', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64']);
    // Derived after repodata.json: the update resolves first.
    await w.idle();
    const extras = w.stats.extras;
    assert.ok(extras > 0, 'the first write derives them');
    // Past the former 2 s interval: still not derived again.
    await new Promise((r) => setTimeout(r, 2200));
    const [a] = await c.pkg({ name: 'a', version: '1', build: '0' });
    await w.update(['linux-64'], [a.path]);
    assert.is(w.stats.extras, extras);
    assert.not.ok(existsSync(join(c.ch, 'linux-64', 'repodata.json.zst')), 'the .zst behind repodata.json is gone');
    await w.close();
    assert.is(w.stats.extras, extras + 1);
    assert.ok(existsSync(join(c.ch, 'linux-64', 'repodata.json.zst')));
  } finally {
    c.cleanup();
  }
});

writer('noarch is indexed on the first update, later only when an update names it', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64']);
    const noarch = () => Object.keys(JSON.parse(readFileSync(join(c.ch, 'noarch', 'repodata.json'), 'utf8')).packages);
    assert.equal(noarch(), ['six-1.16.0-pyh0_0.tar.bz2']);
    const [attrs] = await c.pkg({ name: 'attrs', version: '24.1', build: 'pyh0_0', subdir: 'noarch', noarch: 'python' });
    await w.update(['linux-64']);
    assert.equal(noarch(), ['six-1.16.0-pyh0_0.tar.bz2'], 'an update of linux-64 does not list noarch/ again');
    await w.update(['noarch'], [attrs.path]);
    assert.equal(noarch(), ['attrs-24.1-pyh0_0.tar.bz2', 'six-1.16.0-pyh0_0.tar.bz2']);
    await w.close();
  } finally {
    c.cleanup();
  }
});

writer('between listings an update reads only the files it names; files added or removed behind its back show at the next listing and at close', async () => {
  const c = await channel();
  try {
    const packages = () => Object.keys(JSON.parse(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'utf8')).packages);
    const w = new ChannelIndexWriter(c.ch, { listIntervalMs: 60_000 });
    await w.update(['linux-64']);
    const py = ['python-3.12.8-h0_0.tar.bz2', 'python-3.13.1-h0_0.tar.bz2'];
    assert.equal(packages(), py);
    const [named] = await c.pkg({ name: 'named', version: '1', build: '0' });
    const [unnamed] = await c.pkg({ name: 'unnamed', version: '1', build: '0' });
    rmSync(join(c.ch, 'linux-64', 'python-3.12.8-h0_0.tar.bz2'));
    await w.update(['linux-64'], [named.path]);
    assert.equal(packages(), ['named-1-0.tar.bz2', ...py], 'only the named file is read before the next listing');
    // A named file that is gone leaves the index at once.
    rmSync(named.path);
    await w.update(['linux-64'], [named.path]);
    assert.equal(packages(), py);
    await w.close();
    assert.equal(packages(), [py[1], unnamed.filename], 'close lists the dir');
    // Once the interval has passed (0 here, 1 s by default) an update lists again.
    const w2 = new ChannelIndexWriter(c.ch, { listIntervalMs: 0 });
    await w2.update(['linux-64']);
    const [late] = await c.pkg({ name: 'late', version: '1', build: '0' });
    await w2.update(['linux-64']);
    assert.equal(packages(), [late.filename, py[1], unnamed.filename]);
    await w2.close();
  } finally {
    c.cleanup();
  }
});

writer('a package file listed then gone before it is read (another writer removed it) is not an error :: first update of a subdir', async () => {
  const c = await channel();
  try {
    // A name the listing returns but that is gone when stat()ed: what a concurrent remove looks like to load().
    symlinkSync(join(c.ch, 'linux-64', 'gone-1-0.tar.bz2.missing'), join(c.ch, 'linux-64', 'gone-1-0.tar.bz2'));
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64'], [], { complete: true });
    await w.close();
    const names = Object.keys(JSON.parse(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'utf8')).packages);
    assert.equal(names, ['python-3.12.8-h0_0.tar.bz2', 'python-3.13.1-h0_0.tar.bz2']);
  } finally {
    c.cleanup();
  }
});

writer('a fifo or a folder under a package name is not indexed and does not stall the writer :: first and later updates', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch);
    spawnSync('mkfifo', [join(c.ch, 'linux-64', 'fifo-1-0.tar.bz2')]);
    mkdirSync(join(c.ch, 'linux-64', 'dir-1-0.conda'));
    await w.update(['linux-64']);
    spawnSync('mkfifo', [join(c.ch, 'linux-64', 'fifo-2-0.conda')]);
    await w.update(['linux-64'], [join(c.ch, 'linux-64', 'fifo-2-0.conda')], { complete: true });
    await w.close();
    const rd = await readRepodata(c.ch, 'linux-64');
    assert.equal(Object.keys(rd.packages), ['python-3.12.8-h0_0.tar.bz2', 'python-3.13.1-h0_0.tar.bz2']);
    assert.equal(Object.keys(rd['packages.conda']), ['numpy-2.1.0-py313h0_0.conda']);
  } finally {
    c.cleanup();
  }
});

writer('a package rewritten in place (other size or mtime) is read again; an unchanged one is not :: same name, new record', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch);
    await w.update(['linux-64']);
    const path = join(c.ch, 'linux-64', 'python-3.13.1-h0_0.tar.bz2');
    const before = (await readRepodata(c.ch, 'linux-64')).packages['python-3.13.1-h0_0.tar.bz2'];
    await w.update(['linux-64'], [path]);
    assert.is(w.stats.writes, 2, 'named but unchanged: repodata.json not rewritten');
    await c.pkg({ name: 'python', version: '3.13.1', build: 'h0_0', license: 'MIT' });
    await w.update(['linux-64'], [path]);
    await w.close();
    const after = (await readRepodata(c.ch, 'linux-64')).packages['python-3.13.1-h0_0.tar.bz2'];
    assert.is(before.license, 'PSF-2.0');
    assert.is(after.license, 'MIT');
    assert.is(after.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
    assert.is(after.size, statSync(path).size);
  } finally {
    c.cleanup();
  }
});

writer('on the index thread: new packages read and repodata.json.zst compressed there, every index file the same bytes as in place; a damaged package is a PackageFormatError', async () => {
  const c = await channel();
  const inPlace = join(c.root, 'in-place');
  const staged = join(c.root, 'staged');
  try {
    cpSync(c.ch, inPlace, { recursive: true, preserveTimestamps: true });
    // Above the size read on the thread (small files are read in place: cheaper than the round trip).
    writeFileSync(join(c.root, 'files', 'big.bin'), randomBytes(80_000));
    const [made] = await writeCondaPackage({
      prefix: join(c.root, 'files'), files: ['a.txt', 'big.bin'], formats: ['conda'], zstdLevel: 1, outDir: staged,
      info: { name: 'scipy', version: '1.14.0', build: 'py313h0_0', buildNumber: 0, depends: ['numpy >=2'], subdir: 'linux-64', timestamp: 1_700_000_000_000 },
    });
    const before = { ...indexThreadStats };
    for (const [dir, thread] of [[c.ch, true], [inPlace, false]] as const) {
      const w = new ChannelIndexWriter(dir, { thread });
      await w.update(['linux-64']);
      const path = join(dir, 'linux-64', made.filename);
      cpSync(made.path, path, { preserveTimestamps: true });
      await w.update(['linux-64'], [path], { complete: true });
      await w.close();
    }
    assert.is(indexThreadStats.reads - before.reads, 1, 'the large new package was read on the index thread, the small ones here');
    assert.ok(indexThreadStats.compressions - before.compressions >= 2, 'repodata.json.zst was compressed on the index thread');
    const files = (dir: string) => {
      const out: Record<string, string> = { channeldata: readFileSync(join(dir, 'channeldata.json'), 'hex') };
      for (const subdir of ['linux-64', 'noarch']) {
        for (const name of ['repodata.json', 'repodata.json.zst', 'run_exports.json']) out[`${subdir}/${name}`] = readFileSync(join(dir, subdir, name), 'hex');
        // The record cache holds each file's mtime (the copies' differ below the millisecond).
        out[`${subdir}/cache`] = readFileSync(join(dir, subdir, '.rebuild-index-cache.json'), 'utf8').replace(/"mtimeMs":[0-9.]+/g, '');
      }
      return out;
    };
    assert.equal(files(c.ch), files(inPlace));
    assert.ok(JSON.parse(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'utf8'))['packages.conda'][made.filename]);
    // A damaged package: the error crosses back as the class the writer's callers know.
    const w = new ChannelIndexWriter(c.ch, { thread: true });
    await w.update(['linux-64']);
    const broken = join(c.ch, 'linux-64', 'broken-1.0-0.tar.bz2');
    writeFileSync(broken, Buffer.alloc(100_000, 'not a tarball'));
    const err = await w.update(['linux-64'], [broken]).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof PackageFormatError, String(err));
    assert.match((err as Error).message, broken);
  } finally {
    await closeIndexThread();
    c.cleanup();
  }
});

writer('on the index thread the .zst is compressed without holding up the writes, and a copy of an older repodata.json is never written', async () => {
  const c = await channel();
  // Compressions finish when the test says so (a slow index thread).
  const gates: (() => void)[] = [];
  class SlowThread extends ChannelIndexWriter {
    protected override async compress(json: Buffer): Promise<Buffer> {
      const bytes = await super.compress(json);
      await new Promise<void>((resolve) => gates.push(resolve));
      return bytes;
    }
  }
  try {
    const w = new SlowThread(c.ch, { thread: true, extrasIntervalMs: 0 });
    const dir = join(c.ch, 'linux-64');
    const zst = () => {
      try {
        return decompress(readFileSync(join(dir, 'repodata.json.zst')));
      } catch {
        return null; // none: clients read repodata.json
      }
    };
    const until = async (n: number) => {
      while (gates.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    await w.update(['linux-64']);
    const [a] = await c.pkg({ name: 'a', version: '1.0', build: '0' });
    // The update resolves while its .zst is still being compressed.
    await w.update(['linux-64'], [a.path]);
    await until(2);
    const older = readFileSync(join(dir, 'repodata.json'));
    const [b] = await c.pkg({ name: 'b', version: '1.0', build: '0' });
    await w.update(['linux-64'], [b.path]);
    const newer = readFileSync(join(dir, 'repodata.json'));
    assert.not.ok(newer.equals(older));
    // The first update's compressions end now: repodata.json has moved on, so they are dropped.
    gates.splice(0, 2).forEach((open) => open());
    await new Promise((r) => setTimeout(r, 100));
    assert.is(zst(), null, 'a .zst of an older repodata.json was written');
    // b's write may or may not have derived the files (at most once per 20x their last cost):
    // close() derives them if not; its compressions are let through as they come.
    const closing = w.close();
    while (gates.length || !(await Promise.race([closing.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]))) gates.splice(0).forEach((open) => open());
    await closing;
    assert.ok(zst()?.equals(readFileSync(join(dir, 'repodata.json'))), 'close() leaves the .zst of the final repodata.json');
  } finally {
    await closeIndexThread();
    c.cleanup();
  }
});

writer('a repodata.json.zst the writer did not write goes before its first repodata.json: no solver reads a file the JSON dropped :: reconciled index, thread and in place', async () => {
  for (const thread of [true, false]) {
    const c = await channel();
    // Compressions wait for the test: what is on disk while the derived files are behind is checked then.
    const gates: (() => void)[] = [];
    class SlowCompress extends ChannelIndexWriter {
      protected override async compress(json: Buffer): Promise<Buffer> {
        const bytes = await super.compress(json);
        await new Promise<void>((resolve) => gates.push(resolve));
        return bytes;
      }
    }
    try {
      // An earlier run's index, derived files and all; then a package file deleted and its entry
      // dropped from repodata.json alone (what reconciliation at a run's start did), the .zst left.
      await indexChannel(c.ch);
      const dir = join(c.ch, 'linux-64');
      rmSync(join(dir, 'python-3.12.8-h0_0.tar.bz2'));
      const edited = JSON.parse(readFileSync(join(dir, 'repodata.json'), 'utf8'));
      delete edited.packages['python-3.12.8-h0_0.tar.bz2'];
      writeFileSync(join(dir, 'repodata.json'), `${JSON.stringify(edited, null, 1)}\n`);
      const zst = () => (existsSync(join(dir, 'repodata.json.zst')) ? JSON.parse(decompress(readFileSync(join(dir, 'repodata.json.zst'))).toString('utf8')) : null);
      assert.ok(zst()?.packages['python-3.12.8-h0_0.tar.bz2'], 'the earlier .zst lists the deleted file');
      const w = new SlowCompress(c.ch, { thread, extrasIntervalMs: 0 });
      const [b] = await c.pkg({ name: 'b', version: '1.0', build: '0' });
      const updated = w.update(['linux-64'], [b.path]);
      // The new repodata.json is in place once a compression starts (the derived files follow it).
      while (gates.length < 1) await new Promise((r) => setTimeout(r, 5));
      assert.ok(JSON.parse(readFileSync(join(dir, 'repodata.json'), 'utf8')).packages['b-1.0-0.tar.bz2']);
      const seen = zst();
      const open = setInterval(() => gates.splice(0).forEach((g) => g()), 5);
      try {
        await updated;
        await w.close();
      } finally {
        clearInterval(open);
      }
      assert.is(seen?.packages['python-3.12.8-h0_0.tar.bz2'], undefined, `thread ${thread}: a .zst listing the deleted file beside the new repodata.json`);
      assert.is(seen, null, `thread ${thread}: a .zst of an older repodata.json beside the new one`);
      assert.equal(zst(), JSON.parse(readFileSync(join(dir, 'repodata.json'), 'utf8')), 'the .zst follows the final repodata.json');
    } finally {
      await closeIndexThread();
      c.cleanup();
    }
  }
});

writer('announced updates: a write that falls due waits for the updates announced by then (one write for builds that finished together), not for those announced later', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch, { announceWaitMs: 60_000 });
    await w.update(['linux-64']);
    const batches = w.stats.batches;
    const [a] = await c.pkg({ name: 'aa', version: '1', build: '0' });
    const [b] = await c.pkg({ name: 'bb', version: '1', build: '0' });
    const [late] = await c.pkg({ name: 'cc', version: '1', build: '0' });
    const endA = w.announce();
    const endB = w.announce();
    const doneA = w.update(['linux-64'], [a.path]);
    endA();
    // Announced after the write fell due (a's update): the write does not wait for it.
    const endLate = w.announce();
    await new Promise((r) => setTimeout(r, 50));
    assert.is(w.stats.batches, batches, 'no write while an update announced before it fell due is on its way');
    const doneB = w.update(['linux-64'], [b.path]);
    endB();
    endB(); // ending twice changes nothing
    await Promise.all([doneA, doneB]);
    assert.is(w.stats.batches, batches + 1, 'a and b share one write');
    const names = Object.keys((await readRepodata(c.ch, 'linux-64')).packages);
    assert.ok(names.includes(a.filename) && names.includes(b.filename));
    // The late announcement holds nothing while no write is due, and one that ends without an update frees the writer.
    const doneLate = w.update(['linux-64'], [late.path]);
    await new Promise((r) => setTimeout(r, 50));
    assert.is(w.stats.batches, batches + 1, 'the next write waits for the announcement made before it fell due');
    endLate();
    await doneLate;
    assert.is(w.stats.batches, batches + 2);
    // An announcement that never ends does not keep close() from writing what is pending.
    const [d] = await c.pkg({ name: 'dd', version: '1', build: '0' });
    w.announce();
    const doneD = w.update(['linux-64'], [d.path]);
    await w.close();
    await doneD;
    assert.ok(Object.keys((await readRepodata(c.ch, 'linux-64')).packages).includes(d.filename));
  } finally {
    c.cleanup();
  }
});

writer('an update resolves once repodata.json holds its files: the derived files and record cache written after it do not hold it up; a complete update waits for them', async () => {
  const c = await channel();
  // Compressions (in place: the writer waits for them) finish when the test says so.
  const gates: (() => void)[] = [];
  class SlowCompress extends ChannelIndexWriter {
    protected override async compress(json: Buffer): Promise<Buffer> {
      await new Promise<void>((resolve) => gates.push(resolve));
      return super.compress(json);
    }
  }
  const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  try {
    const w = new SlowCompress(c.ch, { extrasIntervalMs: 0 });
    const dir = join(c.ch, 'linux-64');
    // The first write's derivation is stuck on its compression: the update resolves anyway.
    assert.ok(await within(w.update(['linux-64']), 2000), 'the update waited for the derived files');
    assert.ok(existsSync(join(dir, 'repodata.json')));
    assert.is(w.stats.extras, 0);
    const idle = w.idle();
    assert.not.ok(await within(idle, 50), 'the derivation is still running');
    while (!(await within(idle, 20))) gates.splice(0).forEach((open) => open());
    assert.is(w.stats.extras, 1);
    // A complete update resolves only with every derived file of its state.
    const [a] = await c.pkg({ name: 'a', version: '1', build: '0' });
    const complete = w.update(['linux-64'], [a.path], { complete: true });
    assert.not.ok(await within(complete, 100), 'a complete update resolved before its derived files');
    while (!(await within(complete, 20))) gates.splice(0).forEach((open) => open());
    assert.ok(decompress(readFileSync(join(dir, 'repodata.json.zst'))).equals(readFileSync(join(dir, 'repodata.json'))));
    const closing = w.close();
    while (!(await within(closing, 20))) gates.splice(0).forEach((open) => open());
  } finally {
    c.cleanup();
  }
});

writer('announced files are read ahead on the index thread and the write takes that read; a file changed since is read again :: same records as read at the write', async () => {
  const c = await channel();
  try {
    const w = new ChannelIndexWriter(c.ch, { thread: true, threadMinBytes: 0 });
    await w.update(['linux-64']);
    const [a] = await c.pkg({ name: 'a', version: '1', build: '0' });
    const [b] = await c.pkg({ name: 'b', version: '1', build: '0' });
    const before = indexThreadStats.reads;
    const endA = w.announce([a.path]);
    const endB = w.announce([b.path, join(c.root, 'elsewhere', 'c-1-0.tar.bz2')]);
    // Both read ahead, in one request, before any update comes.
    for (let waited = 0; indexThreadStats.reads - before < 2 && waited < 2000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    assert.is(indexThreadStats.reads - before, 2, "only the channel's own package files are read ahead");
    // b is replaced after its read (another build of it: other bytes, other size).
    rmSync(b.path);
    const [b2] = await c.pkg({ name: 'b', version: '1', build: '0', depends: ['a'] });
    assert.is(b2.path, b.path);
    await Promise.all([w.update(['linux-64'], [a.path]), w.update(['linux-64'], [b.path])]);
    endA();
    endB();
    assert.is(indexThreadStats.reads - before, 3, 'a taken from its read ahead, b read again');
    const rd = await readRepodata(c.ch, 'linux-64');
    const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    assert.is(rd.packages['a-1-0.tar.bz2'].sha256, sha(a.path));
    assert.is(rd.packages['b-1-0.tar.bz2'].sha256, sha(b.path));
    assert.equal(rd.packages['b-1-0.tar.bz2'].depends, ['a']);
    await w.close();
    // What the writer left is what a full index of the same files writes.
    const left = readFileSync(join(c.ch, 'linux-64', 'repodata.json'));
    await indexChannel(c.ch);
    assert.ok(readFileSync(join(c.ch, 'linux-64', 'repodata.json')).equals(left));
  } finally {
    await closeIndexThread();
    c.cleanup();
  }
});

writer('a write waits for announced updates at most announceWaitMs (by default as long as the last write took): a slow commit does not hold the index up', async () => {
  const c = await channel();
  try {
    for (const options of [{ announceWaitMs: 20 }, {}]) {
      const w = new ChannelIndexWriter(c.ch, options);
      await w.update(['linux-64']);
      const [a] = await c.pkg({ name: `slow${w.stats.batches}${Object.keys(options).length}`, version: '1', build: '0' });
      const end = w.announce();
      // Announced, never made: the update is written anyway once the wait is over.
      await w.update(['linux-64'], [a.path]);
      assert.ok(Object.keys((await readRepodata(c.ch, 'linux-64')).packages).includes(a.filename), JSON.stringify(options));
      end();
      await w.close();
    }
  } finally {
    c.cleanup();
  }
});

writer('a generation write answers before removing the generations it drops; they are gone at the thread\'s next turn or before its next request, whichever comes first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-generation-'));
  try {
    writeFileSync(join(dir, '.repodata.json.1.1'), 'old');
    const target = join(dir, 'repodata.json');
    const parts: WirePart[] = [[0, Buffer.from('{"packages": {}}\n')]];
    assert.is(writeGeneration({ kind: 'generation', key: 'test/linux-64', dir, name: '.repodata.json.1.2', target, parts, drop: ['.repodata.json.1.1'] }), 'ok');
    assert.is(readFileSync(target, 'utf8'), '{"packages": {}}\n');
    assert.ok(existsSync(join(dir, '.repodata.json.1.1')), 'not removed before the answer');
    await new Promise((resolve) => setImmediate(resolve));
    assert.not.ok(existsSync(join(dir, '.repodata.json.1.1')), 'removed right after it');
    // A request that comes before that turn removes them first (its answer comes after the removal).
    assert.is(writeGeneration({ kind: 'generation', key: 'test/linux-64', dir, name: '.repodata.json.1.3', target, parts: [0], drop: ['.repodata.json.1.2'] }), 'ok');
    assert.ok(existsSync(join(dir, '.repodata.json.1.2')));
    forgetGenerations('test/linux-64');
    assert.not.ok(existsSync(join(dir, '.repodata.json.1.2')), 'removed before the next request is served');
    assert.is(readFileSync(target, 'utf8'), '{"packages": {}}\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

writer('on the index write thread: each generation the same bytes as written in place, only new buffers sent; a write thread replaced between writes gets every buffer again', async () => {
  const c = await channel();
  const inPlace = join(c.root, 'in-place');
  try {
    cpSync(c.ch, inPlace, { recursive: true, preserveTimestamps: true });
    const threaded = new ChannelIndexWriter(c.ch, { thread: true, threadMinBytes: 0 });
    const here = new ChannelIndexWriter(inPlace);
    await threaded.update(['linux-64']);
    await here.update(['linux-64']);
    for (let i = 0; i < 3; i++) {
      const [made] = await c.pkg({ name: `p${i}`, version: '1', build: '0' }, ['conda']);
      const copy = join(inPlace, 'linux-64', made.filename);
      cpSync(made.path, copy, { preserveTimestamps: true });
      // The thread stops before the last write: the new one holds no buffer of the earlier generations.
      if (i === 2) await closeIndexThread();
      await threaded.update(['linux-64'], [made.path]);
      await here.update(['linux-64'], [copy]);
      const link = readlinkOf(join(c.ch, 'linux-64', 'repodata.json'));
      assert.match(link ?? '', /^\.repodata\.json\.\d+\.\d+$/, 'repodata.json is a generation symlink while the writer is open');
      assert.is(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'hex'), readFileSync(join(inPlace, 'linux-64', 'repodata.json'), 'hex'), `write ${i}`);
      // The thread removes older generations after its answer, before its next request: one more round trip.
      await indexWriteThread().run({ kind: 'forget', key: 'none' });
      assert.ok(readdirSync(join(c.ch, 'linux-64')).filter((n) => n.startsWith('.repodata.json.')).length <= 2, 'the last two generations kept');
    }
    await threaded.close();
    await here.close();
    assert.is(readlinkOf(join(c.ch, 'linux-64', 'repodata.json')), null, 'a regular file after close()');
    assert.is(readFileSync(join(c.ch, 'linux-64', 'repodata.json'), 'hex'), readFileSync(join(inPlace, 'linux-64', 'repodata.json'), 'hex'));
    assert.equal(readdirSync(join(c.ch, 'linux-64')).filter((n) => n.startsWith('.repodata.json.') || n.endsWith('.tmp')), []);
  } finally {
    await closeIndexThread();
    c.cleanup();
  }
});

function readlinkOf(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

writer.run();
