import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { failureClassOf } from '../../core/model/failure.ts';
import type { PublishFailure, PublishResult } from '../../core/model/types.ts';
import { AnacondaChannel } from './anaconda.ts';
import { ChannelConflictError, TransientUploadError, type PackageFile } from './destination.ts';
import { publisher } from './index.ts';
import { configIn, group, makePackage, tempDir } from './test-fixtures.ts';
import { parseMultipart, startServer, type SeenRequest, type TestServer } from './test-server.ts';

const TOKEN = 'tok-0123456789-secret';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The anaconda.org endpoints the uploader calls, with their state: packages, releases, files
 * (dist) by owner/name/version/subdir/file, staged uploads by dist_id. `reportSha` changes the
 * sha256 the commit answers with (a server reporting a hash wrongly).
 */
async function fakeAnaconda(opts: { reportSha?: (real: string) => string; stageBusy?: number; stageConflict?: boolean; bucketResets?: number } = {}) {
  let busy = opts.stageBusy ?? 0;
  const server = await startServer();
  const packages = new Set<string>();
  const releases = new Set<string>();
  const dists = new Map<string, { sha256: string; bytes: Buffer; labels: string[] }>();
  const staged = new Map<string, { key: string; labels: string[]; sha256: string; bytes?: Buffer }>();
  const authed = (r: SeenRequest) => r.headers.authorization === `token ${TOKEN}`;
  const denied: [number, unknown] = [401, { error: 'invalid token' }];
  server.route(/^GET \/dist\//, (r) => {
    if (!authed(r)) return [401, { error: `invalid token: ${r.headers.authorization}` }];
    const d = dists.get(r.path.slice('/dist/'.length));
    return d ? [200, { sha256: d.sha256, labels: d.labels, basename: r.path.split('/').pop() }] : [404, { error: 'file not found' }];
  });
  server.route(/^DELETE \/dist\//, (r) => (authed(r) ? (dists.delete(r.path.slice('/dist/'.length)) ? [200, {}] : [404, {}]) : denied));
  server.route(/^GET \/package\//, (r) => (packages.has(r.path) ? [200, {}] : [404, {}]));
  server.route(/^POST \/package\//, (r) => (packages.add(r.path), [200, JSON.parse(r.body.toString())]));
  server.route(/^GET \/release\//, (r) => (releases.has(r.path) ? [200, {}] : [404, {}]));
  server.route(/^POST \/release\//, (r) => (releases.add(r.path), [200, {}]));
  server.route(/^POST \/stage\//, (r) => {
    if (!authed(r)) return denied;
    if (busy-- > 0) return [503, 'upstream busy'];
    const key = r.path.slice('/stage/'.length);
    if (dists.has(key) || opts.stageConflict) return [409, { error: 'file exists' }];
    const body = JSON.parse(r.body.toString());
    const id = `dist${staged.size + 1}`;
    staged.set(id, { key, labels: body.channels, sha256: body.sha256 });
    return [200, { post_url: `${server.url}/bucket`, form_data: { key: `uploads/${id}`, acl: 'private', success_action_status: '201' }, dist_id: id, basename: key.split('/').pop() }];
  });
  server.route('POST /bucket', (r) => {
    if (r.headers.authorization) return [400, 'the token must not be sent to the bucket'];
    const parts = parseMultipart(r);
    const field = (n: string) => parts.find((p) => p.name === n)?.data.toString();
    const file = parts.find((p) => p.name === 'file')!;
    const md5 = createHash('md5').update(file.data).digest('base64');
    if (field('Content-MD5') !== md5 || Number(field('Content-Length')) !== file.data.length) return [400, 'bad Content-MD5 or Content-Length'];
    const id = field('key')!.split('/').pop()!;
    staged.get(id)!.bytes = file.data;
    return [201, ''];
  }, { resetMidBody: opts.bucketResets });
  server.route(/^POST \/commit\//, (r) => {
    const { dist_id } = JSON.parse(r.body.toString());
    const s = staged.get(dist_id);
    if (!s?.bytes) return [400, { error: 'nothing uploaded' }];
    const real = sha256(s.bytes);
    dists.set(s.key, { sha256: real, bytes: s.bytes, labels: s.labels });
    return [200, { sha256: opts.reportSha ? opts.reportSha(real) : real, basename: s.key.split('/').pop() }];
  });
  return { server, dists, packages, releases };
}

const fileOf = (a: { path: string; filename: string; subdir: string; name: string; version: string; sha256: string; size: number }): PackageFile => ({ ...a });
const calls = (s: TestServer) => s.seen.map((r) => `${r.method} ${r.path.replace(/\/[^/]*\.conda$/, '/<file>')}`);

const s = suite('anaconda uploader');

s.before.each(() => {
  process.env.ANACONDA_TOKEN = TOKEN;
});

s('uploads with the calls anaconda-client makes: package, release, stage, bucket, commit', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda();
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const ch = new AnacondaChannel('https://anaconda.org/acme', { api: fake.server.url, backoffMs: 1 });
    const put = await ch.put(fileOf(a), 'py313');
    assert.equal(put, { sha256: a.sha256, skipped: false, location: `acme/linux-64/${a.filename}` });
    assert.equal(calls(fake.server), [
      'GET /dist/acme/foo/1.0/linux-64/<file>',
      'GET /package/acme/foo', 'POST /package/acme/foo',
      'GET /release/acme/foo/1.0', 'POST /release/acme/foo/1.0',
      'POST /stage/acme/foo/1.0/linux-64/<file>', 'POST /bucket', 'POST /commit/acme/foo/1.0/linux-64/<file>',
    ]);
    const stage = JSON.parse(fake.server.seen[5].body.toString());
    assert.equal([stage.distribution_type, stage.channels, stage.sha256, stage.attrs.name, stage.attrs.subdir], ['conda', ['py313'], a.sha256, 'foo', 'linux-64']);
    assert.equal(fake.dists.get(`acme/foo/1.0/linux-64/${a.filename}`)!.bytes, readFileSync(a.path));
    assert.is(fake.server.seen[0].headers.authorization, `token ${TOKEN}`);
    // Uploading again: the file is there with the same hash, nothing is sent.
    const again = await ch.put(fileOf(a), 'py313');
    assert.ok(again.skipped);
    assert.is(fake.server.seen.length, 9);
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('401: says which token and what it needs, never the token itself, and is not retried', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda();
  try {
    process.env.ANACONDA_TOKEN = 'wrong-token-value-123';
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new AnacondaChannel('x', { api: fake.server.url, owner: 'acme', backoffMs: 1 }).put(fileOf(a), 'main').then(() => null, (e) => e);
    assert.match(err?.message ?? '', /HTTP 401: ANACONDA_TOKEN is not accepted for acme \(a token with api:write scope/);
    assert.not.match(err.message, /wrong-token-value-123/);
    assert.not.instance(err, TransientUploadError);
    assert.is(fake.server.seen.length, 1);
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('a server that echoes the token in an error body: the message has it redacted', async () => {
  const t = tempDir();
  const server = await startServer();
  try {
    server.route(/.*/, (r) => [400, { error: `bad request with ${r.headers.authorization}` }]);
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new AnacondaChannel('https://anaconda.org/acme', { api: server.url, backoffMs: 1 }).put(fileOf(a), 'main').then(() => null, (e) => e);
    assert.match(err?.message ?? '', /HTTP 400: \{"error":"bad request with token \[redacted\]"\}/);
    assert.not.match(err.message, new RegExp(TOKEN));
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('409 conflict at stage (uploaded by someone else after the look-up): refused, with what to do', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda({ stageConflict: true });
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new AnacondaChannel('https://anaconda.org/acme', { api: fake.server.url, backoffMs: 1 }).put(fileOf(a), 'main').then(() => null, (e) => e);
    assert.instance(err, ChannelConflictError);
    assert.match(err.message, /was uploaded by someone else meanwhile \(HTTP 409\); run the publish again to compare it/);
    assert.not.ok(fake.server.seen.some((r) => r.path === '/bucket'));
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('a file there with other content: refused; skipExisting leaves it; force replaces it', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda();
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const key = `acme/foo/1.0/linux-64/${a.filename}`;
    fake.dists.set(key, { sha256: 'e'.repeat(64), bytes: Buffer.from('old'), labels: ['main'] });
    const url = 'https://anaconda.org/acme';
    const refused = await new AnacondaChannel(url, { api: fake.server.url }).put(fileOf(a), 'main').then(() => null, (e) => e);
    assert.instance(refused, ChannelConflictError);
    assert.match(refused.message, /exists with other content \(sha256 e{64}, this file/);
    const skipped = await new AnacondaChannel(url, { api: fake.server.url, skipExisting: true }).put(fileOf(a), 'main');
    assert.equal([skipped.skipped, skipped.sha256], [true, 'e'.repeat(64)]);
    const forced = await new AnacondaChannel(url, { api: fake.server.url, force: true }).put(fileOf(a), 'main');
    assert.equal([forced.skipped, forced.sha256], [false, a.sha256]);
    assert.ok(fake.server.seen.some((r) => r.method === 'DELETE'));
    assert.is(fake.dists.get(key)!.sha256, a.sha256);
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('500 then success: retried with backoff, the retry logged', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda({ stageBusy: 1 });
  try {
    const a = await makePackage(t.dir, { name: 'foo' });
    const lines: string[] = [];
    const put = await new AnacondaChannel('https://anaconda.org/acme', { api: fake.server.url, backoffMs: 1 }, { log: (l) => lines.push(l) }).put(fileOf(a), 'main');
    assert.is(put.sha256, a.sha256);
    assert.is(fake.server.seen.filter((r) => r.path.startsWith('/stage/')).length, 2);
    assert.match(lines.join('\n'), /stage linux-64\/foo-1.0-py313h0_0.conda: HTTP 503: upstream busy; try 2 of 4 in 1 ms/);
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('a connection reset mid-upload: the upload is sent again', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda({ bucketResets: 1 });
  try {
    // Large and incompressible: the body is still arriving when the server drops the connection.
    const a = await makePackage(t.dir, { name: 'foo', content: randomBytes(600_000).toString('base64') });
    const lines: string[] = [];
    const put = await new AnacondaChannel('https://anaconda.org/acme', { api: fake.server.url, backoffMs: 1 }, { log: (l) => lines.push(l) }).put(fileOf(a), 'main');
    assert.is(put.sha256, a.sha256);
    assert.is(fake.server.seen.filter((r) => r.path === '/bucket').length, 2, 'the first upload was cut, the second went through');
    assert.match(lines.join('\n'), /upload linux-64\/foo-1.0-py313h0_0.conda: no answer/);
    assert.equal(fake.dists.get(`acme/foo/1.0/linux-64/${a.filename}`)!.bytes, readFileSync(a.path));
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('5xx on every try: a transient error (class network for the run)', async () => {
  const t = tempDir();
  const server = await startServer();
  try {
    server.route(/.*/, () => [502, 'bad gateway']);
    const a = await makePackage(t.dir, { name: 'foo' });
    const err = await new AnacondaChannel('https://anaconda.org/acme', { api: server.url, attempts: 3, backoffMs: 1 }).put(fileOf(a), 'main').then(() => null, (e) => e);
    assert.instance(err, TransientUploadError);
    assert.match(err.message, /HTTP 502: bad gateway \(after 3 tries\)/);
    assert.is(server.seen.length, 3);
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('through the publisher: a hash the server reports wrongly fails the copy, and the file is removed', async () => {
  const t = tempDir();
  const fake = await fakeAnaconda({ reportSha: () => '0'.repeat(64) });
  try {
    const config = configIn(t.dir, [publisher({ kind: 'anaconda', anaconda: { api: fake.server.url, owner: 'acme', backoffMs: 1 } })], { channels: { production: 'https://conda.example.org/acme' } });
    const run = new Engine(config).createRun();
    const failures: PublishFailure[] = [];
    run.hooks.publishFailed.tap('test', (f) => void failures.push(f));
    const a = await makePackage(join(config.workDir, 'channel'), { name: 'foo' });
    const err = await (run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[a]])) as Promise<PublishResult>).then(() => null, (e) => e);
    assert.match(err?.message ?? '', new RegExp(`the copy in https://conda.example.org/acme has sha256 0{64}, not the one recorded at build ${a.sha256}`));
    assert.is(failureClassOf(err, 'internal'), 'publish');
    assert.equal(failures.map((f) => f.step), ['copy']);
    assert.is(fake.dists.size, 0, 'the upload whose hash could not be confirmed was deleted');
    assert.match(readFileSync(join(config.workDir, 'notices', 'foo.md'), 'utf8'), /\| copy \| linux-64\/foo-1.0-py313h0_0.conda \|/);
  } finally {
    await fake.server.close();
    t.cleanup();
  }
});

s('through the publisher: a server down after retries is class network (the run retries the publish task)', async () => {
  const t = tempDir();
  const server = await startServer();
  try {
    server.route(/.*/, () => [500, 'down']);
    const config = configIn(t.dir, [publisher({ anaconda: { api: server.url, attempts: 2, backoffMs: 1 } })], { channels: { production: 'https://anaconda.org/acme' } });
    const run = new Engine(config).createRun();
    const a = await makePackage(join(config.workDir, 'channel'), { name: 'foo' });
    const err = await (run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[a]])) as Promise<PublishResult>).then(() => null, (e) => e);
    assert.is(failureClassOf(err, 'internal'), 'network');
  } finally {
    await server.close();
    t.cleanup();
  }
});

s.run();
