import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import type { BuildTask, ExecRequest } from '../../core/model/types.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { addSecretValue, clearSecrets } from '../../core/config/redactor.ts';
import { hostRunner, runOnHost, PLUGIN_NAME } from './index.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';

function fakeTask(dir: string, over: Partial<BuildTask> = {}): BuildTask {
  const logFile = join(dir, 'logs', 'task.log');
  return {
    id: 'pkg', node: {} as any, target: { subdir: 'linux-64', python: '3.13' }, stage: 'build', attempt: 1,
    workDir: dir, outputChannel: join(dir, 'out'), channels: [], logFile,
    log() {}, signal: new AbortController().signal, timeoutMs: 20_000,
    exec: () => Promise.reject(new Error('unused')),
    ...over,
  };
}

function req(task: BuildTask, script: string, env: Record<string, string> = {}): ExecRequest {
  return { task, argv: ['/bin/sh', '-c', script], cwd: task.workDir, env, mounts: [], network: false };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const s = suite('runOnHost');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'runner-host-'));
  dirs.push(d);
  return d;
};
s.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

s('returns the exit code and streams stdout+stderr into the log :: exit 3', async () => {
  const task = fakeTask(tmp());
  const r = await runOnHost(req(task, 'echo out; echo err >&2; exit 3'));
  assert.equal(r, { exitCode: 3, signal: null, timedOut: false, cancelled: false, runner: PLUGIN_NAME });
  assert.is(readFileSync(task.logFile, 'utf8'), 'out\nerr\n');
});

s('a secret value the command prints is redacted from the log; earlier lines are kept', async () => {
  const task = fakeTask(tmp());
  await runOnHost(req(task, 'echo first'));
  addSecretValue('runner-secret-4711');
  try {
    const r = await runOnHost(req(task, 'echo "token=$T"; echo "$T" >&2', { T: 'runner-secret-4711' }));
    assert.is(r.exitCode, 0);
    assert.is(readFileSync(task.logFile, 'utf8'), 'first\ntoken=[redacted]\n[redacted]\n');
  } finally {
    clearSecrets();
  }
});

s('appends to an existing log :: two commands', async () => {
  const task = fakeTask(tmp());
  await runOnHost(req(task, 'echo one'));
  const r = await runOnHost(req(task, 'echo two'));
  assert.is(r.exitCode, 0);
  assert.is(readFileSync(task.logFile, 'utf8'), 'one\ntwo\n');
});

s('passes only the given env (plus a default PATH) and the cwd :: parent env not leaked', async () => {
  const dir = tmp();
  process.env.REBUILD_RUNNER_SECRET = 'leak';
  try {
    const task = fakeTask(dir);
    const r = await runOnHost(req(task, 'echo "A=$A S=${REBUILD_RUNNER_SECRET:-unset} P=$PATH"; pwd', { A: 'x y' }));
    assert.is(r.exitCode, 0);
    const log = readFileSync(task.logFile, 'utf8').split('\n');
    assert.match(log[0], /^A=x y S=unset P=.*\/usr\/bin/);
    assert.is(log[1], dir);
  } finally {
    delete process.env.REBUILD_RUNNER_SECRET;
  }
});

s('a given PATH replaces the default :: PATH=/nowhere', async () => {
  const task = fakeTask(tmp());
  const r = await runOnHost({ ...req(task, 'echo $PATH'), env: { PATH: '/nowhere' } });
  assert.is(r.exitCode, 0);
  assert.is(readFileSync(task.logFile, 'utf8'), '/nowhere\n');
});

s('a missing program gives exit 127 and a log line :: /no/such/bin', async () => {
  const task = fakeTask(tmp());
  const r = await runOnHost({ ...req(task, ''), argv: ['/no/such/bin'] });
  assert.is(r.exitCode, 127);
  assert.match(readFileSync(task.logFile, 'utf8'), /cannot run \/no\/such\/bin/);
});

