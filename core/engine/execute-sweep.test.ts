// SIGKILL sweep over builds that take a while, on the host runner and in podman containers: a real
// child process (tests/fixtures/run-step-plan.ts) builds 4 packages whose build scripts write their
// prefix in steps; we SIGKILL it at several points (mid-script, between build and index), check the
// killed run's builds really were left running, resume, and require channels byte-identical to an
// uninterrupted run's with no process or container of the work dir left behind.
//
// A killed run's scripts are held (a hold file: they wait after their 2nd step) until the next run
// has started building, then released: without the fixes they would go on writing into the
// resumed attempt's prefix; with them they are stopped before anything is built. No timing is assumed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { StateDb } from '../state/state-db.ts';
import { groupMembers } from './leftovers.ts';
import { ensureTestImage, TestImageError } from '../../plugins/runner-container/test-image.ts';
import { markerProcesses } from '../../tests/fixtures/marker-processes.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'tests/fixtures/run-step-plan.ts');
const STEPS = 4;
const STEP_SECONDS = '0.1';

/** Kill when `scripts` build scripts of this child are held at their 2nd step, or after the n-th 'built' event. */
type KillPoint = { scripts: number } | { built: number } | null;

/** Every out.txt under the work dir's attempt dirs: its line count and when it was last written. */
function prefixes(work: string): Map<string, { lines: number; mtimeMs: number }> {
  const out = new Map<string, { lines: number; mtimeMs: number }>();
  const root = join(work, 'tasks', 'linux-64');
  if (!existsSync(root)) return out;
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return []; // removed meanwhile by the run (a finished task's dir)
    }
  };
  for (const id of list(root)) {
    for (const attempt of list(join(root, id))) {
      const file = join(root, id, attempt, 'prefix', 'out.txt');
      try {
        out.set(file, { lines: readFileSync(file, 'utf8').split('\n').filter(Boolean).length, mtimeMs: statSync(file).mtimeMs });
      } catch {
        // not written yet
      }
    }
  }
  return out;
}

interface ChildOptions {
  /** While this file exists, the child's scripts wait after their 2nd step. */
  hold: string;
  /** Removed at the child's first task start (after it has stopped any leftovers): releases a killed run's held scripts. */
  release?: string;
}

/** Safety net: a kill point not reached by then fails the test instead of hanging it (not a timing assertion). */
const GIVE_UP_MS = 30_000;

function runChild(work: string, marker: string, runner: string, point: KillPoint, io: ChildOptions): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const spawned = Date.now() - 5; // mtimes may round down
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, work, marker, String(STEPS), STEP_SECONDS, io.hold, runner], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let built = 0;
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line);
      if (e.type === 'task-start' && io.release) rmSync(io.release, { force: true });
      if (point && 'built' in point && e.type === 'task' && !e.initial && e.status === 'built' && ++built === point.built) child.kill('SIGKILL');
    });
    const poll = point && 'scripts' in point
      ? setInterval(() => {
        const held = [...prefixes(work).values()].filter((p) => p.mtimeMs >= spawned && p.lines >= 2).length;
        if (held >= point.scripts) child.kill('SIGKILL');
      }, 20)
      : undefined;
    const giveUp = setTimeout(() => {
      stderr += `\n(test: gave up after ${GIVE_UP_MS / 1000} s waiting for kill point ${JSON.stringify(point)})`;
      child.kill('SIGTERM');
    }, GIVE_UP_MS);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(giveUp);
      resolve({ code, signal, stderr });
    });
  });
}

const containersOf = (work: string) =>
  execFileSync('podman', ['ps', '-a', '-q', '--filter', `label=io.rebuild.workdir=${work}`]).toString().trim().split('\n').filter(Boolean);

/** Process groups the state ever recorded for this work dir. */
function recordedGroups(work: string): number[] {
  const db = StateDb.open(work, { readonly: true });
  try {
    return (db.db.prepare("SELECT pgid FROM attempt_processes WHERE kind = 'process-group'").all() as { pgid: number }[]).map((r) => r.pgid);
  } finally {
    db.close();
  }
}

/** The channels of an uninterrupted run on the host (the same scripts in a container give the same bytes). */
let reference: Promise<Record<string, string>> | null = null;
function referenceChannels(dir: string): Promise<Record<string, string>> {
  const work = join(dir, 'reference');
  mkdirSync(join(dir, 'holds'), { recursive: true });
  return (reference ??= runChild(work, `rebuild-sweep-${process.pid}-ref`, 'host', null, { hold: join(dir, 'holds', 'none') }).then((r) => {
    assert.is(r.code, 0, r.stderr);
    return channelBytes(work);
  }));
}

