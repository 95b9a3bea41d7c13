import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { failureClassOf } from '../../core/model/failure.ts';
import type { PublishFailure, PublishResult } from '../../core/model/types.ts';
import { ChannelConflictError, TransientUploadError, type PackageFile } from './destination.ts';
import { publisher } from './index.ts';
import { PrefixChannel, prefixChannelOf } from './prefix.ts';
import { configIn, group, makePackage, tempDir } from './test-fixtures.ts';
import { startServer } from './test-server.ts';
import { fakePrefix, KEY } from './fake-prefix.ts';


const fileOf = (a: PackageFile): PackageFile => ({ path: a.path, filename: a.filename, subdir: a.subdir, name: a.name, version: a.version, sha256: a.sha256, size: a.size });

const s = suite('prefix.dev-style uploader');

s.before.each(() => {
  process.env.PREFIX_API_KEY = KEY;
});

s('channel URLs: https://prefix.dev/<channel> names the server and the channel', () => {
  assert.equal(prefixChannelOf('https://prefix.dev/my-channel'), { server: 'https://prefix.dev', channel: 'my-channel' });
  assert.equal(prefixChannelOf('https://prefix.dev/channels/my-channel'), { server: 'https://prefix.dev', channel: 'my-channel' });
  assert.is(prefixChannelOf('https://anaconda.org/acme'), null);
});

