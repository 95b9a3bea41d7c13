import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from './engine.ts';
import { openBuildTask, removeTaskDir, staleScratchDirs, taskPaths } from './build-task.ts';
import { StateDb } from '../state/state-db.ts';
import { addSecretValue, clearSecrets } from '../config/redactor.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakeNode } from '../../tests/fixtures/fake-plan.ts';
import { seededRandom } from '../../tests/fixtures/seeded-random.ts';

const tasks = suite('openBuildTask');

tasks.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-task-'));
});
tasks.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

tasks('creates nothing up front: the scratch dir once read, the log on the first line or when its path is read; lines in order with other writers', (ctx) => {
  const run = new Engine(fakeConfig(ctx.dir, [])).createRun();
  const target = run.targets[0];
  const known = new Set<string>();
  const opened = openBuildTask(run, fakeNode('numpy', target), target, { runId: 1, attempt: 2 }, new AbortController().signal, 1000, known);
  const { task, close, scratchMade } = opened;
  const paths = taskPaths(ctx.dir, target, 'numpy', 1, 2);
  assert.not.ok(existsSync(paths.workDir), 'no scratch dir until a plugin reads task.workDir');
  assert.not.ok(scratchMade());
  assert.is(task.workDir, paths.workDir);
  assert.ok(existsSync(task.workDir));
  assert.ok(scratchMade());
  // The executor's own lines wait for the log; reading opened.logFile does not create it.
  opened.note('=== header');
  assert.is(opened.logFile, paths.logFile);
  assert.not.ok(existsSync(paths.logFile), 'no log file while nothing is logged');
  assert.equal([...known], []);
  // A copy of the task (what prepareTask taps often return) has the paths as plain values; reading
  // task.logFile creates the log (a runner appending by path comes after the header).
  const copy = { ...task };
  assert.is(copy.workDir, paths.workDir);
  assert.is(copy.logFile, paths.logFile);
  assert.is(readFileSync(paths.logFile, 'utf8'), '=== header\n');
  assert.equal([...known], [join(ctx.dir, 'logs', 'linux-64')]);
  task.log('one');
  appendFileSync(task.logFile, 'runner output\n'); // a runner appending to the same file
  copy.log('two\n');
  opened.note('=== footer');
  close();
  task.log('three');
  close(); // idempotent
  assert.is(readFileSync(paths.logFile, 'utf8'), '=== header\none\nrunner output\ntwo\n=== footer\nthree\n');
  // A second attempt of the same package: the existing log and log dir are appended to.
  const again = openBuildTask(run, fakeNode('numpy', target), target, { runId: 1, attempt: 3 }, new AbortController().signal, 1000, known);
  again.note('=== attempt 3');
  again.task.log('built');
  again.close();
  assert.match(readFileSync(paths.logFile, 'utf8'), /three\n=== attempt 3\nbuilt\n$/);
});

tasks('log lines and executor notes pass the redactor: a plugin that logs a secret value leaves [redacted]', (ctx) => {
  addSecretValue('task-token-1618');
  try {
    const run = new Engine(fakeConfig(ctx.dir, [])).createRun();
    const target = run.targets[0];
    const opened = openBuildTask(run, fakeNode('numpy', target), target, { runId: 1, attempt: 1 }, new AbortController().signal, 1000);
    opened.task.log('upload with token task-token-1618');
    opened.note('=== failed: 401 for task-token-1618');
    opened.close();
    opened.task.log('after close: task-token-1618');
    assert.is(readFileSync(opened.logFile, 'utf8'), 'upload with token [redacted]\n=== failed: 401 for [redacted]\nafter close: [redacted]\n');
  } finally {
    clearSecrets();
  }
});

tasks('a task that logs nothing leaves no log file; its executor lines are dropped; a plugin may point the log elsewhere', (ctx) => {
  const run = new Engine(fakeConfig(ctx.dir, [])).createRun();
  const target = run.targets[0];
  const silent = openBuildTask(run, fakeNode('quiet', target), target, { runId: 1, attempt: 1 }, new AbortController().signal, 1000);
  silent.note('=== header');
  silent.note('=== published in 0.0 s');
  silent.close();
  assert.not.ok(existsSync(silent.logFile));
  assert.not.ok(existsSync(join(ctx.dir, 'logs')), 'no log dir either');

  const moved = openBuildTask(run, fakeNode('moved', target), target, { runId: 1, attempt: 1 }, new AbortController().signal, 1000);
  const elsewhere = join(ctx.dir, 'elsewhere.log');
  moved.task.logFile = elsewhere;
  moved.task.log('to the new place');
  assert.is(moved.task.logFile, elsewhere);
  moved.close();
  assert.is(readFileSync(elsewhere, 'utf8'), 'to the new place\n');
  assert.not.ok(existsSync(moved.logFile));
});

