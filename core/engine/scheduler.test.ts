import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler, SchedulerCycleError, type SchedTask } from './scheduler.ts';
import { schedTasksOf, simulateSchedule } from './scheduler-simulate.ts';
import { fakePlan } from '../../tests/fixtures/fake-plan.ts';
import { seededRandom } from '../../tests/fixtures/seeded-random.ts';

const tasks = (spec: Record<string, string[]>): SchedTask[] =>
  Object.entries(spec).map(([id, deps]) => ({ id, deps }));

const scheduler = suite('Scheduler');

scheduler('orders ready tasks by critical path, then transitive dependents, then id', () => {
  // a → b → c (long chain), d (leaf), e → f, e → g (two dependents, short)
  const s = new Scheduler(tasks({ a: [], b: ['a'], c: ['b'], d: [], e: [], f: ['e'], g: ['e'] }));
  assert.is(s.priorityOf('a'), 3);
  assert.is(s.priorityOf('e'), 2);
  assert.is(s.fanoutOf('e'), 2);
  assert.is(s.fanoutOf('a'), 2);
  assert.equal(s.readyIds(), ['a', 'e', 'd']);
});

/** A seeded random DAG: each task depends on up to 3 earlier ones (diamonds, roots, leaves). */
function randomDag(n: number, seed: number): Record<string, string[]> {
  const rand = seededRandom(seed);
  const spec: Record<string, string[]> = {};
  for (let i = 0; i < n; i++) {
    const deps = new Set<string>();
    for (let k = Math.floor(rand() * 4); i > 0 && k > 0; k--) deps.add(`t${Math.floor(rand() * i)}`);
    spec[`t${i}`] = [...deps];
  }
  return spec;
}

/** Transitive dependents per task, by a plain walk. */
function walkDependents(spec: Record<string, string[]>): Map<string, number> {
  const dependents = new Map<string, string[]>(Object.keys(spec).map((id) => [id, []]));
  for (const [id, deps] of Object.entries(spec)) for (const d of deps) dependents.get(d)!.push(id);
  const out = new Map<string, number>();
  for (const id of Object.keys(spec)) {
    const seen = new Set<string>();
    const stack = [...dependents.get(id)!];
    while (stack.length) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...dependents.get(x)!);
    }
    out.set(id, seen.size);
  }
  return out;
}

scheduler('transitive dependents: exact below 64, estimated within 30% above (random DAGs of 150 and 3,000 tasks)', () => {
  for (const [n, seed] of [[150, 11], [3000, 7]]) {
    const spec = randomDag(n, seed);
    const s = new Scheduler(tasks(spec));
    let large = 0;
    let errors = 0;
    for (const [id, count] of walkDependents(spec)) {
      if (count < 64) {
        assert.is(s.fanoutOf(id), count, id);
        continue;
      }
      const error = Math.abs(s.fanoutOf(id) - count) / count;
      assert.ok(error < 0.3, `${id}: ${s.fanoutOf(id)} estimated for ${count}`);
      large++;
      errors += error;
    }
    assert.ok(large > 0, `${n} tasks: some task has 64 or more dependents`);
    assert.ok(errors / large < 0.1, `${n} tasks: mean error ${errors / large}`);
  }
  // The same tasks in the same order give the same estimates (the ranks are seeded, not random).
  const spec = randomDag(3000, 7);
  const a = new Scheduler(tasks(spec));
  const b = new Scheduler(tasks(spec));
  for (const id of Object.keys(spec)) assert.is(a.fanoutOf(id), b.fanoutOf(id), id);
});

scheduler('gates are not counted as dependents, but what waits on them is', () => {
  const s = new Scheduler([
    { id: 'a', deps: [] },
    { id: 'g', deps: ['a'], gate: true },
    { id: 'b', deps: ['g'] },
    { id: 'c', deps: ['g', 'a'] },
  ]);
  assert.is(s.fanoutOf('a'), 2);
});

scheduler('uses durations for the critical path :: a short chain of slow tasks beats a long chain', () => {
  const s = new Scheduler(tasks({ a: [], b: ['a'], c: ['b'], x: [] }), { durations: new Map([['x', 10]]) });
  assert.equal(s.readyIds(), ['x', 'a']);
});

scheduler('a task becomes ready as soon as its dependencies are done, not its stage', () => {
  const s = new Scheduler(tasks({ a: [], slow: [], b: ['a'] }), { durations: new Map([['slow', 5]]) });
  assert.is(s.next(), 'slow');
  assert.is(s.next(), 'a');
  s.succeed('a');
  assert.is(s.next(), 'b');
});

scheduler('stages policy waits for the whole previous generation', () => {
  const s = new Scheduler(tasks({ a: [], slow: [], b: ['a'] }), { policy: 'stages' });
  assert.ok(s.next());
  assert.ok(s.next());
  s.succeed('a');
  assert.is(s.next(), null);
  s.succeed('slow');
  assert.is(s.next(), 'b');
});

