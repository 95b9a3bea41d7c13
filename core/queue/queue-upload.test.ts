// `queue.upload`: workers that share no artifact folder with the coordinator send their files to its
// HTTP endpoint, with the token from REBUILD_ARTIFACT_TOKEN. A real redis-server, a real coordinator
// (`rebuild run --queue`) serving the endpoint, real workers; a wrong token and an upload cut mid-file
// leave nothing recorded as built.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type Job } from 'bullmq';
import { freePort, startRedis, type TestRedis } from './test-redis.ts';
import { PACKAGES, REPO, buildState as stateOf, rebuild, stopProcesses, workerReady as ready, writeProject, type Cli } from './fixtures/project.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';
import { buildPrefix, connect } from './connection.ts';
import { storedPath } from './artifact-store.ts';
import type { BuildJobData, BuildJobResult } from './job.ts';

interface Ctx {
  root: string;
  project: string;
  port: number;
  redis: TestRedis | null;
  reference: Record<string, string>;
  procs: Cli[];
}

const TOKEN = 'q1-upload-token-5f0c2e8d41a7b396';
const upload = suite<Ctx>('rebuild worker uploading its artifacts to the coordinator over HTTP');

upload.before(async (ctx) => {
  ctx.redis = await startRedis();
  if (!ctx.redis) return;
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-queue-upload-'));
  ctx.project = await writeProject(ctx.root);
  ctx.port = await freePort();
  // No shared folder: each process keeps its default <work dir>/queue-artifacts; the workers upload.
  const configFile = join(ctx.project, 'rebuild.config.ts');
  const config = readFileSync(configFile, 'utf8').replace(
    /  queue: \{[^\n]*\},\n/,
    `  queue: { upload: { url: 'http://127.0.0.1:${ctx.port}', token: env('REBUILD_ARTIFACT_TOKEN') } },\n`,
  );
  assert.match(config, /upload: \{ url/);
  writeFileSync(configFile, `import { env } from ${JSON.stringify(join(REPO, 'core/config/secret.ts'))};\n${config}`);
  ctx.procs = [];
  const local = rebuild(ctx.project, ['run', '--work-dir', join(ctx.root, 'local'), '--concurrency', '2'], { REBUILD_ARTIFACT_TOKEN: TOKEN });
  assert.is(await local.done, 0, local.out());
  ctx.reference = channelBytes(join(ctx.root, 'local'));
});

upload.after.each(async (ctx) => {
  await stopProcesses(ctx.procs);
  ctx.procs = [];
});

upload.after(async (ctx) => {
  await ctx.redis?.stop();
  if (ctx.root) rmSync(ctx.root, { recursive: true, force: true });
});

function worker(ctx: Ctx, name: string, token: string): Cli {
  const w = rebuild(ctx.project, ['worker', '--queue', ctx.redis!.url, '--arch', 'linux-64', '--work-dir', join(ctx.root, name)], { REBUILD_ARTIFACT_TOKEN: token });
  ctx.procs.push(w);
  return w;
}

function coordinator(ctx: Ctx, work: string): Cli {
  const c = rebuild(ctx.project, ['run', '--queue', ctx.redis!.url, '--work-dir', join(ctx.root, work), '--concurrency', '2'], { REBUILD_ARTIFACT_TOKEN: TOKEN });
  ctx.procs.push(c);
  return c;
}

const filesUnder = (dir: string): string[] => {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tar\.bz2$|\.conda$|\.upload-/.test(f));
  } catch {
    return [];
  }
};

upload('a worker with no shared folder uploads its files: the coordinator verifies and records them; channel byte-identical to a local run\'s; the token shows nowhere', async (ctx) => {
  if (!ctx.redis) return;
  const w = worker(ctx, 'w1', TOKEN);
  await ready(w);
  const run = coordinator(ctx, 'uploaded');
  assert.is(await run.done, 0, `${run.out()}\n--- worker\n${w.out()}`);
  const work = join(ctx.root, 'uploaded');
  assert.match(run.out(), new RegExp(`artifact uploads: listening on 127\\.0\\.0\\.1:${ctx.port} \\(workers send to http://127\\.0\\.0\\.1:${ctx.port}/, token from REBUILD_ARTIFACT_TOKEN\\)`));
  assert.equal(channelBytes(work), ctx.reference);
  for (const name of Object.keys(PACKAGES)) {
    const { attempts, build } = stateOf(work, name);
    assert.is(attempts.length, 1, name);
    assert.match(build?.reason ?? '', /^built by rebuild:builder-script on \S+ pid \d+$/);
  }
  // The worker wrote nothing into a folder of its own; the coordinator's uploads were taken and dropped.
  assert.equal(filesUnder(join(ctx.root, 'w1', 'queue-artifacts')), []);
  assert.not.ok(existsSync(join(ctx.root, 'w1', 'queue-artifacts')));
  assert.equal(filesUnder(join(work, 'queue-artifacts')), []);
  const logs = Object.keys(PACKAGES).map((n) => readFileSync(join(work, 'logs', 'linux-64', `${n}.log`), 'utf8')).join('\n');
  for (const text of [run.out(), w.out(), logs, readFileSync(join(work, 'state.db')).toString('latin1')]) assert.not.ok(text.includes(TOKEN), 'the token leaked');
});

