import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleSolve } from '@conda-org/rattler';
import { decompress } from 'zstd-napi';
import { ChannelConflictError, LocalChannel } from './channel.ts';
import { serveChannels } from './channel-server.ts';
import { readRepodata } from './repodata.ts';
import { writeCondaPackage, type PackageInfo } from './write-package.ts';

async function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'channel-'));
  const files = join(root, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'a.txt'), 'a\n');
  const pkg = async (info: Partial<PackageInfo>, formats: ('tar.bz2' | 'conda')[] = ['tar.bz2'], out = 'built') => {
    const [a] = await writeCondaPackage({
      prefix: files, files: ['a.txt'], formats, zstdLevel: 1,
      info: { name: 'x', version: '1', build: '0', buildNumber: 0, depends: [], subdir: 'linux-64', timestamp: 1_700_000_000_000, ...info },
      outDir: join(root, out),
    });
    return a;
  };
  return { root, ch: join(root, 'channel'), pkg, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const s = suite('LocalChannel');

s('add: repodata.json (both maps), .zst of the same bytes, run_exports.json, channeldata.json', async () => {
  const f = await fixture();
  try {
    const py = await f.pkg({ name: 'python', version: '3.13.1', build: 'h0_0', license: 'PSF-2.0', runExports: { weak: ['python_abi 3.13.* *_cp313'] } });
    const py12 = await f.pkg({ name: 'python', version: '3.12.8', build: 'h0_0', runExports: { weak: ['python_abi 3.12.* *_cp312'] } }, ['conda']);
    const six = await f.pkg({ name: 'six', version: '1.16.0', build: 'pyh0_0', subdir: 'noarch', noarch: 'python' });
    const channel = new LocalChannel(f.ch);
    // A path (subdir from info/index.json) and artifacts (subdir given).
    const added = await channel.add([py.path, py12, six]);
    assert.equal(added.map((a) => `${a.subdir}/${a.filename} ${a.status}`), [
      'linux-64/python-3.13.1-h0_0.tar.bz2 added', 'linux-64/python-3.12.8-h0_0.conda added', 'noarch/six-1.16.0-pyh0_0.tar.bz2 added',
    ]);
    const rd = await readRepodata(f.ch, 'linux-64');
    assert.equal(Object.keys(rd.packages), ['python-3.13.1-h0_0.tar.bz2']);
    assert.equal(Object.keys(rd['packages.conda']), ['python-3.12.8-h0_0.conda']);
    assert.is(rd.packages['python-3.13.1-h0_0.tar.bz2'].sha256, py.sha256);
    const json = readFileSync(join(f.ch, 'linux-64', 'repodata.json'));
    assert.ok(decompress(readFileSync(join(f.ch, 'linux-64', 'repodata.json.zst'))).equals(json));
    const rx = JSON.parse(readFileSync(join(f.ch, 'linux-64', 'run_exports.json'), 'utf8'));
    assert.equal(rx, {
      info: { subdir: 'linux-64', version: 1 },
      packages: { 'python-3.13.1-h0_0.tar.bz2': { run_exports: { weak: ['python_abi 3.13.* *_cp313'] } } },
      'packages.conda': { 'python-3.12.8-h0_0.conda': { run_exports: { weak: ['python_abi 3.12.* *_cp312'] } } },
    });
    const noarchRx = JSON.parse(readFileSync(join(f.ch, 'noarch', 'run_exports.json'), 'utf8'));
    assert.equal(noarchRx.packages, { 'six-1.16.0-pyh0_0.tar.bz2': { run_exports: {} } });
    const cd = JSON.parse(readFileSync(join(f.ch, 'channeldata.json'), 'utf8'));
    assert.is(cd.channeldata_version, 1);
    assert.equal(cd.subdirs, ['linux-64', 'noarch']);
    assert.equal(cd.packages.python, {
      license: 'PSF-2.0',
      run_exports: { '3.12.8': { weak: ['python_abi 3.12.* *_cp312'] }, '3.13.1': { weak: ['python_abi 3.13.* *_cp313'] } },
      subdirs: ['linux-64'], timestamp: 1_700_000_000_000, version: '3.13.1',
    });
    assert.equal(cd.packages.six.subdirs, ['noarch']);
    await channel.close();
  } finally {
    f.cleanup();
  }
});

s('the same bytes under a name already there are skipped; other bytes are refused before anything is written', async () => {
  const f = await fixture();
  try {
    const channel = new LocalChannel(f.ch);
    const a = await f.pkg({ name: 'a' });
    await channel.add([a]);
    assert.equal((await channel.add([a.path])).map((r) => r.status), ['identical']);
    const b = await f.pkg({ name: 'b' });
    const other = await f.pkg({ name: 'a', timestamp: 1_800_000_000_000 }, ['tar.bz2'], 'other'); // same name, other bytes
    const before = readFileSync(join(f.ch, 'linux-64', 'a-1-0.tar.bz2'));
    const err = await channel.add([b, other]).catch((e) => e);
    assert.instance(err, ChannelConflictError);
    assert.match(err.message, /a-1-0\.tar\.bz2: already in the channel with other content/);
    assert.match(err.message, /never replaced/);
    assert.ok(readFileSync(join(f.ch, 'linux-64', 'a-1-0.tar.bz2')).equals(before));
    assert.not.ok(existsSync(join(f.ch, 'linux-64', 'b-1-0.tar.bz2')), 'nothing of a refused call is written');
    assert.equal(Object.keys((await readRepodata(f.ch, 'linux-64')).packages), ['a-1-0.tar.bz2']);
  } finally {
    f.cleanup();
  }
});

s('replace: other bytes under a name already there take its place, re-indexed (a work dir channel following a rebuild)', async () => {
  const f = await fixture();
  try {
    const channel = new LocalChannel(f.ch);
    const a = await f.pkg({ name: 'a' });
    await channel.add([a]);
    const other = await f.pkg({ name: 'a', timestamp: 1_800_000_000_000 }, ['tar.bz2'], 'other'); // same name, other bytes
    const added = await channel.add([other], { replace: true });
    assert.equal(added.map((r) => r.status), ['replaced']);
    assert.ok(readFileSync(join(f.ch, 'linux-64', 'a-1-0.tar.bz2')).equals(readFileSync(other.path)));
    const record = (await readRepodata(f.ch, 'linux-64')).packages['a-1-0.tar.bz2'];
    assert.is(record.sha256, added[0].sha256);
    assert.is(record.timestamp, 1_800_000_000_000);
    assert.equal((await channel.add([other], { replace: true })).map((r) => r.status), ['identical']);
    assert.equal(readdirSync(join(f.ch, 'linux-64')).filter((n) => n.startsWith('.') && n.includes('a-1-0')), [], 'no temp file left');
  } finally {
    f.cleanup();
  }
});

s('labels are sub-channels with their own index; remove drops a file from the index', async () => {
  const f = await fixture();
  try {
    const channel = new LocalChannel(f.ch);
    const a = await f.pkg({ name: 'a' });
    const b = await f.pkg({ name: 'b' }, ['conda']);
    await channel.add([a]);
    await channel.add([b], { label: 'rc', mode: 'link' });
    assert.equal(Object.keys((await readRepodata(join(f.ch, 'label', 'rc'), 'linux-64'))['packages.conda']), ['b-1-0.conda']);
    assert.equal(Object.keys((await readRepodata(f.ch, 'linux-64'))['packages.conda']), []);
    assert.ok(existsSync(join(f.ch, 'label', 'rc', 'noarch', 'repodata.json')));
    assert.equal(await channel.labels(), ['rc']);
    assert.equal(await channel.subdirs(), ['linux-64', 'noarch']);
    assert.throws(() => channel.dir('../x'), /channel label '\.\.\/x'/);
    assert.equal(await channel.remove(['b-1-0.conda'], { label: 'rc' }), [join(f.ch, 'label', 'rc', 'linux-64', 'b-1-0.conda')]);
    assert.equal((await readRepodata(join(f.ch, 'label', 'rc'), 'linux-64'))['packages.conda'], {});
    const rx = JSON.parse(readFileSync(join(f.ch, 'label', 'rc', 'linux-64', 'run_exports.json'), 'utf8'));
    assert.equal(rx['packages.conda'], {});
    assert.equal(await channel.remove(['b-1-0.conda'], { label: 'rc' }), []);
  } finally {
    f.cleanup();
  }
});

s("rattler solves against the channel served on loopback; cph reads its packages", async () => {
  const f = await fixture();
  const channel = new LocalChannel(f.ch);
  const server = await serveChannels([f.ch]);
  try {
    await channel.add([
      await f.pkg({ name: 'python', version: '3.13.1', build: 'h0_0' }, ['conda']),
      await f.pkg({ name: 'numpy', version: '2.1.0', build: 'py313h0_0', depends: ['python >=3.13,<3.14'] }, ['conda']),
    ]);
    const solved = await simpleSolve(['numpy'], [server.urlFor(f.ch)], ['linux-64', 'noarch'], []);
    assert.equal(solved.map((p) => `${p.packageName}-${p.version}`).sort(), ['numpy-2.1.0', 'python-3.13.1']);
    const out = join(f.root, 'x');
    const r = spawnSync('cph', ['x', join(f.ch, 'linux-64', 'numpy-2.1.0-py313h0_0.conda'), '--dest', out], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.is(JSON.parse(readFileSync(join(out, 'info', 'index.json'), 'utf8')).name, 'numpy');
  } finally {
    await server.close();
    f.cleanup();
  }
});

s('a concurrent reader (another process) never sees a half-written index while packages are added', async () => {
  const f = await fixture();
  try {
    const channel = new LocalChannel(f.ch);
    await channel.add([await f.pkg({ name: 'seed' })]);
    const files = [];
    for (let i = 0; i < 40; i++) files.push(await f.pkg({ name: `p${String(i).padStart(2, '0')}`, depends: Array.from({ length: 50 }, (_, j) => `dep${j} >=1`) }));
    // The reader parses every index file in a loop until told to stop, and reports what it saw.
    const reader = spawn(process.execPath, ['-e', `
      const fs = require('fs'); const { decompress } = require('zstd-napi');
      const d = ${JSON.stringify(join(f.ch, 'linux-64'))}; let reads = 0, bad = [];
      const stop = () => { process.stdout.write(JSON.stringify({ reads, bad })); process.exit(0); };
      process.stdin.on('data', stop);
      (function loop() {
        for (const [name, parse] of [['repodata.json', (b) => b], ['repodata.json.zst', decompress], ['run_exports.json', (b) => b], ['../channeldata.json', (b) => b]]) {
          let buf; try { buf = fs.readFileSync(d + '/' + name); } catch { continue; }
          try { JSON.parse(parse(buf).toString()); reads++; } catch (e) { bad.push(name + ': ' + e.message); }
        }
        setImmediate(loop);
      })();
    `], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    reader.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => reader.on('exit', r));
    for (const file of files) await channel.add([file]);
    reader.stdin.write('stop\n');
    await exited;
    const seen = JSON.parse(out);
    assert.equal(seen.bad, []);
    assert.ok(seen.reads > 40, `reader read ${seen.reads} times`);
    assert.is(Object.keys((await readRepodata(f.ch, 'linux-64')).packages).length, 41);
    assert.equal(readdirSync(join(f.ch, 'linux-64')).filter((n) => n.endsWith('.tmp')), []);
    // Open: repodata.json names the current generation; closed: a regular file, no generation left.
    assert.ok(lstatSync(join(f.ch, 'linux-64', 'repodata.json')).isSymbolicLink());
    const open = readFileSync(join(f.ch, 'linux-64', 'repodata.json'));
    await channel.close();
    assert.ok(lstatSync(join(f.ch, 'linux-64', 'repodata.json')).isFile());
    assert.ok(readFileSync(join(f.ch, 'linux-64', 'repodata.json')).equals(open));
    assert.equal(readdirSync(join(f.ch, 'linux-64')).filter((n) => n.startsWith('.repodata.json.')), []);
  } finally {
    f.cleanup();
  }
});

s('an update that leaves the derived files for later removes repodata.json.zst first: it never describes an older index', async () => {
  const f = await fixture();
  try {
    const channel = new LocalChannel(f.ch, { extrasIntervalMs: 3_600_000 });
    const zst = join(f.ch, 'linux-64', 'repodata.json.zst');
    const json = join(f.ch, 'linux-64', 'repodata.json');
    await channel.add([await f.pkg({ name: 'a' })]);
    assert.ok(decompress(readFileSync(zst)).equals(readFileSync(json)));
    // What the engine does after a build: the file is in place, the writer is told, no derived files yet.
    const b = await f.pkg({ name: 'b' }, ['tar.bz2'], 'channel/linux-64');
    await channel.writer().update(['linux-64'], [b.path]);
    assert.equal(Object.keys((await readRepodata(f.ch, 'linux-64')).packages), ['a-1-0.tar.bz2', 'b-1-0.tar.bz2']);
    assert.not.ok(existsSync(zst), 'the stale .zst is gone');
    await channel.close();
    assert.ok(decompress(readFileSync(zst)).equals(readFileSync(json)), 'close writes it again');
    assert.equal(Object.keys(JSON.parse(readFileSync(join(f.ch, 'linux-64', 'run_exports.json'), 'utf8')).packages), ['a-1-0.tar.bz2', 'b-1-0.tar.bz2']);
  } finally {
    f.cleanup();
  }
});

s("a generation file's name already taken (an earlier process of this pid) is replaced whole, not written into", async () => {
  const f = await fixture();
  try {
    const sub = join(f.ch, 'linux-64');
    mkdirSync(sub, { recursive: true });
    // Names this process's writers may use next (the counter is the process's), each a stale file.
    const stale = Array.from({ length: 3000 }, (_, i) => join(sub, `.repodata.json.${process.pid}.${i + 1}`));
    for (const path of stale) writeFileSync(path, 'stale');
    const channel = new LocalChannel(f.ch);
    await channel.add([await f.pkg({ name: 'a' })]);
    await channel.add([await f.pkg({ name: 'b' })]);
    assert.equal(Object.keys((await readRepodata(f.ch, 'linux-64')).packages), ['a-1-0.tar.bz2', 'b-1-0.tar.bz2']);
    // repodata.json names a generation whose name a stale file had: the index's bytes now.
    const current = readlinkSync(join(sub, 'repodata.json'));
    assert.ok(stale.includes(join(sub, current)), current);
    await channel.close();
    assert.ok(lstatSync(join(sub, 'repodata.json')).isFile());
    assert.equal(readdirSync(sub).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    f.cleanup();
  }
});

s("a killed writer's generation files are swept; a live process's are kept", async () => {
  const f = await fixture();
  try {
    const sub = join(f.ch, 'linux-64');
    mkdirSync(sub, { recursive: true });
    // A pid that cannot be running (above the kernel's pid_max), and this very test's parent.
    writeFileSync(join(sub, '.repodata.json.99999999.3'), '{}');
    writeFileSync(join(sub, `.repodata.json.${process.ppid}.7`), '{}');
    symlinkSync('.repodata.json.99999999.3', join(sub, 'repodata.json'));
    const channel = new LocalChannel(f.ch);
    await channel.add([await f.pkg({ name: 'a' })]);
    const left = readdirSync(sub).filter((n) => n.startsWith('.repodata.json.'));
    assert.not.ok(left.includes('.repodata.json.99999999.3'));
    assert.ok(left.includes(`.repodata.json.${process.ppid}.7`));
    assert.equal(Object.keys((await readRepodata(f.ch, 'linux-64')).packages), ['a-1-0.tar.bz2']);
    await channel.close();
  } finally {
    f.cleanup();
  }
});

s('add with complete: false :: repodata.json follows each call, the derived files wait for the interval or close(); close() leaves them all', async () => {
  const f = await fixture();
  try {
    const channel = new LocalChannel(f.ch, { extrasIntervalMs: 60_000 });
    await channel.add([await f.pkg({ name: 'a' })], { complete: false });
    // The first write derives them after repodata.json (the add resolves first).
    await channel.writer().idle();
    const extras = channel.writer().stats.extras;
    for (const name of ['b', 'c', 'd']) await channel.add([await f.pkg({ name })], { complete: false });
    assert.is(channel.writer().stats.extras, extras, 'no derived files per add');
    assert.equal(Object.keys((await readRepodata(f.ch, 'linux-64')).packages), ['a-1-0.tar.bz2', 'b-1-0.tar.bz2', 'c-1-0.tar.bz2', 'd-1-0.tar.bz2']);
    assert.not.ok(existsSync(join(f.ch, 'linux-64', 'repodata.json.zst')), 'the .zst never lags repodata.json');
    await channel.close();
    const json = readFileSync(join(f.ch, 'linux-64', 'repodata.json'));
    assert.equal(decompress(readFileSync(join(f.ch, 'linux-64', 'repodata.json.zst'))), json);
    assert.equal(Object.keys(JSON.parse(readFileSync(join(f.ch, 'channeldata.json'), 'utf8')).packages), ['a', 'b', 'c', 'd']);
    assert.equal(Object.keys(JSON.parse(readFileSync(join(f.ch, 'linux-64', 'run_exports.json'), 'utf8')).packages), ['a-1-0.tar.bz2', 'b-1-0.tar.bz2', 'c-1-0.tar.bz2', 'd-1-0.tar.bz2']);
  } finally {
    f.cleanup();
  }
});

s("add: temp files a killed publication left in the subdir are removed; a live writer's stay", async () => {
  const f = await fixture();
  try {
    const a = await f.pkg({ name: 'a', version: '1', build: '0' });
    const b = await f.pkg({ name: 'b', version: '1', build: '0' });
    const channel = new LocalChannel(f.ch);
    await channel.add([a.path]);
    // A pid that is surely gone: a child that has already exited.
    const deadPid = Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
    const dead = `.b-1-0.tar.bz2.${deadPid}.0123abcd.tmp`;
    const live = `.c-1-0.tar.bz2.${process.pid}.4567cdef.tmp`;
    writeFileSync(join(f.ch, 'linux-64', dead), 'half a package');
    writeFileSync(join(f.ch, 'linux-64', live), 'being written');
    // Another instance (a later run's publication) adds to the same subdir.
    const later = new LocalChannel(f.ch);
    await later.add([b.path]);
    await later.close();
    await channel.close();
    const names = readdirSync(join(f.ch, 'linux-64')).filter((n) => n.endsWith('.tmp'));
    assert.equal(names, [live]);
  } finally {
    f.cleanup();
  }
});

s.run();
