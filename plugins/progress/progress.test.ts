import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExecutionStart, RunSummary, TaskResult, TaskStatus } from '../../core/model/types.ts';
import { ndjsonReporter } from './ndjson-reporter.ts';
import { plainReporter } from './plain-reporter.ts';
import { ProgressModel, columnOf } from './progress-model.ts';
import { renderLiveView, ttyReporter } from './tty-reporter.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { createReporter, progress } from './index.ts';
import { formatNotBuilt } from './reporter.ts';
import { Engine } from '../../core/engine/engine.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { PassThrough } from 'node:stream';

const T0 = new Date('2030-01-01T00:00:00Z');
const linux = { subdir: 'linux-64' as const, python: '3.13' };
const win = { subdir: 'win-64' as const, python: '3.13' };

const start: ExecutionStart = {
  runId: 7, workDir: '/w', concurrency: 2,
  tasks: [
    { id: 'a', target: linux, status: 'built', reason: 'built in run 6', bootstrap: false, estimateMs: 60_000 },
    { id: 'b', target: linux, status: 'waiting', reason: null, bootstrap: false, estimateMs: 120_000 },
    { id: 'c', target: win, status: 'waiting', reason: null, bootstrap: false, estimateMs: null },
    { id: 'd', target: win, status: 'blocked', reason: 'blocked by x (failed)', bootstrap: false, estimateMs: null },
  ],
};

const result = (id: string, target: typeof linux | typeof win, status: TaskStatus, extra: Partial<TaskResult> = {}): TaskResult => ({
  id, target, status, reason: null, attempt: 1, durationMs: 0, artifacts: [], ...extra,
});

const summary: RunSummary = { runId: 7, startedAt: T0.toISOString(), endedAt: T0.toISOString(), counts: { built: 2, failed: 1 }, results: [], notBuilt: [], planErrors: 0, interrupted: false };

const reporters = suite('progress reporters');

reporters('ndjson :: one object per line with type, time, id, subdir, status, reason', () => {
  const lines: string[] = [];
  const r = ndjsonReporter((l) => void lines.push(l), () => T0);
  r.start!(start);
  r.taskEnd!(result('b', linux, 'failed', { failure: 'build', reason: 'exit 1', logFile: '/w/logs/linux-64/b.log', durationMs: 5 }));
  r.end!(summary);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
  const events = lines.map((l) => JSON.parse(l));
  assert.equal(events[0], { type: 'run-start', time: T0.toISOString(), runId: 7, workDir: '/w', concurrency: 2, tasks: 4, counts: { built: 1, waiting: 2, blocked: 1 } });
  assert.equal(events[1], { type: 'task', time: T0.toISOString(), id: 'a', subdir: 'linux-64', python: '3.13', status: 'built', reason: 'built in run 6', initial: true, bootstrap: false });
  assert.equal(events[5], {
    type: 'task', time: T0.toISOString(), id: 'b', subdir: 'linux-64', python: '3.13', status: 'failed', reason: 'exit 1',
    attempt: 1, durationMs: 5, failure: 'build', logFile: '/w/logs/linux-64/b.log',
  });
  assert.is(events[6].type, 'run-end');
  assert.equal(events[6].counts, { built: 2, failed: 1 });
});

reporters('plain :: one line per state change, the failure with its class and log', () => {
  let out = '';
  const r = plainReporter((l) => void (out += l), () => T0);
  r.start!(start);
  r.taskEnd!(result('b', linux, 'building', { logFile: '/w/b.log' }));
  r.taskEnd!(result('b', linux, 'failed', { failure: 'timeout', reason: 'timed out after 7200 s', logFile: '/w/b.log' }));
  r.end!(summary);
  assert.equal(out.split('\n').filter(Boolean), [
    '[00:00:00] run 7: 4 package(s): 2 to build, 1 already built, 0 failed earlier, 1 blocked, 0 not selected; 2 slot(s)',
    '[00:00:00] linux-64 b: building (attempt 1) log /w/b.log',
    '[00:00:00] linux-64 b: FAILED (timeout) timed out after 7200 s — log /w/b.log',
    '[00:00:00] run 7 ended: built 2, failed 1',
  ]);
});

reporters('stages :: a package transmuted earlier counts as built; testing and transmuting are running, transmuted done', () => {
  let out = '';
  const r = plainReporter((l) => void (out += l), () => T0);
  r.start!({ ...start, tasks: [...start.tasks, { id: 'e', target: linux, status: 'transmuted', reason: null, bootstrap: false, estimateMs: null, stage: 'transmute' }] });
  r.taskEnd!(result('b', linux, 'transmuted', { stage: 'transmute', reason: 'nothing to convert', durationMs: 1000 }));
  assert.equal(out.split('\n').filter(Boolean), [
    '[00:00:00] run 7: 5 package(s): 2 to build, 2 already built, 0 failed earlier, 1 blocked, 0 not selected; 2 slot(s)',
    '[00:00:00] linux-64 b: transmuted in 1s (nothing to convert)',
  ]);
  assert.equal((['testing', 'transmuting', 'publishing', 'transmuted'] as TaskStatus[]).map(columnOf), ['running', 'running', 'running', 'done']);
});