scheduler('a failure blocks every transitive dependent, with the root failure', () => {
  const s = new Scheduler(tasks({ a: [], b: ['a'], c: ['b'], d: ['c', 'x'], x: [] }));
  assert.is(s.next(), 'a');
  const blocked = s.fail('a');
  assert.equal(blocked.map((b) => b.id).sort(), ['b', 'c', 'd']);
  assert.ok(blocked.every((b) => b.by === 'a'));
  assert.is(s.next(), 'x');
  s.succeed('x');
  assert.ok(s.finished);
});

scheduler('a failure known before the run (pending task) blocks too', () => {
  const s = new Scheduler(tasks({ a: [], b: ['a'] }));
  assert.equal(s.fail('a'), [{ id: 'b', by: 'a' }]);
  assert.ok(s.finished);
});

scheduler('resource limits :: at most one win-64 build at a time', () => {
  const s = new Scheduler(
    [
      { id: 'w1', deps: [], resources: ['arch:win-64'] },
      { id: 'w2', deps: [], resources: ['arch:win-64'] },
      { id: 'l1', deps: [], resources: ['arch:linux-64'] },
    ],
    { limits: { 'arch:win-64': 1 } },
  );
  assert.is(s.next(), 'l1');
  assert.is(s.next(), 'w1');
  assert.is(s.next(), null);
  s.succeed('w1');
  assert.is(s.next(), 'w2');
});

scheduler('release and requeue :: a retried task gives its slot back', () => {
  const s = new Scheduler(tasks({ a: [], b: ['a'] }));
  assert.is(s.next(), 'a');
  s.release('a');
  assert.is(s.next(), null);
  s.requeue('a');
  assert.is(s.next(), 'a');
  s.succeed('a');
  assert.is(s.next(), 'b');
});

scheduler('a cycle is an error that names its path', () => {
  try {
    new Scheduler(tasks({ a: ['c'], b: ['a'], c: ['b'], d: [] }));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, SchedulerCycleError);
    assert.match((err as Error).message, /a → b → c → a|b → c → a → b|c → a → b → c/);
  }
});

scheduler('the ready order stays the full sort through every change :: random graphs, limits, failures, retries, both policies', () => {
  const rand = seededRandom(1);
  for (const policy of ['critical-path', 'stages'] as const) {
    for (let round = 0; round < 20; round++) {
      const n = 40;
      const ids = Array.from({ length: n }, (_, i) => `t${String(Math.floor(rand() * 1000)).padStart(3, '0')}-${i}`);
      const spec: SchedTask[] = ids.map((id, i) => ({
        id,
        deps: i ? Array.from({ length: Math.floor(rand() * 3) }, () => ids[Math.floor(rand() * i)]) : [],
        resources: [rand() < 0.3 ? 'arch:win-64' : 'arch:linux-64'],
      }));
      // Few distinct durations: many equal priorities, so fan-out and id break ties.
      const durations = new Map(ids.map((id) => [id, 1 + Math.floor(rand() * 3)]));
      const s = new Scheduler(spec, { policy, durations, limits: { 'arch:win-64': 1 } });
      const state = new Map(ids.map((id) => [id, 'pending'] as [string, string]));
      const depsOf = new Map(spec.map((t) => [t.id, t.deps]));
      const resOf = new Map(spec.map((t) => [t.id, t.resources![0]]));
      const released = new Set<string>();
      // The reference: every pending task whose dependencies are done, sorted from scratch.
      const expected = () => {
        const open = ids.filter((id) => state.get(id) === 'pending' || state.get(id) === 'running');
        const stage = open.length ? Math.min(...open.map((id) => s.stageOf(id))) : 0;
        const ready = ids.filter((id) => state.get(id) === 'pending' && !released.has(id) && depsOf.get(id)!.every((d) => state.get(d) === 'done'));
        ready.sort((a, b) => (policy === 'stages' ? s.stageOf(a) - s.stageOf(b) : 0) || s.priorityOf(b) - s.priorityOf(a) || s.fanoutOf(b) - s.fanoutOf(a) || (a < b ? -1 : 1));
        return { ready, stage };
      };
      const running: string[] = [];
      for (let step = 0; step < 400 && !s.finished; step++) {
        const { ready, stage } = expected();
        assert.equal(s.readyIds(), ready);
        const winBusy = running.some((id) => resOf.get(id) === 'arch:win-64');
        const fits = ready.filter((id) => !(winBusy && resOf.get(id) === 'arch:win-64'));
        const want = policy === 'stages' ? (fits[0] !== undefined && s.stageOf(fits[0]) <= stage ? fits[0] : null) : (fits[0] ?? null);
        const r = rand();
        if (r < 0.5 && want !== null) {
          assert.is(s.next(), want);
          state.set(want, 'running');
          running.push(want);
        } else if (running.length) {
          const id = running.splice(Math.floor(rand() * running.length), 1)[0];
          const what = rand();
          if (what < 0.75) {
            s.succeed(id);
            state.set(id, 'done');
          } else if (what < 0.9) {
            s.release(id);
            state.set(id, 'pending');
            released.add(id);
          } else {
            for (const b of s.fail(id)) state.set(b.id, 'blocked');
            state.set(id, 'failed');
          }
        } else if (released.size) {
          const id = [...released][0];
          released.delete(id);
          s.requeue(id);
        } else if (want === null) {
          break;
        }
      }
    }
  }
});

