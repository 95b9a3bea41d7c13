import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTargetStates } from './read-state.ts';
import { builtSet, isDone, NO_STATE } from './target-state.ts';
import { createPackageGraph } from '../graph/package-graph.ts';
import type { Plan } from '../graph/plan.ts';
import type { PackageNode, PlanStatus, Target } from '../model/types.ts';
import { LINUX, removeDir, writeState } from './fixtures/ecosystem.ts';

const WIN: Target = { subdir: 'win-64', python: '3.13' };

const read = suite('readTargetStates');

read('no state.db in the work dir: every target gets an empty state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-explain-'));
  try {
    const states = readTargetStates(dir, [LINUX, WIN]);
    assert.equal([...states.keys()], ['linux-64/py3.13', 'win-64/py3.13']);
    assert.is(states.get('linux-64/py3.13')!.size, 0);
  } finally {
    removeDir(dir);
  }
});

read('rows go to their own target; other pythons and subdirs are left out', () => {
  const dir = writeState([['numpy', 'built', null, null], ['scipy', 'failed', 'exit code 2', 'build']]);
  writeState([['numpy', 'failed', 'exit code 1', 'build']], { subdir: 'linux-64', python: '3.12' }, dir);
  writeState([['numpy', 'published', null, null]], WIN, dir);
  try {
    const states = readTargetStates(dir, [LINUX]);
    assert.equal([...states.keys()], ['linux-64/py3.13']);
    const linux = states.get('linux-64/py3.13')!;
    assert.equal(linux.get('numpy'), { status: 'built', reason: null, failure: null });
    assert.equal(linux.get('scipy'), { status: 'failed', reason: 'exit code 2', failure: 'build' });
    assert.is(linux.size, 2);
    assert.is(readTargetStates(dir, [WIN]).get('win-64/py3.13')!.get('numpy')!.status, 'published');
  } finally {
    removeDir(dir);
  }
});

const built = suite('builtSet');

function node(id: string, status: PlanStatus): PackageNode {
  return { id, feedstock: id, target: LINUX, outputs: [id], status, reason: null, recipe: null, variants: [], bootstrap: false, pythonDependency: 'host: python', recipeHash: null };
}

built('done states (built, tested, published) and present nodes count; failed, building, interrupted do not', () => {
  const graph = createPackageGraph();
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) graph.addNode(id, node(id, 'planned'));
  graph.addNode('chan', node('chan', 'present'));
  const plan = { target: LINUX, graph } as Plan;
  const state = new Map([
    ['a', { status: 'built' as const, reason: null, failure: null }],
    ['b', { status: 'tested' as const, reason: null, failure: null }],
    ['c', { status: 'published' as const, reason: null, failure: null }],
    ['d', { status: 'failed' as const, reason: 'x', failure: 'build' as const }],
    ['e', { status: 'building' as const, reason: null, failure: null }],
    ['f', { status: 'interrupted' as const, reason: null, failure: null }],
  ]);
  assert.equal([...builtSet(plan, state)].sort(), ['a', 'b', 'c', 'chan']);
  assert.ok(isDone(state, 'c'));
  assert.not.ok(isDone(state, 'd'));
  assert.equal([...builtSet(plan, NO_STATE)], ['chan']);
});

read.run();
built.run();
