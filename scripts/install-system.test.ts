// The README's set-up command runs as written as root (no sudo on a fresh Debian machine) and as a
// user with sudo: .ci/install-system elevates itself only when it is not root. The non-root cases
// run as `nobody` (setpriv) with a recording `sudo` first on PATH; the root case is what CI runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, '.ci/install-system');
const canDropRoot = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');

const install = suite('.ci/install-system', { dir: '' });
install.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-install-'));
  chmodSync(ctx.dir, 0o777);
});
install.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

function asNobody(path: string) {
  return spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', SCRIPT], {
    encoding: 'utf8',
    env: { PATH: path, HOME: '/nonexistent' },
  });
}

install('not root, with sudo: re-runs itself through sudo (and nothing else)', ({ dir }) => {
  if (!canDropRoot) return console.log('  (skipped: needs root and setpriv to run as another user)');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'sudo'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${dir}/sudo-args\n`, { mode: 0o755 });
  const r = asNobody(`${bin}:/usr/bin:/bin`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'sudo-args'), 'utf8').trim().split('\n'), ['env', 'DEBIAN_FRONTEND=noninteractive', SCRIPT]);
  assert.not.match(r.stdout + r.stderr, /install-system: installing|apt-get/);
});

install('not root, no sudo: one line saying what is needed, exit 1', () => {
  if (!canDropRoot) return console.log('  (skipped: needs root and setpriv to run as another user)');
  const r = asNobody('/usr/bin:/bin'.split(':').filter((d) => !existsSync(join(d, 'sudo'))).join(':') || '/nonexistent');
  assert.is(r.status, 1);
  assert.is(r.stderr, 'install-system: needs root: run it as root, or as a user with sudo\n');
});

install('the README calls it without sudo', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /\n\.ci\/install-system && npm ci && npm test\n/);
  assert.not.match(readme, /sudo \.ci\/install-system/);
});

install.run();