scheduler('every pick is the best ready task that fits its limits :: a seeded DAG of 300 tasks, one capped resource, uneven finishes', () => {
  const rand = seededRandom(5);
  const list: SchedTask[] = [];
  for (let i = 0; i < 300; i++) {
    const deps = new Set<string>();
    for (let k = Math.floor(rand() * 3); i > 0 && k > 0; k--) deps.add(`t${Math.floor(rand() * i)}`);
    list.push({ id: `t${i}`, deps: [...deps], resources: rand() < 0.3 ? ['gpu'] : [] });
  }
  const durations = new Map(list.map((t) => [t.id, 1 + Math.floor(rand() * 5)]));
  const s = new Scheduler(list, { durations, limits: { gpu: 2 } });
  const done = new Set<string>();
  const running: string[] = [];
  const better = (a: string, b: string) => s.priorityOf(b) - s.priorityOf(a) || s.fanoutOf(b) - s.fanoutOf(a) || (a < b ? -1 : 1);
  while (done.size < list.length) {
    for (;;) {
      const gpuBusy = running.filter((id) => list.find((t) => t.id === id)!.resources!.length).length >= 2;
      const expected = list
        .filter((t) => !done.has(t.id) && !running.includes(t.id) && t.deps.every((d) => done.has(d)) && !(gpuBusy && t.resources!.length))
        .map((t) => t.id)
        .sort(better)[0] ?? null;
      const picked = s.next();
      assert.is(picked, expected);
      if (picked === null) break;
      running.push(picked);
      if (rand() < 0.4) break; // finish something before the next pick
    }
    const finished = running.splice(Math.floor(rand() * running.length), 1)[0];
    s.succeed(finished);
    done.add(finished);
  }
  assert.ok(s.finished);
});

scheduler.run();

const simulation = suite('simulateSchedule');

simulation('critical path beats stage by stage on a graph with a long chain', () => {
  // Stage 0: a long chain head L0 plus 4 short independent tasks; the chain L0→L1→L2→L3 takes 4×4.
  // Stage by stage, L1 waits for every stage-0 task; with the critical path it starts at once.
  const spec: Record<string, string[]> = { L0: [], L1: ['L0'], L2: ['L1'], L3: ['L2'] };
  const durations = new Map<string, number>([['L0', 4], ['L1', 4], ['L2', 4], ['L3', 4]]);
  for (let i = 0; i < 4; i++) {
    spec[`s${i}`] = [];
    durations.set(`s${i}`, 5);
    spec[`t${i}`] = [`s${i}`];
    durations.set(`t${i}`, 1);
  }
  const t = tasks(spec);
  const cp = simulateSchedule(t, durations, 2, 'critical-path');
  const st = simulateSchedule(t, durations, 2, 'stages');
  // Total work 16 + 20 + 4 = 40 on 2 workers: 20 is the lower bound; critical path reaches it.
  assert.is(cp.makespan, 20);
  assert.ok(st.makespan > cp.makespan, `stages ${st.makespan} vs critical path ${cp.makespan}`);
  assert.is(st.makespan, 26);
  assert.is(cp.starts.get('L0'), 0);
});

simulation('respects dependencies and the worker count', () => {
  const t = tasks({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] });
  const r = simulateSchedule(t, new Map(), 1, 'critical-path');
  assert.is(r.makespan, 4);
  assert.is(r.order[0], 'a');
  assert.is(r.order[3], 'd');
  assert.is(simulateSchedule(t, new Map(), 2, 'critical-path').makespan, 3);
});

simulation('wrong estimates make a worse schedule than true durations', () => {
  const t = tasks({ zbig: [], x1: [], x2: [], x3: [] });
  const durations = new Map([['zbig', 9], ['x1', 3], ['x2', 3], ['x3', 3]]);
  assert.is(simulateSchedule(t, durations, 2, 'critical-path').makespan, 9);
  // Unknown durations (all 1): ids decide, zbig starts last.
  assert.is(simulateSchedule(t, durations, 2, 'critical-path', { estimates: new Map() }).makespan, 12);
});

simulation('schedTasksOf :: one task per planned node per target, blocking edges only', () => {
  const target = { subdir: 'linux-64' as const, python: '3.13' };
  const plan = fakePlan(target, { a: [], b: { deps: ['a'], runDeps: [] }, c: { deps: [], runDeps: ['a'] }, gone: { deps: [], status: 'excluded' } });
  assert.equal(schedTasksOf([plan]), [
    { id: 'linux-64/py3.13/a', deps: [], resources: ['arch:linux-64'] },
    { id: 'linux-64/py3.13/b', deps: ['linux-64/py3.13/a'], resources: ['arch:linux-64'] },
    { id: 'linux-64/py3.13/c', deps: [], resources: ['arch:linux-64'] },
  ]);
});

simulation.run();
