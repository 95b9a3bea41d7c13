// The artifact upload endpoint (upload-server.ts) and the worker's client (upload-client.ts), on a
// real loopback socket: a file arrives whole and verified; a wrong token, a wrong hash and a
// connection cut mid-file leave nothing in the store.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactUploadServer } from './upload-server.ts';
import { HttpArtifactUpload } from './upload-client.ts';
import { BuildFailureError } from '../model/failure.ts';
import type { Artifact } from '../model/types.ts';

interface Ctx {
  root: string;
  store: string;
  server: ArtifactUploadServer;
  url: string;
  notices: string[];
  noticed: (text: string) => Promise<string>;
}

const TOKEN = 'upload-test-token-0123456789abcdef';
const upload = suite<Ctx>('artifact upload over HTTP');

upload.before.each(async (ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-upload-'));
  ctx.store = join(ctx.root, 'store');
  ctx.notices = [];
  const waiters: { text: string; resolve: (m: string) => void }[] = [];
  ctx.noticed = (text) => {
    const seen = ctx.notices.find((m) => m.includes(text));
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ text, resolve }));
  };
  ctx.server = new ArtifactUploadServer({
    root: ctx.store, token: TOKEN, host: '127.0.0.1', port: 0,
    notice: (m) => {
      ctx.notices.push(m);
      for (const w of [...waiters]) if (m.includes(w.text)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
    },
  });
  const { port } = await ctx.server.listen();
  ctx.url = `http://127.0.0.1:${port}`;
});

upload.after.each(async (ctx) => {
  await ctx.server.close();
  rmSync(ctx.root, { recursive: true, force: true });
});

/** A package-like file of `size` bytes (not all alike, so a half differs from the whole). */
function artifact(ctx: Ctx, size = 300_000): Artifact {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  const path = join(ctx.root, 'alpha-1.0-py313_0.tar.bz2');
  writeFileSync(path, bytes);
  return { path, filename: 'alpha-1.0-py313_0.tar.bz2', subdir: 'linux-64', name: 'alpha', version: '1.0', build: 'py313_0', sha256: createHash('sha256').update(bytes).digest('hex'), size };
}

const client = (ctx: Ctx, token = TOKEN) => new HttpArtifactUpload({ url: ctx.url, token: () => token, variable: 'REBUILD_ARTIFACT_TOKEN' });
const filesIn = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
};
/** The package files and temp files under the store (relative paths; folders left out). */
const storedFiles = (ctx: Ctx) => filesIn(ctx.store).filter((f) => /\.(tar\.bz2|conda)$|\.upload-/.test(f)).sort();

upload('a worker\'s upload lands whole, under the job\'s folder, with the reported hash', async (ctx) => {
  const a = artifact(ctx);
  const [stored] = await client(ctx).put('ab12cd34.linux-64.alpha.0123456789ab', [a]);
  assert.is(stored.stored, join('ab12cd34.linux-64.alpha.0123456789ab', 'linux-64', a.filename));
  assert.is(stored.sha256, a.sha256);
  assert.is((stored as unknown as { path?: string }).path, undefined);
  assert.equal(readFileSync(join(ctx.store, stored.stored)), readFileSync(a.path));
  assert.equal(storedFiles(ctx), [stored.stored]);
  assert.equal(ctx.notices, []);
});

upload('a wrong token is refused with 401 before the body is sent: nothing stored, the worker says which variable', async (ctx) => {
  const a = artifact(ctx);
  try {
    await client(ctx, 'not-the-token-of-the-coordinator').put('job1', [a]);
    assert.unreachable('uploaded with a wrong token');
  } catch (err) {
    assert.instance(err, BuildFailureError);
    assert.is((err as BuildFailureError).failure, 'build');
    assert.match((err as Error).message, /artifact upload of alpha-1\.0-py313_0\.tar\.bz2 to http:\/\/127\.0\.0\.1:\d+\/ refused \(401\): wrong or missing token: REBUILD_ARTIFACT_TOKEN must hold the coordinator's value; nothing was kept/);
    assert.not.match((err as Error).message, /not-the-token/);
  }
  assert.match(await ctx.noticed('refused'), /^artifact upload refused from 127\.0\.0\.1: wrong or missing token$/);
  assert.equal(storedFiles(ctx), []);
});

upload('bytes whose sha256 is not the declared one are refused (422): nothing stored', async (ctx) => {
  const a = artifact(ctx);
  try {
    await client(ctx).put('job1', [{ ...a, sha256: createHash('sha256').update('other bytes').digest('hex') }]);
    assert.unreachable('a wrong hash was kept');
  } catch (err) {
    assert.match((err as Error).message, /refused \(422\): refused: received sha256 [0-9a-f]{64} \(300000 bytes\), declared [0-9a-f]{64} \(300000 bytes\); nothing kept/);
  }
  assert.equal(storedFiles(ctx), []);
});

upload('a client that sends half the file and drops the connection: the partial file is removed, nothing kept', async (ctx) => {
  const a = artifact(ctx);
  const bytes = readFileSync(a.path);
  const port = Number(new URL(ctx.url).port);
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    `PUT /artifacts/job1/linux-64/${a.filename} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Length: ${a.size}\r\nX-Rebuild-Sha256: ${a.sha256}\r\n\r\n`,
  );
  socket.write(bytes.subarray(0, a.size / 2));
  // The half has reached the server's temp file before the cut.
  while (!filesIn(ctx.store).some((f) => f.includes('.upload-'))) await new Promise((r) => setTimeout(r, 10));
  socket.destroy();
  assert.match(await ctx.noticed('cut'), /^artifact upload of job1\/linux-64\/alpha-1\.0-py313_0\.tar\.bz2 from 127\.0\.0\.1 cut after \d+ of 300000 bytes: the partial file is removed, nothing kept$/);
  assert.equal(storedFiles(ctx), []);
});

upload('the worker\'s side of a connection cut mid-file: a network failure (retried) saying the coordinator kept nothing', async (ctx) => {
  // A coordinator stand-in that takes the headers, reads part of the body and drops the connection.
  const cutter = createServer((socket) => {
    let seen = 0;
    socket.on('data', (d) => {
      seen += d.length;
      if (seen === d.length && d.includes('100-continue')) socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      else if (seen > 100_000) socket.destroy();
    });
  });
  await new Promise<void>((r) => cutter.listen(0, '127.0.0.1', () => r()));
  const port = (cutter.address() as { port: number }).port;
  try {
    await new HttpArtifactUpload({ url: `http://127.0.0.1:${port}`, token: () => TOKEN, variable: 'REBUILD_ARTIFACT_TOKEN' }).put('job1', [artifact(ctx, 2_000_000)]);
    assert.unreachable('a cut upload succeeded');
  } catch (err) {
    assert.instance(err, BuildFailureError);
    assert.is((err as BuildFailureError).failure, 'network');
    assert.match((err as Error).message, /^artifact upload of alpha-1\.0-py313_0\.tar\.bz2 to http:\/\/127\.0\.0\.1:\d+\/: connection lost \(.+\): the coordinator kept nothing$/);
  } finally {
    await new Promise((r) => cutter.close(r));
  }
});

upload.run();
