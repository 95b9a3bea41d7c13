// Distributed builds with a real redis-server and real processes on this machine: `rebuild run
// --queue` (coordinator) and `rebuild worker` processes, each with its own work dir, sharing the
// artifact folder and the coordinator's channels by path (one machine; several machines untested).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from './test-redis.ts';
import { PACKAGES, buildState as attemptsOf, rebuild, stopProcesses, workerReady as ready, writeProject, type Cli } from './fixtures/project.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';
import { Worker, type Job } from 'bullmq';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { buildPrefix, connect } from './connection.ts';
import type { BuildJobData, BuildJobResult } from './job.ts';

interface Ctx {
  root: string;
  project: string;
  redis: TestRedis | null;
  reference: Record<string, string>;
  workers: Cli[];
}

const queue = suite<Ctx>('rebuild run --queue / rebuild worker');

queue.before(async (ctx) => {
  ctx.redis = await startRedis();
  if (!ctx.redis) return;
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-queue-'));
  ctx.project = await writeProject(ctx.root);
  ctx.workers = [];
  // The local run every queue run must match byte for byte.
  const local = rebuild(ctx.project, ['run', '--work-dir', join(ctx.root, 'local'), '--concurrency', '2']);
  assert.is(await local.done, 0, local.out());
  ctx.reference = channelBytes(join(ctx.root, 'local'));
  assert.is(Object.keys(ctx.reference).filter((f) => f.endsWith('.tar.bz2')).length, Object.keys(PACKAGES).length, JSON.stringify(ctx.reference));
});

queue.after.each(async (ctx) => {
  await stopProcesses(ctx.workers);
  ctx.workers = [];
});

queue.after(async (ctx) => {
  await ctx.redis?.stop();
  if (ctx.root) rmSync(ctx.root, { recursive: true, force: true });
});

function worker(ctx: Ctx, name: string, extra: string[] = [], project = ctx.project): Cli {
  const w = rebuild(project, ['worker', '--queue', ctx.redis!.url, '--arch', 'linux-64', '--work-dir', join(ctx.root, name), ...extra]);
  ctx.workers.push(w);
  return w;
}

function coordinator(ctx: Ctx, work: string): Cli {
  return rebuild(ctx.project, ['run', '--queue', ctx.redis!.url, '--work-dir', join(ctx.root, work), '--concurrency', '2']);
}

queue('a coordinator and two workers build the aggregate: the output channel is byte-identical to a local run\'s', async (ctx) => {
  if (!ctx.redis) return;
  const workers = [worker(ctx, 'w1'), worker(ctx, 'w2')];
  await Promise.all(workers.map((w) => ready(w)));
  const run = coordinator(ctx, 'queued');
  assert.is(await run.done, 0, run.out());
  const work = join(ctx.root, 'queued');
  assert.equal(channelBytes(work), ctx.reference);
  for (const name of Object.keys(PACKAGES)) {
    const log = readFileSync(join(work, 'logs', 'linux-64', `${name}.log`), 'utf8');
    // The worker's own lines reached the coordinator's log (what `rebuild logs -f` follows).
    assert.match(log, /=== worker \S+ pid \d+ took job /);
    assert.match(log, /=== worker \S+ pid \d+: built by rebuild:builder-script: \S+\.tar\.bz2 sha256 [0-9a-f]{64}/);
    const { attempts, build } = attemptsOf(work, name);
    assert.is(attempts.length, 1);
    assert.match(build?.reason ?? '', /^built by rebuild:builder-script on \S+ pid \d+$/);
  }
  // Nothing left in the artifact store once the channel holds the files.
  assert.equal(readdirSync(join(ctx.root, 'artifacts')).filter((f) => !f.startsWith('.')), []);
});

queue('a worker killed with SIGKILL mid-build: its job is given back, built once by another worker', async (ctx) => {
  if (!ctx.redis) return;
  const hold = join(ctx.root, 'hold-beta');
  writeFileSync(hold, '');
  for (const f of readdirSync(ctx.root)) if (f.startsWith('started-beta-')) rmSync(join(ctx.root, f));
  const first = worker(ctx, 'k1', ['--concurrency', '1', '--lock-duration', '2000']);
  await ready(first);
  const run = coordinator(ctx, 'killed');
  // beta's script has started on the first worker (the only one).
  while (!readdirSync(ctx.root).some((f) => f.startsWith('started-beta-'))) await new Promise((r) => setTimeout(r, 50));
  // status --workers: the one worker, building beta.
  const status = rebuild(ctx.project, ['status', '--workers', '--queue', ctx.redis.url, '--json']);
  assert.is(await status.done, 0, status.out());
  const listed = JSON.parse(status.out()) as { pid: number; arch: string; concurrency: number; tasks: string[] }[];
  assert.equal(listed.map((w) => ({ pid: w.pid, arch: w.arch, concurrency: w.concurrency, tasks: w.tasks })), [{ pid: first.child.pid, arch: 'linux-64', concurrency: 1, tasks: ['beta'] }]);
  first.child.kill('SIGKILL');
  await first.done;
  rmSync(hold); // the killed worker's orphan script ends; the next build runs through
  const second = worker(ctx, 'k2', ['--concurrency', '1', '--lock-duration', '2000']);
  assert.is(await run.done, 0, `${run.out()}\n--- first\n${first.out()}\n--- second\n${second.out()}`);
  const work = join(ctx.root, 'killed');
  assert.equal(channelBytes(work), ctx.reference);
  const log = readFileSync(join(work, 'logs', 'linux-64', 'beta.log'), 'utf8');
  const takers = [...log.matchAll(/=== worker \S+ pid (\d+) took job /g)].map((m) => m[1]);
  assert.is(takers.length, 2, log);
  assert.is(takers[0], String(first.child.pid));
  assert.is(takers[1], String(second.child.pid));
  const { attempts, build } = attemptsOf(work, 'beta');
  assert.is(attempts.length, 1, 'one build attempt in the coordinator: the job was given back, not failed');
  assert.is(attempts[0].status, 'complete');
  assert.ok(build?.reason?.endsWith(`pid ${second.child.pid}`), build?.reason ?? '');
});

