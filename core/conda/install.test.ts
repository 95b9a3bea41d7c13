// Installing an environment from a local channel whose index lists a file that is gone: a stale
// index of our own channel, classed `build` (no retry mends it in this run), never `network`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCondaPackage } from '../../core/conda/write-package.ts';
import { ChannelIndexWriter } from '../../core/conda/repodata.ts';
import { failureClassOf } from '../../core/model/failure.ts';
import { installEnvironment, openChannels } from './environment.ts';

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

const install = async (dir: string, channel: string) => {
  const channels = await openChannels([channel]);
  const lines: string[] = [];
  try {
    return await installEnvironment({
      label: 'host', specs: ['zlib'], platforms: ['linux-64', 'noarch'], prefix: join(dir, 'host'), channels,
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

env.run();
