// Same inputs, same bytes, on the bundled example: the buildout copied into two fresh checkouts (at
// paths of different lengths, so every build prefix differs) and run in each, one after the other,
// gives byte-identical channels — every package (.tar.bz2 and the transmuter's .conda) and every
// index file (repodata.json, .zst, run_exports.json, channeldata.json) of the output, bootstrap,
// tested and production channels.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasCc = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;

/** A checkout: the example's folders and a config with the root config's settings, relative to it. */
function checkout(dir: string): void {
  mkdirSync(join(dir, 'examples'), { recursive: true });
  cpSync(join(root, 'examples/buildout'), join(dir, 'examples/buildout'), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
  writeFileSync(join(dir, 'rebuild.config.json'), JSON.stringify({
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: './examples/buildout/aggregate', workDir: '.rebuild',
    channels: { reference: './examples/buildout/reference', build: ['./examples/buildout/toolchain'] },
    blocklist: [{ name: 'tensorflow', reason: 'too-heavy' }, ...(hasCc ? [] : [{ name: 'crc32c', reason: 'other' }])],
    extraVersions: { packaging: [{ version: '21.3' }] },
  }));
}

/** Channel files of a work dir (dot files excluded): output, bootstrap, tested, production. */
const allChannels = (work: string) => channelBytes(work, ['channel', 'bootstrap-channel', 'tested', 'production']);

const s = suite('examples/buildout: two checkouts, the same bytes');

s('run in two fresh checkouts gives byte-identical channels', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rebuild-buildout-repro-'));
  try {
    const dirs = [join(tmp, 'a'), join(tmp, 'second-checkout-at-a-longer-path')];
    const results = dirs.map((dir) => {
      checkout(dir);
      const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
      delete env.SOURCE_DATE_EPOCH;
      const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), 'run'], { cwd: dir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
      // The buildout fails some packages on purpose (nose: imp is gone): exit 1, not a crash.
      assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr.slice(-2000)}`);
      return allChannels(join(dir, '.rebuild'));
    });
    const [a, b] = results;
    const files = Object.keys(a);
    assert.ok(files.some((f) => f.endsWith('.tar.bz2')) && files.some((f) => f.endsWith('.conda')), files.join('\n'));
    for (const index of ['repodata.json', 'repodata.json.zst', 'run_exports.json', 'channeldata.json']) {
      assert.ok(files.some((f) => f.endsWith(index)), `${index} in ${files.join(', ')}`);
    }
    const differ = files.filter((f) => a[f] !== b[f]);
    assert.equal(differ, [], `differ between the checkouts: ${differ.join(', ')}`);
    assert.equal(Object.keys(b).sort(), files.sort());
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

s.run();
