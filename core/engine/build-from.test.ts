// run.hooks.buildFrom through the executor (a conversion plugin's contract): build(X@win-64) waits for
// build(X@linux-64) and gets its artifacts as task.source; a note shows in the status reason, and so
// does why a build was not made from another (`from: null`, or declined by the builder); a failed
// source build blocks the derived one, naming the source's arch.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from './engine.ts';
import { executeRun } from './execute.ts';
import { STAGE } from './stage.ts';
import type { Plugin } from '../model/plugin.ts';
import type { BuildTask, TaskResult } from '../model/types.ts';
import { fakeBuilder, type FakeBuilderOptions } from '../../tests/fixtures/fake-builder.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakePlan } from '../../tests/fixtures/fake-plan.ts';

/** Derives every win-64 build but `solo`'s from linux-64; declines `declines` when it sees its source. */
function deriver(seen: BuildTask[]): Plugin {
  return {
    name: 'test:deriver',
    apply(engine) {
      engine.hooks.run.tap('test:deriver', (run) => {
        run.hooks.buildFrom.tap('test:deriver', (node) => {
          if (node.target.subdir !== 'win-64') return undefined;
          if (node.id === 'solo') return { from: null, reason: 'not derived: solo is special' };
          return { from: { subdir: 'linux-64', python: node.target.python }, reason: 'made from linux-64' };
        });
        run.hooks.build.for('win-64').tapPromise({ name: 'test:deriver', stage: STAGE.PIN }, async (task) => {
          if (!task.source) return undefined;
          seen.push(task);
          if (task.id === 'declines') {
            task.source.declined = 'not derived: it looked inside';
            return undefined;
          }
          return { builder: 'test:deriver', artifacts: [{ ...task.source.artifacts[0], subdir: 'win-64', sha256: '' }], note: task.source.reason };
        });
      });
    },
  };
}

const s = suite('run.hooks.buildFrom in the executor');

s.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-build-from-'));
});
s.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

async function run(dir: string, builder: FakeBuilderOptions = {}) {
  const seen: BuildTask[] = [];
  const builds: string[] = [];
  const engine = new Engine(fakeConfig(dir, [fakeBuilder({ ...builder, onBuild: (t) => void builds.push(`${t.id}@${t.target.subdir}`) }), deriver(seen)], {
    arches: ['linux-64', 'win-64'], concurrency: 4,
  }));
  const r = engine.createRun();
  const events: TaskResult[] = [];
  r.hooks.taskEnd.tap('test:events', (e) => void events.push(e));
  const plans = r.targets.map((t) => fakePlan(t, { lib: [], app: ['lib'], solo: [], declines: [] }));
  const outcome = await executeRun(r, plans, { indexChannel: async () => {}, notice: () => {} });
  const result = (id: string, subdir: string) => outcome.summary.results.find((x) => x.id === id && x.target.subdir === subdir)!;
  const reason = (id: string, subdir: string) => events.find((e) => e.id === id && e.target.subdir === subdir && e.status === 'built')?.reason ?? null;
  return { outcome, seen, builds, result, reason };
}

s('derived builds wait for their source and get its artifacts; reasons say how each was built', async ({ dir }) => {
  const { outcome, seen, builds, reason } = await run(dir, { sleepMs: (t) => (t.target.subdir === 'linux-64' ? 30 : 0) });
  assert.is(outcome.exitCode, 0);
  // The deriver saw every derived task only after its linux-64 build: the source's artifact, recorded and hashed.
  assert.equal(seen.map((t) => t.id).sort(), ['app', 'declines', 'lib']);
  for (const t of seen) {
    assert.is(t.source!.artifacts[0].filename, `${t.node.feedstock}-1.0-py313_0.tar.bz2`);
    assert.is(t.source!.artifacts[0].subdir, 'linux-64');
    assert.match(t.source!.artifacts[0].sha256, /^[0-9a-f]{64}$/);
  }
  assert.is(reason('lib', 'win-64'), 'built by test:deriver: made from linux-64');
  assert.is(reason('solo', 'win-64'), 'built by test:fake-builder (not derived: solo is special)');
  assert.is(reason('declines', 'win-64'), 'built by test:fake-builder (not derived: it looked inside)');
  assert.is(reason('lib', 'linux-64'), 'built by test:fake-builder');
  // The fake builder built what was not derived: all of linux-64, and win-64's solo and declines.
  assert.equal(builds.filter((b) => b.endsWith('@win-64')).sort(), ['declines@win-64', 'solo@win-64']);
});

s('a failed source build blocks the derived build, naming the arch it failed on', async ({ dir }) => {
  const { outcome, builds, result } = await run(dir, { fail: { lib: 'build' } });
  assert.is(outcome.exitCode, 1);
  assert.is(result('lib', 'linux-64').status, 'failed');
  assert.is(result('lib', 'win-64').status, 'blocked');
  assert.is(result('lib', 'win-64').reason, 'blocked by lib on linux-64 (failed)');
  assert.not.ok(builds.includes('lib@win-64'), 'never attempted on win-64');
});

s.run();