queue('a worker whose checkout has other recipe content: the job fails with the reason, nothing recorded as built', async (ctx) => {
  if (!ctx.redis) return;
  const stale = await writeProject(ctx.root, 'stale-checkout', 'beta');
  await ready(worker(ctx, 'stale', [], stale));
  const run = coordinator(ctx, 'mismatch');
  assert.is(await run.done, 1, run.out());
  const work = join(ctx.root, 'mismatch');
  const { row, attempts } = attemptsOf(work, 'beta');
  assert.is(row.status, 'failed');
  assert.match(row.reason ?? '', /worker \S+ pid \d+: the recipe content of beta differs from the coordinator's \(job [0-9a-f]{12}, this checkout [0-9a-f]{12}\): check out the coordinator's aggregate revision; nothing was built/);
  assert.is(attempts.length, 1);
  assert.is(attempts[0].status, 'failed');
  assert.is(attempts[0].failure, 'build');
  assert.not.ok(Object.keys(channelBytes(work)).some((f) => f.includes('beta-')), 'no beta in the channel');
  // alpha and gamma have the same content there: built.
  assert.ok(existsSync(join(work, 'channel', 'linux-64')));
  assert.is(attemptsOf(work, 'gamma').attempts[0].status, 'complete');
});

queue('an artifact whose bytes are not what the worker reported is refused: nothing in the channel, nothing built; jobs carry the critical-path rank', async (ctx) => {
  if (!ctx.redis) return;
  // A worker of our own in this process: it stores a file and reports another file's sha256.
  const seen: { id: string; priority: number | undefined }[] = [];
  const connection = connect(ctx.redis.url);
  const fake = new Worker<BuildJobData, BuildJobResult>('linux-64', async (job: Job<BuildJobData>) => {
    seen.push({ id: job.data.id, priority: job.opts.priority });
    const filename = `${job.data.id}-1.0-0.tar.bz2`;
    const stored = join(job.id!, 'linux-64', filename);
    mkdirSync(join(ctx.root, 'artifacts', job.id!, 'linux-64'), { recursive: true });
    writeFileSync(join(ctx.root, 'artifacts', stored), 'tampered bytes');
    const claimed = createHash('sha256').update('the bytes that were built').digest('hex');
    return { worker: 'fake-worker', builder: 'test', artifacts: [{ filename, subdir: 'linux-64', name: job.data.id, version: '1.0', build: '0', sha256: claimed, size: 14, stored }] };
  }, { connection, prefix: buildPrefix('rebuild'), concurrency: 3 });
  try {
    await fake.waitUntilReady();
    const run = rebuild(ctx.project, ['run', '--queue', ctx.redis.url, '--work-dir', join(ctx.root, 'tampered'), '--concurrency', '3']);
    assert.is(await run.done, 1, run.out());
    const work = join(ctx.root, 'tampered');
    for (const name of ['alpha', 'beta']) {
      const { row, attempts } = attemptsOf(work, name);
      assert.is(row.status, 'failed');
      assert.is(attempts.length, 1);
      assert.match(attempts[0].reason ?? '', new RegExp(`artifact ${name}-1\\.0-0\\.tar\\.bz2 from worker fake-worker refused: the store holds sha256 [0-9a-f]{64} \\(14 bytes\\), the worker reported [0-9a-f]{64} \\(14 bytes\\); nothing recorded`));
    }
    assert.is(attemptsOf(work, 'gamma').row.status, 'blocked');
    assert.equal(Object.keys(channelBytes(work)).filter((f) => f.endsWith('.tar.bz2')), []);
    assert.equal(readdirSync(join(work, 'channel', 'linux-64')).filter((f) => f.includes('.queue-')), [], 'no temp file left');
    // alpha has a dependent (gamma): the longer remaining path, rank 1; beta after it.
    const rank = Object.fromEntries(seen.map((s) => [s.id, s.priority]));
    assert.equal(rank, { alpha: 1, beta: 2 });
  } finally {
    await fake.close();
    connection.disconnect();
  }
});

queue.run();
