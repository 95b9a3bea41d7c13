import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTable, median, medianRun, row, seeded } from './measure.ts';
import { criticalPathTime, durations } from './scheduling.ts';
import { simulateSchedule } from '../core/engine/scheduler-simulate.ts';
import { syntheticPlan } from './synthetic-plan.ts';

const measure = suite('bench helpers');

measure('row: targets met and missed, ratio from the baseline', () => {
  const fast = row({ benchmark: 'b', figure: 'f', value: 2, unit: 's', max: 3, baselineValue: 4 });
  assert.is(fast.ok, true);
  assert.is(fast.ratio, 0.5);
  assert.is(row({ benchmark: 'b', figure: 'f', value: 4, unit: 's', max: 3 }).ok, false);
  assert.is(row({ benchmark: 'b', figure: 'f', value: 1.2, unit: '×', min: 1.3 }).ok, false);
  assert.is(row({ benchmark: 'b', figure: 'f', value: 1, unit: '' }).ok, null);
});

measure('formatTable says NOT MET for a missed target', () => {
  const table = formatTable([row({ benchmark: 'b', figure: 'slow thing', value: 4, unit: 's', max: 3 }), row({ benchmark: 'b', figure: 'fast thing', value: 1, unit: 's', max: 3 })]);
  assert.match(table, /slow thing .*NOT MET/);
  assert.match(table, /fast thing .*met/);
  assert.match(table.split('\n')[0], /figure .*value .*target .*baseline .*ratio/);
});

measure('seeded is deterministic; median', () => {
  const a = seeded(42);
  const b = seeded(42);
  assert.equal([a(), a(), a()], [b(), b(), b()]);
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 2, 3]), 2.5);
  const runs = [{ ms: 30, id: 'a' }, { ms: 10, id: 'b' }, { ms: 20, id: 'c' }];
  assert.is(medianRun(runs, (r) => r.ms).id, 'c');
  assert.is(medianRun([runs[0]], (r) => r.ms).id, 'a');
  assert.equal(runs.map((r) => r.id), ['a', 'b', 'c'], 'the runs keep their order');
});

measure('criticalPathTime: the longest weighted chain', () => {
  const shape = [
    { id: 'a', deps: [] },
    { id: 'b', deps: ['a'] },
    { id: 'c', deps: ['a'] },
    { id: 'd', deps: ['b', 'c'] },
  ];
  assert.is(criticalPathTime(shape, new Map([['a', 1], ['b', 5], ['c', 2], ['d', 1]])), 7);
});

measure('the lower bound holds for the real scheduler on a synthetic plan', () => {
  const plan = syntheticPlan(300, 3);
  const shape = plan.graph.mapNodes((id) => ({ id, deps: plan.graph.inNeighbors(id) }));
  const d = durations(shape.map((t) => t.id), 9);
  const total = [...d.values()].reduce((x, y) => x + y, 0);
  for (const w of [4, 16]) {
    const bound = Math.max(criticalPathTime(shape, d), total / w);
    const ours = simulateSchedule(shape, d, w, 'critical-path').makespan;
    const stages = simulateSchedule(shape, d, w, 'stages').makespan;
    assert.ok(ours >= bound - 1e-9, `ours ${ours} < bound ${bound}`);
    assert.ok(stages >= bound - 1e-9);
  }
});

measure.run();
