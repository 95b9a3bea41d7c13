import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedFolderStore } from './artifact-store.ts';
import { hashArtifacts } from '../engine/stage-runner.ts';
import { BuildFailureError } from '../model/failure.ts';

const store = suite<{ root: string }>('SharedFolderStore');

store.before.each((ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-store-'));
});
store.after.each((ctx) => rmSync(ctx.root, { recursive: true, force: true }));

async function built(root: string) {
  mkdirSync(join(root, 'out/linux-64'), { recursive: true });
  const path = join(root, 'out/linux-64/alpha-1.0-0.tar.bz2');
  writeFileSync(path, 'the package bytes');
  return hashArtifacts([{ path, filename: 'alpha-1.0-0.tar.bz2', subdir: 'linux-64', name: 'alpha', version: '1.0', build: '0', sha256: '', size: 0 }]);
}

store('put then take: the same bytes land in the channel', async ({ root }) => {
  const s = new SharedFolderStore(join(root, 'store'));
  const [stored] = await s.put('job:1', await built(root));
  assert.is(stored.stored, 'job_1/linux-64/alpha-1.0-0.tar.bz2');
  const dest = join(root, 'channel/linux-64/alpha-1.0-0.tar.bz2');
  await s.take(stored, dest, 'worker w');
  assert.is(readFileSync(dest, 'utf8'), 'the package bytes');
  await s.drop('job:1');
  assert.not.ok(existsSync(join(root, 'store/job_1')));
});

store('a stored file whose bytes are not the reported ones is refused, nothing left in the channel', async ({ root }) => {
  const s = new SharedFolderStore(join(root, 'store'));
  const [stored] = await s.put('j', await built(root));
  writeFileSync(join(root, 'store', stored.stored), 'the package bytez'); // same size, other bytes
  const dest = join(root, 'channel/linux-64/alpha-1.0-0.tar.bz2');
  try {
    await s.take(stored, dest, 'worker w');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, BuildFailureError);
    assert.match((err as Error).message, /^artifact alpha-1\.0-0\.tar\.bz2 from worker w refused: the store holds sha256 [0-9a-f]{64} \(17 bytes\), the worker reported [0-9a-f]{64} \(17 bytes\); nothing recorded$/);
  }
  assert.equal(readdirSync(join(root, 'channel/linux-64')), []);
});

store('a file missing from the store (no shared folder) says where it was looked for', async ({ root }) => {
  const s = new SharedFolderStore(join(root, 'store'));
  const [stored] = await s.put('j', await built(root));
  rmSync(join(root, 'store'), { recursive: true });
  try {
    await s.take(stored, join(root, 'channel/linux-64/alpha-1.0-0.tar.bz2'), 'worker w');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /artifact alpha-1\.0-0\.tar\.bz2 from worker w is not in the artifact store \(.*store\/j\/linux-64\/alpha-1\.0-0\.tar\.bz2\)/);
  }
  assert.equal(readdirSync(join(root, 'channel/linux-64')), []);
});

store('one filesystem: hard links, no bytes copied (the channel file is the built file\'s inode, verified)', async ({ root }) => {
  const s = new SharedFolderStore(join(root, 'store'));
  const [art] = await built(root);
  const [stored] = await s.put('j', [art]);
  // A temp file left by a killed coordinator is replaced.
  mkdirSync(join(root, 'channel/linux-64'), { recursive: true });
  writeFileSync(join(root, `channel/linux-64/.alpha-1.0-0.tar.bz2.queue-${process.pid}`), 'stale');
  const dest = join(root, 'channel/linux-64/alpha-1.0-0.tar.bz2');
  await s.take(stored, dest, 'worker w');
  assert.is(statSync(join(root, 'store', stored.stored)).ino, statSync(art.path).ino);
  assert.is(statSync(dest).ino, statSync(art.path).ino);
  assert.is(readFileSync(dest, 'utf8'), 'the package bytes');
  assert.equal(readdirSync(join(root, 'channel/linux-64')), ['alpha-1.0-0.tar.bz2']);
  await s.drop('j', [stored]);
  assert.not.ok(existsSync(join(root, 'store/j')));
  assert.is(statSync(dest).nlink, 2); // the built file and the channel's
});

// tmpfs: another filesystem than the temp dir's on most Linux machines (else the test says so and passes).
const otherFs = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : null;
store('another filesystem (EXDEV): copied, the same bytes', async ({ root }) => {
  if (!otherFs) return console.log('  (no second filesystem: /dev/shm is the temp dir\'s)');
  const far = mkdtempSync(join(otherFs, 'rebuild-store-'));
  try {
    const s = new SharedFolderStore(join(far, 'store'));
    const [art] = await built(root);
    const [stored] = await s.put('j', [art]);
    assert.is.not(statSync(join(far, 'store', stored.stored)).dev, statSync(art.path).dev);
    const dest = join(root, 'channel/linux-64/alpha-1.0-0.tar.bz2');
    await s.take(stored, dest, 'worker w');
    assert.is(readFileSync(dest, 'utf8'), 'the package bytes');
    assert.is(statSync(dest).nlink, 1);
  } finally {
    rmSync(far, { recursive: true, force: true });
  }
});

store.run();
