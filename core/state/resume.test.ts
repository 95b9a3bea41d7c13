import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTaskGraph, reachable } from '../engine/task-graph.ts';
import { decideResume } from './resume.ts';
import { StateDb } from './state-db.ts';
import { fakePlan, type FakeNodeSpec } from '../../tests/fixtures/fake-plan.ts';
import { seededRandom } from '../../tests/fixtures/seeded-random.ts';

const resume = suite('decideResume');

resume('changed recipes invalidate their dependents, each named after the first changed recipe it depends on :: random graphs', async () => {
  const rand = seededRandom(7);
  for (let round = 0; round < 10; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'rebuild-resume-'));
    try {
      const ids = Array.from({ length: 60 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      const changedIds = new Set(ids.filter(() => rand() < 0.15));
      const spec: Record<string, FakeNodeSpec> = {};
      ids.forEach((id, i) => {
        const deps = i ? [...new Set(Array.from({ length: Math.floor(rand() * 3) }, () => ids[Math.floor(rand() * i)]))] : [];
        spec[id] = { deps, recipeHash: changedIds.has(id) ? `new-${id}` : `old-${id}` };
      });
      const target = { subdir: 'linux-64' as const, python: '3.13' };
      const tasks = buildTaskGraph([fakePlan(target, spec)]);
      const db = StateDb.open(dir);
      for (const id of ids) db.ensurePackage({ node: id, subdir: 'linux-64', python: '3.13' }, { feedstock: id, outputs: [id], recipeHash: `old-${id}` });
      const decisions = await decideResume(tasks, db);
      // The rule, computed the slow way: a walk per changed task, in task order.
      const expected = new Map<string, string>();
      const changedTasks = [...tasks.values()].filter((t) => changedIds.has(t.node.id));
      for (const t of changedTasks) {
        for (const k of reachable(tasks, [t.key], 'dependents')) if (!changedIds.has(tasks.get(k)!.node.id) && !expected.has(k)) expected.set(k, `recipe of ${t.node.id} changed`);
      }
      for (const t of tasks.values()) {
        const d = decisions.get(t.key)!;
        const want = changedIds.has(t.node.id) ? 'recipe changed' : (expected.get(t.key) ?? null);
        assert.is(d.reason, want, `${t.node.id} in round ${round}`);
        assert.is(d.kind, 'todo');
      }
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

resume('new package rows are inserted in the order of their plan\'s stages (then plan order), each decision naming its own row :: random graphs', async () => {
  const rand = seededRandom(11);
  for (let round = 0; round < 10; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'rebuild-resume-'));
    try {
      // Plan order is not dependency order: reverse alphabetical, ids shuffled against the dependency chain.
      const ids = Array.from({ length: 50 }, (_, i) => `q${String((i * 37) % 50).padStart(2, '0')}`);
      const spec: Record<string, FakeNodeSpec> = {};
      ids.forEach((id, i) => {
        const deps = i ? [...new Set(Array.from({ length: Math.floor(rand() * 3) }, () => ids[Math.floor(rand() * i)]))] : [];
        spec[id] = { deps };
      });
      const order = Object.keys(spec).sort().reverse();
      const plan = fakePlan({ subdir: 'linux-64', python: '3.13' }, Object.fromEntries(order.map((id) => [id, spec[id]])));
      assert.ok(plan.stages.length > 3, 'a few stages');
      const stageOf = new Map(plan.stages.flatMap((ids, i) => ids.map((id) => [id, i] as const)));
      const tasks = buildTaskGraph([plan]);
      const db = StateDb.open(dir);
      const decisions = await decideResume(tasks, db);
      const builds = [...tasks.values()].filter((t) => t.stage === 'build');
      for (const t of builds) assert.is(db.getPackageById(decisions.get(t.key)!.packageId).node, t.node.id, `row of ${t.node.id}`);
      const byId = builds.slice().sort((a, b) => decisions.get(a.key)!.packageId - decisions.get(b.key)!.packageId);
      const planIndex = new Map(builds.map((t, i) => [t.key, i]));
      for (let i = 1; i < byId.length; i++) {
        const [a, b] = [byId[i - 1], byId[i]];
        const [sa, sb] = [stageOf.get(a.node.id)!, stageOf.get(b.node.id)!];
        assert.ok(sa < sb || (sa === sb && planIndex.get(a.key)! < planIndex.get(b.key)!), `${a.node.id} (stage ${sa}) before ${b.node.id} (stage ${sb}) in round ${round}`);
      }
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

resume.run();