reporters('live view :: tallies per arch, running packages with elapsed time, ETA from past durations', () => {
  const model = new ProgressModel();
  model.start(start, 0);
  model.update(result('b', linux, 'building'), 0);
  const lines = renderLiveView(model, 30_000);
  // b expects 120 s, 30 s elapsed → 90 s left; c unknown → mean of known (90 s); over 2 slots.
  assert.is(lines[0], 'rebuild run 7: done 1 · running 1 · waiting 1 · failed 0 · blocked 1 · ETA 1m30s');
  assert.is(lines[1], '  linux-64  done    1  running    1  waiting    0  failed    0  blocked    0');
  assert.is(lines[2], '  win-64    done    0  running    0  waiting    1  failed    0  blocked    1');
  assert.is(lines[3], '  ▸ b (linux-64) 30s');
});

reporters('tty :: redraws in place and prints failures above the view', () => {
  let out = '';
  let now = 0;
  const r = ttyReporter({ write: (t) => void (out += t), columns: 200 }, { clock: () => now, refreshMs: 60_000 });
  r.start!(start);
  now = 1000;
  r.taskEnd!(result('c', win, 'failed', { failure: 'build', reason: 'boom' }));
  r.end!(summary);
  assert.match(out, /\x1b\[3F\x1b\[J✗ win-64 c: build: boom\n/);
  assert.match(out, /run 7 ended: built 2, failed 1\n$/);
});

reporters('createReporter :: a bad format is an error naming the plugin', () => {
  assert.throws(() => createReporter({ format: 'xml' as any }), (e: Error) => e instanceof PluginOptionsError && /rebuild:progress:\n  - options\.format/.test(e.message));
});

reporters('plugin :: bad options fail at the factory, naming the plugin and the option', () => {
  assert.throws(() => progress({ format: 'xml' as any }), (e: Error) => e instanceof PluginOptionsError && /invalid options for rebuild:progress:\n  - options\.format must be one of "auto", "tty", "plain", "json"/.test(e.message));
  assert.throws(() => progress({ reporter: [] } as never), (e: Error) => e instanceof PluginOptionsError && /rebuild:progress[\s\S]*unknown option 'reporter'/.test(e.message));
});

reporters('plugin :: auto format follows the run (--json → NDJSON), plain otherwise', () => {
  const outputs: string[] = [];
  for (const json of [true, false]) {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d) => (out += d));
    const engine = new Engine(fakeConfig('/tmp/unused', [progress({ stream: stream as any })]));
    const run = engine.createRun({ json });
    run.hooks.executionStart.call(start);
    outputs.push(out);
  }
  assert.is(JSON.parse(outputs[0].split('\n')[0]).type, 'run-start');
  assert.match(outputs[1], /^\[\d\d:\d\d:\d\d\] run 7: 4 package\(s\)/);
});

reporters('the closing list names the run\'s own failures and blocks, not only the plan\'s', () => {
  const target = { subdir: 'linux-64', python: '3.13' } as const;
  const r = (id: string, status: TaskStatus, reason: string, stage?: TaskResult['stage']): TaskResult =>
    ({ id, target, status, reason, attempt: 1, durationMs: 0, artifacts: [], ...(stage ? { stage } : {}) }) as TaskResult;
  const lines = formatNotBuilt({
    planErrors: 0,
    notBuilt: [{ id: 'keras', target, status: 'blocked', reason: 'blocked by tensorflow (too-heavy)' }],
    results: [
      r('numpy', 'published', 'ok'),
      r('nose', 'failed', 'build failed: ModuleNotFoundError: No module named imp\nTraceback ...', 'build'),
      r('httpretty', 'failed', 'test failed: commands[0]', 'test'),
      r('nose-exclude', 'blocked', 'blocked by nose (failed)', 'build'),
    ],
  });
  assert.equal(lines, [
    // `run N ended: …` above counts only nose-exclude as blocked: the head says how the 2 add up.
    'not built: 2 failed, 2 blocked (1 by the plan, 1 in this run)',
    '  linux-64 keras: blocked — blocked by tensorflow (too-heavy)',
    '  linux-64 nose: failed — build failed: ModuleNotFoundError: No module named imp',
    '  linux-64 httpretty: failed (test) — test failed: commands[0]',
    '  linux-64 nose-exclude: blocked — blocked by nose (failed)',
  ]);
});

reporters('several pythons :: lines, live tallies and not-built lines name the python of each target', () => {
  const py314 = { subdir: 'linux-64' as const, python: '3.14' };
  const two: ExecutionStart = { ...start, tasks: [start.tasks[0], start.tasks[1], { ...start.tasks[1], target: py314 }] };
  let out = '';
  const r = plainReporter((l) => void (out += l), () => T0);
  r.start!(two);
  r.taskEnd!(result('b', py314 as never, 'failed', { failure: 'build', reason: 'exit 1' }));
  r.end!({ ...summary, notBuilt: [{ id: 'x', target: py314, status: 'error', reason: 'render error' }] });
  const lines = out.split('\n').filter(Boolean);
  assert.is(lines[1], '[00:00:00] linux-64 py3.14 b: FAILED (build) exit 1');
  assert.ok(lines.includes('[00:00:00]   linux-64 py3.14 x: error — render error'), lines.join('\n'));
  const model = new ProgressModel();
  model.start(two, 0);
  assert.equal(model.tally().map((t) => t.subdir), ['linux-64 py3.13', 'linux-64 py3.14']);
  // One python: the subdir alone, as before.
  const one = new ProgressModel();
  one.start(start, 0);
  assert.equal(one.tally().map((t) => t.subdir), ['linux-64', 'win-64']);
});

reporters.run();
