// Leftovers of a killed run: recorded process groups are killed only when provably ours (same boot
// and leader start time, or a gone leader whose members all started after it); a pid now used by
// another process is left alone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDb } from '../state/state-db.ts';
import { groupMembers, processStart, stopLeftovers } from './leftovers.ts';

const left = suite('stopLeftovers');

left.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-leftovers-'));
  ctx.children = [] as ChildProcess[];
});
left.after.each((ctx) => {
  for (const c of ctx.children as ChildProcess[]) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** A build of a killed run, as the host runner starts one: its own process group. */
function startGroup(ctx: any, script: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', script, `rebuild-leftover-test-${process.pid}`], { detached: true, stdio: 'ignore' });
  child.unref();
  ctx.children.push(child);
  return child;
}

/** A state db with one attempt of a run that was killed. */
function killedAttempt(dir: string): { db: StateDb; attemptId: number } {
  const db = StateDb.open(dir);
  const runId = db.startRun(['run']);
  const p = db.ensurePackage({ node: 'numpy', subdir: 'linux-64', python: '3.13' }, { feedstock: 'numpy', outputs: ['numpy'], recipeHash: 'h' });
  return { db, attemptId: db.startAttempt(p.id, runId, 1, '/l', 'h') };
}

const alive = (pgid: number) => groupMembers(pgid).length > 0;

async function until(what: string, check: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`); // a safety net, not a timing assertion
  }
}

left('kills a recorded group that is still ours (leader alive, or gone with its children left), not one whose pid was reused', async (ctx) => {
  const { db, attemptId } = killedAttempt(ctx.dir);
  try {
    const ours = startGroup(ctx, 'sleep 60; echo never');
    const orphaned = startGroup(ctx, 'sleep 60 & sleep 0.2');
    const reused = startGroup(ctx, 'sleep 60; echo never');
    const rows = {
      ours: db.trackProcess(attemptId, { kind: 'process-group', pgid: ours.pid!, pidStart: processStart(ours.pid!) }),
      orphaned: db.trackProcess(attemptId, { kind: 'process-group', pgid: orphaned.pid!, pidStart: processStart(orphaned.pid!) }),
      // The recorded start time is not this process's: the pid belongs to someone else now.
      reused: db.trackProcess(attemptId, { kind: 'process-group', pgid: reused.pid!, pidStart: processStart(reused.pid!)!.replace(/\d+$/, (t) => String(Number(t) - 1)) }),
    };
    await until('the orphaned group to lose its leader', () => orphaned.exitCode !== null && alive(orphaned.pid!));
    assert.ok(alive(ours.pid!) && alive(reused.pid!));
    const notices: string[] = [];
    const done = await stopLeftovers(db, { workDir: ctx.dir, by: 'rebuild pid 99', notice: (m) => notices.push(m) });
    assert.not.ok(alive(ours.pid!), 'the recorded group was killed');
    assert.not.ok(alive(orphaned.pid!), 'the children of a gone leader were killed');
    assert.ok(alive(reused.pid!), 'a group whose leader started at another time is not ours');
    assert.is(done.length, 3);
    assert.match(notices.join('\n'), new RegExp(`process group ${reused.pid} of linux-64/numpy \\(run 1\\): pid now belongs to another process, not killed`));
    assert.equal(db.openProcesses(), [], 'every record is closed');
    const outcomes = db.db.prepare('SELECT id, outcome FROM attempt_processes ORDER BY id').all() as { id: number; outcome: string }[];
    assert.equal(outcomes.map((o) => o.outcome), ['killed by rebuild pid 99', 'killed by rebuild pid 99', 'pid reused by another process: not killed']);
    assert.equal(outcomes.map((o) => o.id), [rows.ours, rows.orphaned, rows.reused]);
  } finally {
    db.close();
  }
});

left('a group that has ended, or a record without a start time, is closed without a kill', async (ctx) => {
  const { db, attemptId } = killedAttempt(ctx.dir);
  try {
    const ended = startGroup(ctx, 'exit 0');
    const start = processStart(ended.pid!);
    await until('the group to end', () => ended.exitCode !== null);
    db.trackProcess(attemptId, { kind: 'process-group', pgid: ended.pid!, pidStart: start });
    const unknown = startGroup(ctx, 'sleep 60');
    db.trackProcess(attemptId, { kind: 'process-group', pgid: unknown.pid!, pidStart: null });
    await stopLeftovers(db, { workDir: ctx.dir, by: 'rebuild pid 99', notice: () => {} });
    assert.ok(alive(unknown.pid!), 'no start time recorded: never killed');
    assert.equal(db.openProcesses(), []);
  } finally {
    db.close();
  }
});

left('a container whose engine is not installed stays recorded, said so (a later run with the engine removes it)', async (ctx) => {
  const { db, attemptId } = killedAttempt(ctx.dir);
  try {
    db.trackProcess(attemptId, { kind: 'container', engine: join(ctx.dir, 'no-such-podman'), container: 'rebuild-linux-64-numpy-0a1b2c3d' });
    const notices: string[] = [];
    await stopLeftovers(db, { workDir: ctx.dir, by: 'rebuild pid 99', notice: (m) => notices.push(m) });
    assert.equal(notices, [`leftover of a killed run: container rebuild-linux-64-numpy-0a1b2c3d of linux-64/numpy (run 1) not removed: container engine '${join(ctx.dir, 'no-such-podman')}' not found`]);
    assert.is(db.openProcesses().length, 1);
  } finally {
    db.close();
  }
});

left.run();