s('one authenticated POST per file with its sha256; the hash is read back from the channel index', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'));
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const ch = new PrefixChannel('x', { server: server.url, channel: 'rebuild', backoffMs: 1 });
    const put = await ch.put(fileOf(a));
    assert.equal(put, { sha256: a.sha256, skipped: false, location: `${server.url}/rebuild/linux-64/${a.filename}` });
    const posts = server.seen.filter((r) => r.method === 'POST');
    assert.is(posts.length, 1);
    assert.is(posts[0].path, '/api/v1/upload/rebuild');
    assert.equal(readFileSync(join(t.dir, 'srv/rebuild/linux-64', a.filename)), readFileSync(a.path));
    // Again: the index has it with the same hash; nothing is posted.
    assert.ok((await ch.put(fileOf(a))).skipped);
    assert.is(server.seen.filter((r) => r.method === 'POST').length, 1);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('401: the key is refused; the message says what is needed, never the key', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'));
  try {
    process.env.PREFIX_API_KEY = 'not-the-right-key-42';
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new PrefixChannel('x', { server: server.url, channel: 'rebuild', backoffMs: 1 }).put(fileOf(a)).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /HTTP 401: PREFIX_API_KEY is not accepted \(an API key with upload rights for channel rebuild is needed\)/);
    assert.not.match(err.message, /not-the-right-key-42/);
    assert.is(server.seen.filter((r) => r.method === 'POST').length, 1, 'not retried');
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('409 conflict: refused; skipExisting reads what the channel has; force overwrites', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'));
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const older = await makePackage(join(t.dir, 'old'), { name: 'foo', content: 'older\n' });
    await new PrefixChannel('x', { server: server.url, channel: 'rebuild' }).put(fileOf(older));
    // The look-up sees the other file first: a conflict before any upload.
    const refused = await new PrefixChannel('x', { server: server.url, channel: 'rebuild' }).put(fileOf(a)).then(() => null, (e) => e);
    assert.instance(refused, ChannelConflictError);
    // skipExisting: the file there is left as it is, and its hash is what the channel reports (the re-check decides).
    const skip = await new PrefixChannel('x', { server: server.url, channel: 'rebuild', skipExisting: true }).put(fileOf(a));
    assert.equal([skip.skipped, skip.sha256], [true, older.sha256]);
    const forced = await new PrefixChannel('x', { server: server.url, channel: 'rebuild', force: true, backoffMs: 1 }).put(fileOf(a));
    assert.equal([forced.skipped, forced.sha256], [false, a.sha256]);
    assert.ok(server.seen.some((r) => r.path === '/api/v1/upload/rebuild?force=true'));
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('409 answered to the upload (the index did not list it yet): a conflict unless skipExisting', async () => {
  const t = tempDir();
  const server = await startServer();
  try {
    server.route(/^POST /, () => [409, { error: 'exists' }]);
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new PrefixChannel('x', { server: server.url, channel: 'rebuild' }).put(fileOf(a)).then(() => null, (e) => e);
    assert.instance(err, ChannelConflictError);
    assert.match(err.message, /HTTP 409, the channel has this file already; set the publisher's prefix.skipExisting or prefix.force/);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('500 then success: retried', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'), { busy: 2 });
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const lines: string[] = [];
    const put = await new PrefixChannel('x', { server: server.url, channel: 'rebuild', backoffMs: 1 }, { log: (l) => lines.push(l) }).put(fileOf(a));
    assert.is(put.sha256, a.sha256);
    assert.is(server.seen.filter((r) => r.method === 'POST').length, 3);
    assert.match(lines.join('\n'), /HTTP 500: internal error; try 3 of 4 in 2 ms/);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('a connection reset mid-upload: sent again', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'), { resets: 1 });
  try {
    const a = await makePackage(t.dir, { name: 'foo', content: randomBytes(600_000).toString('base64') });
    const put = await new PrefixChannel('x', { server: server.url, channel: 'rebuild', backoffMs: 1 }).put(fileOf(a));
    assert.is(put.sha256, a.sha256);
    assert.is(server.seen.filter((r) => r.method === 'POST').length, 2);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('a server that keeps failing: a transient error after the tries', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'), { busy: 100 });
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new PrefixChannel('x', { server: server.url, channel: 'rebuild', attempts: 2, backoffMs: 1 }).put(fileOf(a)).then(() => null, (e) => e);
    assert.instance(err, TransientUploadError);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('through the publisher: a hash the server reports wrongly fails the copy (class publish, notice)', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'), { answerSha: () => 'a'.repeat(64) });
  try {
    const config = configIn(t.dir, [publisher({ kind: 'prefix', prefix: { server: server.url, channel: 'rebuild', backoffMs: 1 } })], { channels: { production: `${server.url}/rebuild` } });
    const run = new Engine(config).createRun();
    const failures: PublishFailure[] = [];
    run.hooks.publishFailed.tap('test', (f) => void failures.push(f));
    const a = await makePackage(join(config.workDir, 'channel'), { name: 'foo' });
    const err = await (run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[a]])) as Promise<PublishResult>).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /has sha256 a{64}, not the one recorded at build/);
    assert.is(failureClassOf(err, 'internal'), 'publish');
    assert.equal(failures.map((f) => f.step), ['copy']);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('through the publisher: a prefix.dev channel publishes a group of two arches', async () => {
  const t = tempDir();
  const server = await fakePrefix(join(t.dir, 'srv'));
  try {
    const config = configIn(t.dir, [publisher({ kind: 'prefix', prefix: { backoffMs: 1 } })], { channels: { production: `${server.url}/rebuild` }, publish: { label: 'staging' } });
    const run = new Engine(config).createRun();
    const built = join(config.workDir, 'channel');
    const linux = await makePackage(built, { name: 'foo' });
    const osx = await makePackage(built, { name: 'foo', subdir: 'osx-arm64' });
    // The server's own URL names no prefix.dev channel: `prefix.channel` is unset, so the URL path is used.
    const err = await (run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[linux], [osx]])) as Promise<PublishResult>).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /no prefix.dev server and channel; set the publisher's prefix.server and prefix.channel options/);
    const config2 = configIn(t.dir, [publisher({ kind: 'prefix', prefix: { server: server.url, channel: 'rebuild', backoffMs: 1 } })], { channels: { production: `${server.url}/rebuild` }, publish: { label: 'staging' } });
    const result = (await new Engine(config2).createRun().hooks.publish.promise(group(config2.workDir, 'foo', ['foo'], [[linux], [osx]]))) as PublishResult;
    assert.equal(result.published.map((p) => `${p.subdir}/${p.filename}`), [`linux-64/${linux.filename}`, `osx-arm64/${osx.filename}`]);
    assert.ok(existsSync(join(t.dir, 'srv/rebuild/osx-arm64', osx.filename)));
    // Staged under label `staging` in the work dir's staging folder, then removed from there.
    assert.not.ok(existsSync(join(config2.workDir, 'staging/label/staging/linux-64', linux.filename)));
  } finally {
    await server.close();
    t.cleanup();
  }
});

s.run();
