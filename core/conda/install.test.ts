// The shared installer (core/conda/install.ts): what it installs, an unsolvable environment, and a
// local channel whose index lists a file that is gone (a stale index of our own channel, classed
// `build`: no retry mends it in this run), never `network`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCondaPackage } from './write-package.ts';
import { ChannelIndexWriter } from './repodata.ts';
import { failureClassOf } from '../model/failure.ts';
import { InstallError, installEnvironment } from './install.ts';
import { openChannels } from './solve.ts';

const env = suite('installEnvironment');

env.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-env-'));
});
env.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** A local channel with one small package, indexed. */
async function channelWithZlib(dir: string): Promise<string> {
  const channel = join(dir, 'channel');
  const prefix = join(dir, 'pkg-prefix');
  mkdirSync(join(prefix, 'include'), { recursive: true });
  writeFileSync(join(prefix, 'include', 'zlib.h'), '#define ZLIB_VERSION "1.3.1"\n');
  const [artifact] = await writeCondaPackage({
    prefix, files: ['include/zlib.h'], outDir: join(channel, 'linux-64'),
    info: { name: 'zlib', version: '1.3.1', build: 'h4ab18f5_1', buildNumber: 1, subdir: 'linux-64', depends: [], license: 'Zlib', timestamp: Date.UTC(2024, 5, 1) },
  });
  await new ChannelIndexWriter(channel).update(['linux-64']);
  return artifact.path;
}

const install = async (dir: string, channel: string, specs = ['zlib']) => {
  const channels = await openChannels([channel]);
  const lines: string[] = [];
  try {
    return await installEnvironment({
      label: 'host', specs, subdir: 'linux-64', prefix: join(dir, 'host'), channels,
      downloadDir: join(dir, 'downloads'), pythonVersion: '3.13', log: (l) => void lines.push(l),
    });
  } finally {
    await channels.close();
  }
};

env('a package the local channel lists and has is installed in place', async (ctx) => {
  await channelWithZlib(ctx.dir);
  const installed = await install(ctx.dir, join(ctx.dir, 'channel'));
  assert.equal(installed.map((p) => p.filename), ['zlib-1.3.1-h4ab18f5_1.tar.bz2']);
});

env('a file listed by our channel but gone fails as `build` with the stale index named, not as a transient network error', async (ctx) => {
  const file = await channelWithZlib(ctx.dir);
  unlinkSync(file);
  const err = await install(ctx.dir, join(ctx.dir, 'channel')).then(() => assert.unreachable('installed a missing file'), (e) => e);
  assert.is(failureClassOf(err, 'internal'), 'build');
  assert.match(err.message, /zlib-1\.3\.1-h4ab18f5_1\.tar\.bz2 is listed in the index of local channel .*channel but .* does not exist \(stale index/);
});

env('the installed files are in the prefix; a channel list (not opened channels) works too', async (ctx) => {
  await channelWithZlib(ctx.dir);
  const lines: string[] = [];
  await installEnvironment({
    label: 'test', specs: ['zlib'], subdir: 'linux-64', prefix: join(ctx.dir, 'p'), channels: [join(ctx.dir, 'channel')],
    downloadDir: join(ctx.dir, 'downloads'), pythonVersion: '3.13', log: (l) => void lines.push(l),
  });
  assert.is(readFileSync(join(ctx.dir, 'p', 'include', 'zlib.h'), 'utf8'), '#define ZLIB_VERSION "1.3.1"\n');
  assert.equal(lines, ['test environment: solving zlib for linux-64', 'test environment: install zlib 1.3.1 h4ab18f5_1']);
});

env('an unsolvable environment names the environment and carries the solver message (cause: SolveError)', async (ctx) => {
  await channelWithZlib(ctx.dir);
  const err = await install(ctx.dir, join(ctx.dir, 'channel'), ['zlib >=2']).then(() => assert.unreachable('solved'), (e) => e);
  assert.instance(err, InstallError);
  assert.is(err.failure, 'build');
  assert.match(err.message, /^cannot solve the host environment \(zlib >=2\): .*zlib >=2/);
  assert.is(err.cause.name, 'SolveError');
});

env.run();
