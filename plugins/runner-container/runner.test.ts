// Runs real containers with podman (CI installs it: .ci/install-system). Without podman these tests
// fail with the reason; they never skip.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import { PluginHookError } from '../../core/model/errors.ts';
import { STAGE } from '../../core/engine/stage.ts';
import type { BuildTask, ExecRequest, ExecResult } from '../../core/model/types.ts';
import { containerRunner, ContainerStartError, type ContainerRunnerOptions } from './index.ts';
import { ensureTestImage } from './test-image.ts';
import { testConfig, testTask } from './test-task.ts';

interface Ctx {
  dir: string;
  image: string;
}

const runner = suite<Ctx>('containerRunner (podman)', { dir: '', image: '' });

// Not a before() hook: uvu hides an error thrown there, and a missing podman must say so in every test.
let image: Promise<string> | null = null;
const testImage = () => (image ??= ensureTestImage());

runner.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-runner-'));
});
runner.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

let seq = 0;
/** Run one request through a real Engine's exec hook with the container runner and a fake host fallback. */
async function exec(
  ctx: Ctx,
  req: Partial<Omit<ExecRequest, 'task'>> & { argv: string[] },
  opts: Partial<ContainerRunnerOptions> = {},
  task: Partial<BuildTask> = {},
): Promise<{ result: ExecResult; task: BuildTask }> {
  ctx.image = await testImage();
  const plugin = containerRunner({ images: { 'linux-64': ctx.image }, ...opts });
  const host = { name: 'test:host', apply(e: Engine) {
    e.hooks.run.tap('test:host', (run) => run.hooks.exec.tapPromise({ name: 'test:host', stage: STAGE.FALLBACK }, async () => ({ exitCode: 0, signal: null, timedOut: false, cancelled: false, runner: 'test:host' })));
  } };
  const run = new Engine(testConfig([plugin, host])).createRun();
  const t = testTask(ctx.dir, { id: `t${process.pid}-${++seq}`, ...task });
  const result = await run.hooks.exec.promise({ task: t, cwd: ctx.dir, env: {}, mounts: [{ path: ctx.dir, mode: 'rw' }], network: false, ...req });
  return { result: result!, task: t };
}

/** Containers (any state) labelled with this task id. */
const leftovers = (taskId: string) =>
  execFileSync('podman', ['ps', '-a', '--filter', `label=io.rebuild.task=${taskId}`, '--format', '{{.Names}}']).toString().trim();

const readLog = (t: BuildTask) => (existsSync(t.logFile) ? readFileSync(t.logFile, 'utf8') : '');