async function sweep(dir: string, runner: string, points: KillPoint[], leftBehind: (work: string, marker: string) => boolean): Promise<void> {
  const reference = await referenceChannels(join(dir, '..'));
  assert.is(Object.keys(reference).filter((f) => f.endsWith('.tar.bz2')).length, 4);

  const work = join(dir, 'killed');
  const holds = join(dir, 'holds');
  mkdirSync(holds, { recursive: true });
  const marker = `rebuild-sweep-${process.pid}-${runner.replace(/\W/g, '-')}`;
  let notices = '';
  let release: string | undefined;
  for (const [i, point] of points.entries()) {
    const hold = join(holds, `run-${i}`);
    if (point && 'scripts' in point) writeFileSync(hold, '');
    const r = await runChild(work, marker, runner, point, { hold, release });
    if (release) rmSync(release, { force: true }); // the child removes it at its first task start; also if it never started one
    release = existsSync(hold) ? hold : undefined;
    assert.is(r.signal, 'SIGKILL', `kill point ${JSON.stringify(point)} was not reached (exit ${r.code}): ${r.stderr}`);
    notices += r.stderr;
    // A kill mid-script leaves the build running (held): what the next run must stop.
    if (point && 'scripts' in point) assert.ok(leftBehind(work, marker), `nothing was left running after kill ${JSON.stringify(point)}`);
  }
  const last = await runChild(work, marker, runner, null, { hold: join(holds, 'none'), release });
  assert.is(last.code, 0, last.stderr);
  notices += last.stderr;

  assert.equal(channelBytes(work), reference, 'channels differ from the uninterrupted run');
  // Every package is built: the scratch dirs of its attempts are gone, the killed ones' too.
  assert.equal(readdirSync(join(work, 'tasks', 'linux-64')), [], 'scratch dirs left behind');
  assert.equal(markerProcesses(marker), [], 'a build process was left behind');
  for (const pgid of recordedGroups(work)) assert.equal(groupMembers(pgid), [], `process group ${pgid} was left behind`);
  const db = StateDb.open(work, { readonly: true });
  try {
    assert.equal(db.openProcesses(), []);
    assert.equal(db.runs().map((r) => r.outcome), [...points.map(() => 'killed'), 'success']);
  } finally {
    db.close();
  }
  // The held builds were stopped by a resumed run, not left to finish on their own.
  assert.match(notices, /leftover of a killed run: (killed process group|removed container)/);
}

const kill = suite('SIGKILL sweep over long builds');

kill.before((ctx) => {
  ctx.tmp = mkdtempSync(join(tmpdir(), 'rebuild-sweep-'));
});
kill.after((ctx) => {
  // Whatever happened (a failed test), nothing stays held or behind.
  for (const d of ['host', 'podman']) rmSync(join(ctx.tmp, d, 'holds'), { recursive: true, force: true });
  for (const pid of markerProcesses(`rebuild-sweep-${process.pid}-`)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  try {
    const ids = containersOf(join(ctx.tmp, 'podman', 'killed'));
    if (ids.length) execFileSync('podman', ['rm', '-f', '-t', '0', ...ids]);
  } catch {
    // no podman
  }
  rmSync(ctx.tmp, { recursive: true, force: true });
});

kill('host runner: killed mid-script, between build and index, mid-script again; resumed runs stop the orphans; channels identical', async (ctx) => {
  await sweep(join(ctx.tmp, 'host'), 'host', [{ scripts: 2 }, { built: 1 }, { scripts: 1 }], (_work, marker) => markerProcesses(marker).length > 0);
});

kill('podman: killed mid-script twice; resumed runs remove the containers; channels identical', async (ctx) => {
  let image: string;
  try {
    image = await ensureTestImage();
  } catch (err) {
    if (err instanceof TestImageError && /not installed/.test(err.message)) {
      console.log(`skipped: ${err.message}`);
      return;
    }
    throw err;
  }
  const dir = join(ctx.tmp, 'podman');
  await sweep(dir, image, [{ scripts: 2 }, { scripts: 1 }], (work) => containersOf(work).length > 0);
  assert.equal(containersOf(join(dir, 'killed')), [], 'a container was left behind');
});

kill.run();
