import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from './engine.ts';
import { openBuildTask, removeTaskDir, taskPaths } from './build-task.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakeNode } from '../../tests/fixtures/fake-plan.ts';

const tasks = suite('openBuildTask');

tasks.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-task-'));
});
tasks.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

tasks('makes the log dir, and the scratch dir once read; log lines are appended in order with other writers, before and after close', async (ctx) => {
  const run = new Engine(fakeConfig(ctx.dir, [])).createRun();
  const target = run.targets[0];
  const known = new Set<string>();
  const { task, close, scratchMade } = await openBuildTask(run, fakeNode('numpy', target), target, 2, new AbortController().signal, 1000, known);
  const paths = taskPaths(ctx.dir, target, 'numpy', 2);
  assert.not.ok(existsSync(paths.workDir), 'no scratch dir until a plugin reads task.workDir');
  assert.not.ok(scratchMade());
  assert.is(task.workDir, paths.workDir);
  assert.ok(existsSync(task.workDir));
  assert.ok(scratchMade());
  // A copy of the task (what prepareTask taps often return) has the path as a plain value.
  const copy = { ...task };
  assert.is(copy.workDir, paths.workDir);
  assert.is(task.logFile, paths.logFile);
  assert.equal([...known], [join(ctx.dir, 'logs', 'linux-64')]);
  task.log('one');
  appendFileSync(task.logFile, 'runner output\n'); // a runner appending to the same file
  task.log('two\n');
  close();
  task.log('three');
  close(); // idempotent
  assert.is(readFileSync(task.logFile, 'utf8'), 'one\nrunner output\ntwo\nthree\n');
  // A second attempt of the same package: the existing `<id>/` dir and log dir are fine.
  const again = await openBuildTask(run, fakeNode('numpy', target), target, 3, new AbortController().signal, 1000, known);
  again.task.log('attempt 3');
  again.close();
  assert.match(readFileSync(task.logFile, 'utf8'), /three\nattempt 3\n$/);
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

tasks.run();
