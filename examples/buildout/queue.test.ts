// The bundled buildout through the queue (issue 15's acceptance test): the root config's `two-arches`
// profile (linux-64 and linux-aarch64, the script builder on this host) run by one coordinator
// (`rebuild run --queue`) and three workers (`rebuild worker`: two for linux-64, one for
// linux-aarch64), every one a CLI process with its own work dir, a real redis-server between them.
// Its channels must be byte for byte those of a local run of the same profile. Builds run on the
// workers; tests, transmutes and publication on the coordinator (core/queue/README.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../core/queue/test-redis.ts';
import { rebuild, stopProcesses, workerReady, type Cli } from '../../core/queue/fixtures/project.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PROFILE = ['--profile', 'two-arches'];
/** Channel files of a work dir: output, bootstrap, tested, production. */
const allChannels = (work: string) => channelBytes(work, ['channel', 'bootstrap-channel', 'tested', 'production']);
/** A run's outcome from `rebuild status --json`: the tally per arch and status, and each failure's stage and class. */
async function outcome(work: string) {
  const status = rebuild(root, ['status', '--json', '--work-dir', work, ...PROFILE]);
  assert.is(await status.done, 0, status.out());
  const { arches, failed } = JSON.parse(status.out()) as { arches: unknown; failed: { subdir: string; id: string; stage: string; failure: string }[] };
  return { arches, failed: failed.map((f) => `${f.subdir} ${f.id}: ${f.stage} ${f.failure}`).sort() };
}

const s = suite('examples/buildout through the queue: a coordinator, three workers');

s('two linux-64 workers and a linux-aarch64 worker give the channels of a local run, byte for byte', async () => {
  const redis = await startRedis();
  if (!redis) return;
  const tmp = mkdtempSync(join(tmpdir(), 'rebuild-buildout-queue-'));
  // The profile's shared artifact folder, for the coordinator and the workers.
  const env = { REBUILD_QUEUE_ARTIFACTS: join(tmp, 'artifacts') };
  const workers: Cli[] = [];
  try {
    const local = rebuild(root, ['run', '--work-dir', join(tmp, 'local'), ...PROFILE], env);
    // The buildout fails some packages on purpose (nose: imp is gone; httpretty's test): exit 1.
    assert.is(await local.done, 1, local.out());
    const reference = allChannels(join(tmp, 'local'));
    const files = Object.keys(reference);
    for (const subdir of ['linux-64', 'linux-aarch64']) {
      assert.ok(files.some((f) => f.startsWith(`production/${subdir}/`) && f.endsWith('.conda')), `production/${subdir} in ${files.join(', ')}`);
    }

    const spec = [['w64-a', 'linux-64'], ['w64-b', 'linux-64'], ['waarch', 'linux-aarch64']] as const;
    for (const [name, arch] of spec) {
      workers.push(rebuild(root, ['worker', '--queue', redis.url, '--arch', arch, '--concurrency', '1', '--work-dir', join(tmp, name), ...PROFILE], env));
    }
    await Promise.all(workers.map((w, i) => workerReady(w, spec[i][1])));
    const queued = join(tmp, 'queued');
    const run = rebuild(root, ['run', '--queue', redis.url, '--work-dir', queued, '--concurrency', '3', ...PROFILE], env);
    assert.is(await run.done, 1, `${run.out()}\n${workers.map((w, i) => `--- ${spec[i][0]}\n${w.out()}`).join('\n')}`);

    const got = allChannels(queued);
    const differ = [...new Set([...files, ...Object.keys(got)])].filter((f) => reference[f] !== got[f]).sort();
    assert.equal(differ, [], `differ from the local run: ${differ.join(', ')}`);
    assert.equal(await outcome(queued), await outcome(join(tmp, 'local')));

    // Every build was a worker's, each arch's by its own workers, and both linux-64 workers built.
    const builtBy = new Map<string, Set<number>>();
    for (const subdir of ['linux-64', 'linux-aarch64']) {
      for (const log of readdirSync(join(queued, 'logs', subdir)).filter((f) => f.endsWith('.log'))) {
        const text = readFileSync(join(queued, 'logs', subdir, log), 'utf8');
        const took = [...text.matchAll(/=== worker \S+ pid (\d+) took job /g)].map((m) => Number(m[1]));
        // A blocked or excluded package has no log; every log here is a build that went through the queue.
        assert.ok(took.length >= 1, `${subdir}/${log}: no worker took it:\n${text.slice(0, 2000)}`);
        for (const pid of took) builtBy.set(subdir, (builtBy.get(subdir) ?? new Set()).add(pid));
      }
    }
    const pids = workers.map((w) => w.child.pid!);
    assert.equal([...(builtBy.get('linux-64') ?? [])].sort(), [pids[0], pids[1]].sort(), 'linux-64: built by both linux-64 workers, no other');
    assert.equal([...(builtBy.get('linux-aarch64') ?? [])], [pids[2]], 'linux-aarch64: built by its worker');
    // Nothing left in the shared artifact folder once the channels hold the files.
    assert.equal(readdirSync(join(tmp, 'artifacts')).filter((f) => !f.startsWith('.')), []);
  } finally {
    await stopProcesses(workers);
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

s.run();
