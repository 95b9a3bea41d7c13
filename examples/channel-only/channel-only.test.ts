// `rebuild plan --channel` on the real 2018 defaults metadata carried in the repo (data/defaults-2018),
// laid out as a channel in a temp folder.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDefaults2018Channel } from '../../data/defaults-2018/channel.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

const channelOnly = suite('examples/channel-only', { channel: '' });
channelOnly.before((ctx) => {
  ctx.channel = writeDefaults2018Channel(mkdtempSync(join(tmpdir(), 'rebuild-channel-')));
});
channelOnly.after((ctx) => rmSync(ctx.channel, { recursive: true, force: true }));

channelOnly('plans the 3.6 → 3.7 rebuild of defaults 2018 from repodata alone', ({ channel }) => {
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), 'plan', '--config', 'examples/channel-only/rebuild.config.ts', '--channel', channel, '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  // The data holds a real cycle (mkl_fft ↔ mkl_random, through numpy) with no declared bootstrap: a plan error, exit 1.
  assert.is(r.status, 1, r.stderr);
  const [plan] = JSON.parse(r.stdout);
  assert.equal(plan.target, { subdir: 'linux-64', python: '3.7' });
  const ids = new Set(plan.nodes.map((n: { id: string }) => n.id));
  for (const name of ['cffi', 'cryptography', 'six', 'python@bootstrap']) assert.ok(ids.has(name), name);
  assert.not.ok(ids.has('zlib'), 'a C library without python is not part of the rebuild');
  const stage = (id: string) => plan.stages.findIndex((s: string[]) => s.includes(id));
  assert.ok(stage('pycparser') < stage('cffi') && stage('cffi') < stage('cryptography'));
  assert.is(plan.stages[0][0], 'python@bootstrap');
  assert.ok(plan.cycles.some((c: string[]) => c.includes('mkl_fft') && c.includes('mkl_random')));
  assert.ok(plan.nodes.filter((n: { status: string }) => n.status === 'planned').length > 100);
});

channelOnly.run();
