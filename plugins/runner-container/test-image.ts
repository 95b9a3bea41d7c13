// A tiny local image for tests and examples, made from Debian's static busybox (images cannot be
// pulled on CI machines): a rootfs in a temp dir, tarred and `import`ed. Idempotent: an existing
// image is reused at the cost of one `image exists`-style call.
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_IMAGE = 'localhost/rebuild-test-busybox';
const APPLETS = ['sh', 'cat', 'echo', 'sleep', 'mkdir', 'cp', 'ls', 'rm', 'mv', 'env', 'ip', 'touch', 'test', '[', 'printf', 'pwd', 'id', 'grep', 'sed', 'wc', 'head', 'tar', 'sha256sum', 'true', 'false'];

/** The test machine lacks what the helper needs: names the package to install. */
export class TestImageError extends Error {
  override name = 'TestImageError';
}

// A dynamically linked busybox would not run in an empty rootfs: refuse it with a clear message.
async function assertStatic(path: string): Promise<void> {
  const fh = await open(path, 'r').catch(() => {
    throw new TestImageError(`${path} not found: install Debian's busybox-static (apt-get install busybox-static; see .ci/install-system)`);
  });
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) throw new TestImageError(`${path} is not a 64-bit ELF executable`);
    const le = head[5] === 1;
    const u16 = (o: number) => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
    const phoff = Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32));
    const [phentsize, phnum] = [u16(54), u16(56)];
    const ph = Buffer.alloc(phentsize * phnum);
    await fh.read(ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const type = le ? ph.readUInt32LE(i * phentsize) : ph.readUInt32BE(i * phentsize);
      if (type === 3 /* PT_INTERP */) throw new TestImageError(`${path} is dynamically linked: install busybox-static, not busybox`);
    }
  } finally {
    await fh.close();
  }
}

async function engineAvailable(engine: string): Promise<void> {
  try {
    await run(engine, ['version', '--format', '{{.Client.Version}}']);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new TestImageError(`${engine} is not installed: the container tests need it (apt-get install podman runc; see .ci/install-system)`);
    throw new TestImageError(`${engine} does not work: ${e.stderr?.trim() || e.message}`);
  }
}

export interface TestImageOptions {
  engine?: string;
  image?: string;
  busybox?: string;
}

/** Make sure the busybox test image exists; returns its name. */
export async function ensureTestImage(options: TestImageOptions = {}): Promise<string> {
  const { engine = 'podman', image = TEST_IMAGE, busybox = '/bin/busybox' } = options;
  await engineAvailable(engine);
  const exists = await run(engine, ['image', 'inspect', '--format', '{{.Id}}', image]).then(() => true, () => false);
  if (exists) return image;
  await assertStatic(busybox);
  const dir = await mkdtemp(join(tmpdir(), 'rebuild-test-image-'));
  try {
    const rootfs = join(dir, 'rootfs');
    for (const d of ['bin', 'tmp', 'etc', 'root', 'proc', 'sys', 'dev']) await mkdir(join(rootfs, d), { recursive: true });
    await chmod(join(rootfs, 'tmp'), 0o1777);
    await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
    await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
    for (const a of APPLETS) await symlink('busybox', join(rootfs, 'bin', a));
    await writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\n');
    const tar = join(dir, 'rootfs.tar');
    await run('tar', ['-C', rootfs, '-cf', tar, '.']);
    await run(engine, ['import', '--change', 'ENV=PATH=/bin', '--change', 'CMD=["/bin/sh"]', tar, image]);
    return image;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
