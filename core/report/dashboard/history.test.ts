import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDb } from '../../state/state-db.ts';
import type { TaskStatus } from '../../model/types.ts';
import { progressHistory } from './history.ts';

/** A state db whose status changes happened at the given minutes after 08:00 (times set after the writes). */
function db(changes: [node: string, minute: number, to: TaskStatus][]) {
  const dir = mkdtempSync(join(tmpdir(), 'history-'));
  const state = StateDb.open(dir);
  const run = state.startRun(['run']);
  const ids = new Map<string, number>();
  for (const [node, minute, to] of changes) {
    const id = ids.get(node) ?? state.ensurePackage({ node, subdir: 'linux-64', python: '3.13' }, { feedstock: node, outputs: [node], recipeHash: null }).id;
    ids.set(node, id);
    state.setStatuses([{ packageId: id, to, reason: null }], run);
    const time = new Date(Date.UTC(2026, 11, 5, 8, minute)).toISOString();
    state.db.prepare('UPDATE status_changes SET time = ? WHERE id = (SELECT max(id) FROM status_changes)').run(time);
  }
  return { state, done: () => { state.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const history = suite('progressHistory');

history('no status change: no point', () => {
  const { state, done } = db([]);
  try {
    assert.equal(progressHistory(state), []);
  } finally {
    done();
  }
});

history('replays changes: a package counts under its latest status; built includes tested; one point per bucket of time', () => {
  const { state, done } = db([
    ['numpy', 0, 'waiting'], ['scipy', 0, 'waiting'], ['pandas', 0, 'blocked'],
    ['numpy', 10, 'building'], ['numpy', 12, 'built'],
    ['scipy', 20, 'building'], ['scipy', 30, 'failed'],
    ['numpy', 31, 'testing'], ['numpy', 31, 'tested'],
  ]);
  try {
    assert.equal(progressHistory(state, { maxPoints: 1000 }), [
      { time: '2026-12-05T08:00:00.000Z', built: 0, tested: 0, failed: 0, waiting: 3 },
      { time: '2026-12-05T08:10:00.000Z', built: 0, tested: 0, failed: 0, waiting: 3 },
      { time: '2026-12-05T08:12:00.000Z', built: 1, tested: 0, failed: 0, waiting: 2 },
      { time: '2026-12-05T08:20:00.000Z', built: 1, tested: 0, failed: 0, waiting: 2 },
      { time: '2026-12-05T08:30:00.000Z', built: 1, tested: 0, failed: 1, waiting: 1 },
      { time: '2026-12-05T08:31:00.000Z', built: 1, tested: 1, failed: 1, waiting: 1 },
    ]);
  } finally {
    done();
  }
});

history('at most maxPoints buckets (plus the last), ending at the final counts', () => {
  const changes: [string, number, TaskStatus][] = [];
  for (let i = 0; i < 100; i++) changes.push([`p${i}`, 0, 'waiting']);
  for (let i = 0; i < 100; i++) changes.push([`p${i}`, 1 + i * 5, 'built']);
  const { state, done } = db(changes);
  try {
    const points = progressHistory(state, { maxPoints: 10 });
    assert.ok(points.length <= 11, `${points.length} points`);
    assert.equal(points[points.length - 1], { time: '2026-12-05T16:16:00.000Z', built: 100, tested: 0, failed: 0, waiting: 0 });
    assert.ok(points.every((p, i) => i === 0 || points[i - 1].time <= p.time));
  } finally {
    done();
  }
});

history.run();