async function waitFor(what: string, check: () => boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs; // a safety net against hanging, not a timing assertion
  while (!check()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

runner('podman is installed and the busybox test image runs', async (ctx) => {
  ctx.image = await testImage();
  assert.is(execFileSync('podman', ['run', '--rm', '--network', 'none', ctx.image, 'echo', 'ok']).toString(), 'ok\n');
});

runner('writes to a rw mount, reads a ro mount, cannot write the ro mount; cwd is the request cwd', async (ctx) => {
  const src = join(ctx.dir, 'src');
  const out = join(ctx.dir, 'out');
  mkdirSync(src);
  mkdirSync(out);
  writeFileSync(join(src, 'input.txt'), 'from the host\n');
  const script = `pwd > ${out}/cwd; cat ${src}/input.txt > ${out}/copy.txt; if echo x > ${src}/nope 2>/dev/null; then echo writable > ${out}/ro; else echo refused > ${out}/ro; fi`;
  const { result } = await exec(ctx, { argv: ['sh', '-c', script], cwd: src, mounts: [{ path: src, mode: 'ro' }, { path: out, mode: 'rw' }] });
  assert.is(result.exitCode, 0);
  assert.is(result.runner, 'rebuild:runner-container');
  assert.is(readFileSync(join(out, 'copy.txt'), 'utf8'), 'from the host\n');
  assert.is(readFileSync(join(out, 'ro'), 'utf8'), 'refused\n');
  assert.is(readFileSync(join(out, 'cwd'), 'utf8'), `${src}\n`);
  assert.not.ok(existsSync(join(src, 'nope')));
});

runner('network is off: the container has only the loopback interface', async (ctx) => {
  const { result } = await exec(ctx, { argv: ['sh', '-c', `ls /sys/class/net > ${ctx.dir}/net`], network: true });
  assert.is(result.exitCode, 0);
  assert.is(readFileSync(join(ctx.dir, 'net'), 'utf8'), 'lo\n');
});

runner('env: build variables and allowlisted names pass, others do not; PATH keeps mounted dirs in front', async (ctx) => {
  const bin = join(ctx.dir, 'prefix', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'hello-tool'), '#!/bin/sh\necho tool-ran\n');
  chmodSync(join(bin, 'hello-tool'), 0o755);
  const env = { PREFIX: join(ctx.dir, 'prefix'), PKG_NAME: 'demo', MY_FLAG: 'yes', SECRET_TOKEN: 'hunter2', PATH: `${bin}:/usr/local/hostonly/bin:/usr/bin` };
  const { result, task } = await exec(ctx, { argv: ['sh', '-c', `env > ${ctx.dir}/env; hello-tool >> ${ctx.dir}/env`], env }, { envAllowlist: ['MY_*'] });
  assert.is(result.exitCode, 0);
  const seen = readFileSync(join(ctx.dir, 'env'), 'utf8');
  assert.match(seen, `PREFIX=${join(ctx.dir, 'prefix')}\n`);
  assert.match(seen, 'PKG_NAME=demo\n');
  assert.match(seen, 'MY_FLAG=yes\n');
  assert.not.match(seen, 'SECRET_TOKEN');
  assert.not.match(seen, 'hunter2');
  assert.match(seen, `PATH=${bin}:/bin\n`); // the image's own PATH (/bin) after the mounted entry
  assert.match(seen, 'tool-ran\n');
  const log = readFileSync(task.logFile, 'utf8');
  assert.match(log, 'env not passed into the container: SECRET_TOKEN');
  assert.not.match(log, 'hunter2');
});

runner('the exit code propagates; 127 from the command itself is a result, not a start failure', async (ctx) => {
  assert.is((await exec(ctx, { argv: ['sh', '-c', 'exit 3'] })).result.exitCode, 3);
  const r = (await exec(ctx, { argv: ['sh', '-c', 'no-such-command-here'] })).result;
  assert.is(r.exitCode, 127);
  assert.is(r.timedOut, false);
});

runner('streams stdout and stderr to the log file while the command runs', async (ctx) => {
  await testImage();
  const go = join(ctx.dir, 'go');
  const t = testTask(ctx.dir, { id: `stream-${process.pid}` });
  const pending = exec(ctx, { argv: ['sh', '-c', `echo first-out-$((40+2)); echo first-err-$((40+2)) >&2; while [ ! -f ${go} ]; do sleep 0.05; done; echo second-out-$((40+2))`] }, {}, t);
  // Markers are computed by the shell, so the logged command line does not contain them.
  // The command waits for `go`, which is written only once its first lines are in the log.
  const seen = await waitFor('the first lines in the log', () => /first-out-42/.test(readLog(t)) && /first-err-42/.test(readLog(t))).then(() => readLog(t), (err) => err as Error);
  writeFileSync(go, '');
  const { result } = await pending;
  if (seen instanceof Error) throw seen;
  assert.not.match(seen, 'second-out-42');
  assert.is(result.exitCode, 0);
  assert.match(readFileSync(t.logFile, 'utf8'), /first-out-42[\s\S]*second-out-42/);
});

runner('a timeout stops the container, reports timedOut, and leaves no container behind', async (ctx) => {
  const id = `timeout-${process.pid}`;
  const { result, task } = await exec(ctx, { argv: ['sh', '-c', 'echo started-$((40+2)); sleep 60'] }, {}, { id, timeoutMs: 800 });
  assert.is(result.timedOut, true);
  assert.is(result.cancelled, false);
  assert.is.not(result.exitCode, 0);
  assert.is(leftovers(id), '');
  assert.match(readFileSync(task.logFile, 'utf8'), /started-42[\s\S]*timed out after 800 ms/);
});

runner('an abort signal cancels the running container and removes it', async (ctx) => {
  const id = `cancel-${process.pid}`;
  await testImage();
  const ac = new AbortController();
  const t = testTask(ctx.dir, { id, signal: ac.signal });
  const pending = exec(ctx, { argv: ['sh', '-c', 'echo started-$((40+2)); sleep 60'] }, { stopTimeoutSeconds: 0 }, t);
  await waitFor('the container to start', () => /started-42/.test(readLog(t)));
  ac.abort();
  const { result } = await pending;
  assert.is(result.cancelled, true);
  assert.is(result.timedOut, false);
  assert.is(leftovers(id), '');
});

runner('an already aborted task starts no container', async (ctx) => {
  const ac = new AbortController();
  ac.abort();
  const { result } = await exec(ctx, { argv: ['sh', '-c', `touch ${ctx.dir}/ran`] }, {}, { signal: ac.signal });
  assert.is(result.cancelled, true);
  assert.not.ok(existsSync(join(ctx.dir, 'ran')));
});

async function startFailure(p: Promise<unknown>): Promise<ContainerStartError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, PluginHookError);
    const cause = (err as PluginHookError).cause;
    assert.instance(cause, ContainerStartError);
    assert.is((cause as ContainerStartError).failure, 'container-start');
    return cause as ContainerStartError;
  }
  throw new Error('expected a container-start failure');
}

runner('a missing image is a container-start failure, and no container is left', async (ctx) => {
  const id = `noimage-${process.pid}`;
  const err = await startFailure(exec(ctx, { argv: ['true'] }, { images: { 'linux-64': 'localhost/rebuild-no-such-image' }, pull: 'never' }, { id }));
  assert.is(err.exitCode, 125);
  assert.match(err.message, 'rebuild-no-such-image');
  assert.is(leftovers(id), '');
});

runner('a missing engine binary and a missing command are container-start failures', async (ctx) => {
  const noEngine = await startFailure(exec(ctx, { argv: ['true'] }, { engine: join(ctx.dir, 'no-podman') }));
  assert.match(noEngine.message, 'not found');
  const id = `nocmd-${process.pid}`;
  const noCmd = await startFailure(exec(ctx, { argv: ['/no/such/binary'] }, {}, { id }));
  assert.is(noCmd.exitCode, 127);
  assert.is(leftovers(id), '');
});

runner('a subdir without an image is left to the next runner', async (ctx) => {
  const { result } = await exec(ctx, { argv: ['true'] }, {}, { target: { subdir: 'linux-aarch64', python: '3.13' } });
  assert.is(result.runner, 'test:host');
});

runner.run();

