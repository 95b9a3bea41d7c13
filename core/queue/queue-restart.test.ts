// Redis restarted while a build is in progress (append-only file, same port): the coordinator and the
// worker reconnect by themselves and the run completes, with the channel a local run makes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from './test-redis.ts';
import { rebuild, writeProject } from './fixtures/project.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';
import { StateDb } from '../state/state-db.ts';

const restart = suite('Redis restarted mid-run');

restart('coordinator and worker reconnect; every package built once; channel byte-identical to a local run', async () => {
  const redis = await startRedis({ persist: true });
  if (!redis) return;
  const root = mkdtempSync(join(tmpdir(), 'rebuild-queue-restart-'));
  const workers: ReturnType<typeof rebuild>[] = [];
  try {
    const project = await writeProject(root);
    const local = rebuild(project, ['run', '--work-dir', join(root, 'local'), '--concurrency', '2']);
    assert.is(await local.done, 0, local.out());
    const hold = join(root, 'hold-beta');
    writeFileSync(hold, '');
    const worker = rebuild(project, ['worker', '--queue', redis.url, '--arch', 'linux-64', '--work-dir', join(root, 'w'), '--concurrency', '2']);
    workers.push(worker);
    await worker.saw('takes linux-64 builds');
    const run = rebuild(project, ['run', '--queue', redis.url, '--work-dir', join(root, 'queued'), '--concurrency', '2']);
    while (!readdirSync(root).some((f) => f.startsWith('started-beta-'))) await new Promise((r) => setTimeout(r, 50));
    await redis.restart();
    rmSync(hold);
    assert.is(await run.done, 0, `${run.out()}\n--- worker\n${worker.out()}`);
    assert.equal(channelBytes(join(root, 'queued')), channelBytes(join(root, 'local')));
    const db = StateDb.open(join(root, 'queued'), { readonly: true });
    try {
      for (const p of db.packages()) assert.is(db.attempts(p.id).filter((a) => a.stage === 'build').length, 1, p.node);
    } finally {
      db.close();
    }
  } finally {
    for (const w of workers) {
      w.child.kill('SIGTERM');
      await w.done;
    }
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

restart.run();