tasks('every attempt has its own scratch dir, named by run and attempt, and starts empty', (ctx) => {
  const run = new Engine(fakeConfig(ctx.dir, [])).createRun();
  const target = run.targets[0];
  const open = (runId: number, attempt: number) => openBuildTask(run, fakeNode('numpy', target), target, { runId, attempt }, new AbortController().signal, 1000);
  const first = open(3, 1);
  writeFileSync(join(first.task.workDir, 'half-built'), 'from a build that may still be running');
  const again = open(4, 1);
  assert.is.not(again.task.workDir, first.task.workDir, 'the next run does not reuse a killed run\'s dir');
  assert.is(again.task.workDir, join(ctx.dir, 'tasks', 'linux-64', 'numpy', 'run-4-attempt-1'));
  // Only if the state was lost could a dir exist already: it is emptied, not reused.
  const lost = open(3, 1);
  assert.is(lost.task.workDir, first.task.workDir);
  assert.equal(readdirSync(lost.task.workDir), []);
  for (const o of [first, again, lost]) o.close();
});

tasks('removeTaskDir removes the attempt dir with its content, and `<id>/` only once empty', async (ctx) => {
  const id = join(ctx.dir, 'tasks', 'linux-64', 'pkg');
  mkdirSync(join(id, 'attempt-1'), { recursive: true });
  mkdirSync(join(id, 'attempt-2', 'src', 'deep'), { recursive: true });
  writeFileSync(join(id, 'attempt-2', 'src', 'deep', 'f'), 'x');
  await removeTaskDir(join(id, 'attempt-2'));
  assert.not.ok(existsSync(join(id, 'attempt-2')));
  assert.ok(existsSync(join(id, 'attempt-1')), 'a failed attempt stays for inspection');
  await removeTaskDir(join(id, 'attempt-1'));
  assert.not.ok(existsSync(id));
  await removeTaskDir(join(id, 'attempt-1')); // already gone: no error
});

tasks('several pythons :: logs and scratch dirs under <subdir>/py<X.Y>/; stale ones found there, per python', (ctx) => {
  const run = new Engine(fakeConfig(ctx.dir, [], { python: { from: '3.12', to: ['3.13', '3.14'] } })).createRun();
  const [py313, py314] = run.targets;
  const opened = [py313, py314].map((t) => openBuildTask(run, fakeNode('numpy', t), t, { runId: 1, attempt: 1 }, new AbortController().signal, 1000));
  assert.equal(opened.map((o) => o.task.workDir), ['py3.13', 'py3.14'].map((py) => join(ctx.dir, 'tasks', 'linux-64', py, 'numpy', 'run-1-attempt-1')));
  assert.equal(opened.map((o) => o.logFile), ['py3.13', 'py3.14'].map((py) => join(ctx.dir, 'logs', 'linux-64', py, 'numpy.log')));
  for (const o of opened) o.close();
  // 3.13's attempt failed (its dir is kept for inspection), 3.14's succeeded (its dir is stale).
  const db = StateDb.open(ctx.dir);
  try {
    const runId = db.startRun(['run']);
    for (const t of [py313, py314]) {
      const pkg = db.ensurePackage({ node: 'numpy', subdir: t.subdir, python: t.python }, { feedstock: 'numpy', outputs: ['numpy'], recipeHash: null });
      const attempt = db.startAttempt(pkg.id, runId, 1, '', null);
      if (t.python === '3.13') db.endAttempt(attempt, { status: 'failed', failure: 'build', reason: 'boom', durationMs: 1 });
      else db.completeAttempt(attempt, runId, 'built', null, 1);
    }
    assert.equal(staleScratchDirs(ctx.dir, db), [join(ctx.dir, 'tasks', 'linux-64', 'py3.14', 'numpy', 'run-1-attempt-1')]);
  } finally {
    db.close();
  }
});

tasks('taskPaths gives what path.join gives, for plain names and odd ones :: random names', () => {
  const rand = seededRandom(5);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const dirs = ['/work/run', '/work/run/', '/work//run', '/work/./run', '/work/x/../run', 'relative/dir', 'relative', '.', '/', '/w'];
  const names = ['numpy', 'python@bootstrap', 'numpy@1.26', 'a.b', '..', '.', '', 'a/b', 'a\\b', '..a', 'x y', 'linux-64'];
  for (let i = 0; i < 2000; i++) {
    const workDir = pick(dirs);
    const target = { subdir: pick(names) as 'linux-64', python: pick(['3.13', '3.14', '..', '']) };
    const id = pick(names);
    const [runId, attempt, stage, pythonDir] = [1 + Math.floor(rand() * 9), 1 + Math.floor(rand() * 3), pick(['build', 'test', 'transmute'] as const), rand() < 0.5];
    const where = pythonDir ? join(target.subdir, `py${target.python}`) : target.subdir;
    const want = {
      workDir: join(workDir, 'tasks', where, id, `run-${runId}-${stage === 'build' ? 'attempt' : stage}-${attempt}`),
      logFile: join(workDir, 'logs', where, `${id}.log`),
      outputChannel: join(workDir, 'channel'),
    };
    assert.equal(taskPaths(workDir, target, id, runId, attempt, stage, pythonDir), want, JSON.stringify({ workDir, target, id, pythonDir }));
  }
});

tasks.run();