s('a timeout kills the whole process group :: shell with a sleeping child', async () => {
  const dir = tmp();
  const task = fakeTask(dir, { timeoutMs: 400 });
  const pidFile = join(dir, 'child.pid');
  // The child ignores SIGTERM, so only the group SIGKILL after the grace period can end it.
  const r = await runOnHost(req(task, `sh -c 'trap "" TERM; echo $$ > ${pidFile}; sleep 30' & wait`), { killGraceMs: 200 });
  assert.is(r.timedOut, true);
  assert.is(r.cancelled, false);
  assert.is.not(r.exitCode, 0);
  const childPid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(childPid > 0);
  assert.ok(await waitGone(childPid), `child ${childPid} still alive`);
  assert.match(readFileSync(task.logFile, 'utf8'), /timed out after 400 ms/);
});

s("a request's own timeoutMs (one test) beats the task's :: 300 ms of a 20 s task", async () => {
  const task = fakeTask(tmp());
  const r = await runOnHost({ ...req(task, 'sleep 30'), timeoutMs: 300 }, { killGraceMs: 200 });
  assert.is(r.timedOut, true);
  assert.match(readFileSync(task.logFile, 'utf8'), /timed out after 300 ms/);
});

s('an abort cancels the command and its children :: abort while sleeping', async () => {
  const dir = tmp();
  const ac = new AbortController();
  const task = fakeTask(dir, { signal: ac.signal });
  const pidFile = join(dir, 'child.pid');
  const p = runOnHost(req(task, `sleep 30 & echo $! > ${pidFile}; wait`), { killGraceMs: 200 });
  for (let i = 0; i < 100 && !readFileSync(pidFile, { flag: 'a+' }).length; i++) await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  const r = await p;
  assert.is(r.cancelled, true);
  assert.is(r.timedOut, false);
  const childPid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(await waitGone(childPid), `child ${childPid} still alive`);
});

s('an already aborted task does not start :: cancelled', async () => {
  const ac = new AbortController();
  ac.abort();
  const dir = tmp();
  const task = fakeTask(dir, { signal: ac.signal });
  const r = await runOnHost(req(task, `touch ${join(dir, 'ran')}`));
  assert.is(r.cancelled, true);
  assert.throws(() => readFileSync(join(dir, 'ran')));
});

s.run();

const plugin = suite('hostRunner plugin');

plugin('answers run.exec as the fallback runner :: a container runner tapped earlier wins', async () => {
  const config = fakeConfig('/tmp/w', [hostRunner()], { rootDir: '/tmp', channels: { build: [] }, concurrency: 1, bootstrap: { chain: [] }, timeouts: { buildSeconds: 10, hookMs: 0 } });
  const run = new Engine(config).createRun();
  const dir = mkdtempSync(join(tmpdir(), 'runner-host-'));
  try {
    const task = fakeTask(dir);
    const r1 = await run.hooks.exec.promise(req(task, 'exit 0'));
    assert.is(r1?.runner, PLUGIN_NAME);
    run.hooks.exec.tapPromise('test:container', async () => ({ exitCode: 0, signal: null, timedOut: false, cancelled: false, runner: 'test:container' }));
    const r2 = await run.hooks.exec.promise(req(task, 'exit 0'));
    assert.is(r2?.runner, 'test:container');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

plugin('bad options fail at the factory, naming the plugin and the option', () => {
  assert.throws(() => hostRunner({ killGraceMs: -1 }), (e: Error) => e instanceof PluginOptionsError && /invalid options for rebuild:runner-host:\n  - options\.killGraceMs must be >= 0/.test(e.message));
  assert.throws(() => hostRunner({ killGraceMs: Number.NaN }), (e: Error) => e instanceof PluginOptionsError && /options\.killGraceMs must be number/.test(e.message));
  assert.throws(() => hostRunner({ graceMs: 10 } as never), (e: Error) => e instanceof PluginOptionsError && /rebuild:runner-host[\s\S]*unknown option 'graceMs'/.test(e.message));
  assert.is(hostRunner({ killGraceMs: 0 }).name, PLUGIN_NAME);
});

plugin.run();