upload('a worker with a wrong token: the upload is refused (401), the package fails with the reason, nothing recorded as built', async (ctx) => {
  if (!ctx.redis) return;
  const w = worker(ctx, 'w-wrong', 'a-wrong-token-of-24-chars');
  await ready(w);
  const run = coordinator(ctx, 'wrong-token');
  assert.is(await run.done, 1, `${run.out()}\n--- worker\n${w.out()}`);
  const work = join(ctx.root, 'wrong-token');
  assert.match(run.out(), /artifact upload refused from 127\.0\.0\.1: wrong or missing token/);
  for (const name of ['alpha', 'beta']) {
    const { row, attempts } = stateOf(work, name);
    assert.is(row.status, 'failed');
    assert.is(attempts.length, 1, 'not retried: another attempt would be refused the same way');
    assert.is(attempts[0].failure, 'build');
    assert.match(attempts[0].reason ?? '', new RegExp(`worker \\S+ pid \\d+: artifact upload of ${name}-1\\.0-\\S+\\.tar\\.bz2 to http://127\\.0\\.0\\.1:${ctx.port}/ refused \\(401\\): wrong or missing token: REBUILD_ARTIFACT_TOKEN must hold the coordinator's value; nothing was kept`));
  }
  assert.is(stateOf(work, 'gamma').row.status, 'blocked');
  assert.equal(Object.keys(channelBytes(work)).filter((f) => f.endsWith('.tar.bz2')), []);
  assert.equal(filesUnder(join(work, 'queue-artifacts')), []);
  assert.not.ok(w.out().includes('a-wrong-token-of-24-chars'), 'the worker printed its token');
});

upload('an upload cut mid-file (the worker then claims success): nothing kept, the coordinator refuses the result, nothing recorded as built', async (ctx) => {
  if (!ctx.redis) return;
  // A worker of the test's own: it sends half of a file, drops the connection, and returns the
  // result a finished upload would have given.
  const connection = connect(ctx.redis.url);
  const cutter = new Worker<BuildJobData, BuildJobResult>('linux-64', async (job: Job<BuildJobData>) => {
    const filename = `${job.data.id}-1.0-0.tar.bz2`;
    const bytes = Buffer.alloc(200_000, 7);
    const socket = connectTcp(ctx.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`PUT /artifacts/${job.id}/linux-64/${filename} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${bytes.length}\r\nX-Rebuild-Sha256: ${'0'.repeat(64)}\r\n\r\n`);
    await new Promise((r) => socket.write(bytes.subarray(0, bytes.length / 2), r));
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    return { worker: 'cutting-worker', builder: 'test', artifacts: [{ filename, subdir: 'linux-64', name: job.data.id, version: '1.0', build: '0', sha256: '0'.repeat(64), size: bytes.length, stored: storedPath(job.id!, 'linux-64', filename) }] };
  }, { connection, prefix: buildPrefix('rebuild'), concurrency: 2 });
  try {
    await cutter.waitUntilReady();
    const run = coordinator(ctx, 'cut');
    assert.is(await run.done, 1, run.out());
    const work = join(ctx.root, 'cut');
    assert.match(run.out(), /artifact upload of \S+\/linux-64\/alpha-1\.0-0\.tar\.bz2 from 127\.0\.0\.1 cut after \d+ of 200000 bytes: the partial file is removed, nothing kept/);
    for (const name of ['alpha', 'beta']) {
      const { row, attempts } = stateOf(work, name);
      assert.is(row.status, 'failed');
      assert.ok(attempts.every((a) => a.status === 'failed'));
      assert.match(attempts[0].reason ?? '', new RegExp(`artifact ${name}-1\\.0-0\\.tar\\.bz2 from worker cutting-worker is not in the artifact store`));
    }
    assert.equal(Object.keys(channelBytes(work)).filter((f) => f.endsWith('.tar.bz2')), []);
    assert.equal(filesUnder(join(work, 'queue-artifacts')), [], 'no partial file left');
  } finally {
    await cutter.close();
    connection.disconnect();
  }
});

upload.run();
