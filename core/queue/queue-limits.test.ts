// The coordinator's `limits.builder` holds across all workers: two workers of concurrency 1 and a
// coordinator of concurrency 3 build alpha and beta (independent) one at a time when the script
// builder is limited to 1. A real redis-server; every rebuild a separate process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from './test-redis.ts';
import { rebuild, stopProcesses, writeProject, type Cli } from './fixtures/project.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';

const limits = suite('limits.builder across the workers of a queue');

limits('limits.builder { rebuild:builder-script: 1 }: never two scripts at once on two workers; the second waits for the slot, says so, and builds', async () => {
  const redis = await startRedis();
  if (!redis) return;
  const root = mkdtempSync(join(tmpdir(), 'rebuild-queue-limits-'));
  const procs: Cli[] = [];
  try {
    const project = await writeProject(root);
    const configFile = join(project, 'rebuild.config.ts');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('  queue: {', "  limits: { builder: { 'rebuild:builder-script': 1 } },\n  queue: {"));
    const local = rebuild(project, ['run', '--work-dir', join(root, 'local'), '--concurrency', '3']);
    assert.is(await local.done, 0, local.out());
    // From here on each script notes how many scripts run beside it.
    writeFileSync(join(root, 'count-builds'), '');
    const workers = ['w1', 'w2'].map((w) => rebuild(project, ['worker', '--queue', redis.url, '--arch', 'linux-64', '--work-dir', join(root, w), '--concurrency', '1']));
    procs.push(...workers);
    await Promise.all(workers.map((w) => w.saw('takes linux-64 builds')));
    const run = rebuild(project, ['run', '--queue', redis.url, '--work-dir', join(root, 'queued'), '--concurrency', '3']);
    procs.push(run);
    assert.is(await run.done, 0, `${run.out()}\n--- w1\n${workers[0].out()}\n--- w2\n${workers[1].out()}`);
    assert.equal(channelBytes(join(root, 'queued')), channelBytes(join(root, 'local')));
    const counts = readFileSync(join(root, 'concurrent-builds'), 'utf8').trim().split('\n').map(Number);
    assert.equal(counts, [1, 1, 1], 'one script at a time, each of the three counted once');
    // alpha and beta were both ready at the start, each on its own worker: one waited for the other's slot.
    const logs = ['alpha', 'beta'].map((n) => readFileSync(join(root, 'queued', 'logs', 'linux-64', `${n}.log`), 'utf8'));
    const takers = logs.map((log) => /=== worker \S+ pid (\d+) took job /.exec(log)?.[1]);
    assert.is.not(takers[0], takers[1], 'alpha and beta on different workers');
    assert.is(logs.filter((log) => /=== waiting for a slot of rebuild:builder-script \(limits\.builder 1 across all workers\)/.test(log)).length, 1, logs.join('\n-----\n'));
  } finally {
    await stopProcesses(procs);
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

limits.run();
