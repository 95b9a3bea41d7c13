// SIGKILL at each stage boundary: a real child process (fixtures/run-stage-plan.ts) runs a 4-package
// plan with build → test → transmute → publish on one slot; it is killed right after a package's
// build, test or transmute was recorded, and run again. The resumed run continues each package at
// its first unfinished stage: nothing finished runs again, and a package killed after its build and
// before its publication is published.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { StateDb } from '../state/state-db.ts';
import { STAGE_PLAN_SPEC } from './fixtures/run-stage-plan.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'core/engine/fixtures/run-stage-plan.ts');
const SLEEP_MS = 40;

/** Kill right after the `status` event (at `stage`) of package `id`. */
type KillPoint = { id: string; stage: string; status: string } | null;

function runChild(dir: string, point: KillPoint): Promise<{ code: number | null; signal: string | null; stderr: string; events: any[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, join(dir, 'work'), join(dir, 'invocations'), String(SLEEP_MS), join(dir, 'published')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: any[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line);
      events.push(e);
      if (point && e.type === 'task' && !e.initial && e.id === point.id && e.stage === point.stage && e.status === point.status) child.kill('SIGKILL');
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr, events }));
  });
}

/** Invocations per `<stage> <id>` (builds from the fake builder's own file). */
function invocations(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);
  for (const line of read(join(dir, 'invocations.build'))) add(`build ${line.split(' ')[1]}`);
  for (const line of read(join(dir, 'invocations'))) {
    const [stage, a, b] = line.split(' ');
    add(stage === 'publish' ? `publish ${a.split('-')[0]}` : `${stage} ${b}`);
  }
  return counts;
}

/** `<stage> <id>` of every stage the state records as done (publish: groups published). */
function doneStages(work: string): string[] {
  const db = StateDb.open(work, { readonly: true });
  try {
    const out: string[] = [];
    for (const p of db.packages()) for (const s of db.stages(p.id)) if (s.status === 'done') out.push(`${s.stage} ${p.node}`);
    for (const g of db.groups()) if (g.status === 'published') out.push(`publish ${g.name}`);
    return out.sort();
  } finally {
    db.close();
  }
}

const kill = suite('SIGKILL at each stage boundary, then resume');

kill.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-stage-kill-'));
});
kill.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

const ALL = Object.keys(STAGE_PLAN_SPEC).flatMap((id) => ['build', 'test', 'transmute', 'publish'].map((s) => `${s} ${id}`)).sort();

for (const point of [
  { id: 'a', stage: 'build', status: 'built' },
  { id: 'b', stage: 'test', status: 'tested' },
  { id: 'c', stage: 'transmute', status: 'transmuted' },
]) {
  kill(`killed after ${point.id}'s ${point.stage} (${point.status}): the resumed run starts at the next stage and publishes everything`, async (ctx) => {
    const first = await runChild(ctx.dir, point);
    assert.is(first.signal, 'SIGKILL', `kill point not reached (exit ${first.code}): ${first.stderr}`);
    const work = join(ctx.dir, 'work');
    const done = doneStages(work);
    assert.ok(done.includes(`${point.stage} ${point.id}`), `${point.stage} ${point.id} recorded before the kill: ${done}`);
    assert.not.ok(done.includes(`publish ${point.id}`), `${point.id} not published before the kill`);
    const before = invocations(ctx.dir);

    const second = await runChild(ctx.dir, null);
    assert.is(second.code, 0, second.stderr);
    const after = invocations(ctx.dir);
    // Nothing recorded as done ran again; what was not ran (exactly once more at most).
    for (const k of done) assert.is(after.get(k), before.get(k), `${k} ran again after the kill`);
    assert.equal(doneStages(work), ALL);
    // The package killed between its stages continued at the next one.
    const next = { build: 'test', test: 'transmute', transmute: 'publish' }[point.stage]!;
    assert.is(after.get(`${next} ${point.id}`), (before.get(`${next} ${point.id}`) ?? 0) + 1);
    const resumed = second.events.find((e) => e.type === 'task' && e.initial && e.id === point.id);
    // Its own stages all done, a package waiting only for its publication shows its last stage.
    if (next === 'publish') assert.is(resumed.status, 'transmuted');
    else {
      assert.is(resumed.status, 'waiting');
      assert.match(resumed.reason, new RegExp(`^${next} to run`));
    }
    // Every package's files reached the publisher's folder.
    assert.equal(readdirSync(join(ctx.dir, 'published', 'linux-64')).sort(),
      Object.keys(STAGE_PLAN_SPEC).flatMap((id) => [`${id}-1.0-py313_0.conda`, `${id}-1.0-py313_0.tar.bz2`]).sort());
    const db = StateDb.open(work, { readonly: true });
    try {
      assert.equal(db.packages().map((p) => `${p.node}:${p.status}:${p.stage}`), ['a:published:publish', 'b:published:publish', 'c:published:publish', 'd:published:publish']);
      assert.equal(db.runs().map((r) => r.outcome), ['killed', 'success']);
    } finally {
      db.close();
    }
  });
}

kill.run();
