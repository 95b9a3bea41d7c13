import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCondaPackage, type PackageInfo } from './write-package.ts';
import { indexChannel } from './repodata.ts';
import { openChannels, solve, SolveError } from './solve.ts';

const s = suite('solve');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-solve-'));
  mkdirSync(join(ctx.dir, 'files'));
  writeFileSync(join(ctx.dir, 'files', 'a.txt'), 'a\n');
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

async function pkg(dir: string, channel: string, info: Partial<PackageInfo>) {
  const subdir = info.subdir ?? 'linux-64';
  await writeCondaPackage({
    prefix: join(dir, 'files'), files: ['a.txt'], outDir: join(dir, channel, subdir),
    info: { name: 'x', version: '1', build: '0', buildNumber: 0, depends: [], subdir, timestamp: 1_700_000_000_000, ...info },
  });
}

s('solves for the subdir and noarch; each record names its local archive', async (ctx) => {
  await pkg(ctx.dir, 'out', { name: 'mylib', version: '1.0', build: 'py313_0', depends: ['python 3.13.*', 'six'] });
  await pkg(ctx.dir, 'build', { name: 'python', version: '3.13.1', build: 'h0_0' });
  await pkg(ctx.dir, 'build', { name: 'six', version: '1.16.0', build: 'pyh0_0', subdir: 'noarch', noarch: 'python', depends: ['python'] });
  await indexChannel(join(ctx.dir, 'out'));
  await indexChannel(join(ctx.dir, 'build'));
  const got = await solve(['mylib'], { channels: [join(ctx.dir, 'out'), join(ctx.dir, 'build')], subdir: 'linux-64' });
  assert.equal(got.map((r) => `${r.name}-${r.version}-${r.build} ${r.subdir}`).sort(), ['mylib-1.0-py313_0 linux-64', 'python-3.13.1-h0_0 linux-64', 'six-1.16.0-pyh0_0 noarch']);
  const six = got.find((r) => r.name === 'six')!;
  assert.is(six.file, join(ctx.dir, 'build', 'noarch', 'six-1.16.0-pyh0_0.tar.bz2'));
  assert.equal(six.depends, ['python']);
  assert.match(six.sha256 ?? '', /^[0-9a-f]{64}$/);
});

s('the first channel wins a name both have (the output channel before channels.build)', async (ctx) => {
  await pkg(ctx.dir, 'out', { name: 'mylib', version: '1.0', build: 'new_0' });
  await pkg(ctx.dir, 'build', { name: 'mylib', version: '2.0', build: 'old_0' });
  await indexChannel(join(ctx.dir, 'out'));
  await indexChannel(join(ctx.dir, 'build'));
  const got = await solve(['mylib'], { channels: [join(ctx.dir, 'out'), join(ctx.dir, 'build')], subdir: 'linux-64' });
  assert.equal(got.map((r) => r.build), ['new_0']);
  assert.is(got[0].file, join(ctx.dir, 'out', 'linux-64', 'mylib-1.0-new_0.tar.bz2'));
});

s('an unsatisfiable spec throws SolveError carrying the solver message', async (ctx) => {
  await pkg(ctx.dir, 'out', { name: 'mylib', version: '1.0', build: '0', depends: ['no-such-dep >=2'] });
  await indexChannel(join(ctx.dir, 'out'));
  const err = await solve(['mylib'], { channels: [join(ctx.dir, 'out')], subdir: 'linux-64' }).then(
    () => assert.unreachable('solved'),
    (e) => e,
  );
  assert.instance(err, SolveError);
  assert.is(err.failure, 'build');
  assert.equal(err.specs, ['mylib']);
  assert.match(err.solverMessage, /no-such-dep/);
  assert.match(err.message, /^cannot solve mylib for linux-64: /);
});

s('virtual packages satisfy __ requirements and are not in the result', async (ctx) => {
  await pkg(ctx.dir, 'out', { name: 'mylib', version: '1.0', build: '0', depends: ['__glibc >=2.17'] });
  await indexChannel(join(ctx.dir, 'out'));
  const channels = [join(ctx.dir, 'out')];
  await solve(['mylib'], { channels, subdir: 'linux-64' }).then(() => assert.unreachable('solved without __glibc'), (e) => assert.instance(e, SolveError));
  const got = await solve(['mylib'], { channels, subdir: 'linux-64', virtualPackages: [{ name: '__glibc', version: '2.28' }] });
  assert.equal(got.map((r) => r.name), ['mylib']);
  // Same with channels opened once (several solves on one server).
  const open = await openChannels(channels);
  try {
    const again = await solve(['mylib'], { channels: open, subdir: 'linux-64', virtualPackages: [{ name: '__glibc', version: '2.28' }] });
    assert.equal(again.map((r) => r.file), [join(ctx.dir, 'out', 'linux-64', 'mylib-1.0-0.tar.bz2')]);
  } finally {
    await open.close();
  }
});

s('a channel that cannot be opened: the error passes through and the virtual packages\' channel is removed', async (ctx) => {
  // The throwaway channel of the virtual packages is made in os.tmpdir(): here an empty dir of the test's.
  const tmp = join(ctx.dir, 'tmp');
  mkdirSync(tmp);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    await solve(['mylib'], { channels: ['ftp://example.invalid/ch'], subdir: 'linux-64', virtualPackages: [{ name: '__glibc', version: '2.28' }] }).then(
      () => assert.unreachable('solved'),
      (e) => assert.match(String(e), /unsupported URL scheme/),
    );
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
  assert.equal(readdirSync(tmp), []);
});

s('tmpDir: the virtual packages\' channel is made there (a run gives its task\'s scratch dir), and removed after', async (ctx) => {
  const scratch = join(ctx.dir, 'scratch');
  mkdirSync(scratch);
  await solve(['mylib'], { channels: ['ftp://example.invalid/ch'], subdir: 'linux-64', virtualPackages: [{ name: '__glibc', version: '2.28' }], tmpDir: scratch }).then(
    () => assert.unreachable('solved'),
    (e) => assert.match(String(e), /unsupported URL scheme/),
  );
  assert.equal(readdirSync(scratch), []);
  // Made there, not in the temp dir: a tmpDir that does not exist fails the solve naming it.
  const missing = join(ctx.dir, 'no-such-dir');
  await solve(['mylib'], { channels: ['ftp://example.invalid/ch'], subdir: 'linux-64', virtualPackages: [{ name: '__glibc', version: '2.28' }], tmpDir: missing }).then(
    () => assert.unreachable('solved'),
    (e) => assert.ok(String(e).includes(missing), String(e)),
  );
});

s.run();
