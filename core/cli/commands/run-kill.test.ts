// SIGKILL sweep through the real CLI: `node bin/rebuild.js run` (the script builder, the host runner,
// and podman when installed) on an aggregate of our own whose build scripts write their prefix in
// steps. Only the rebuild process is killed (SIGKILL), at points found by watching files, never by
// timers: during the first build, right after a package was written (between builds), during a
// later build. Its build is left running, as in real life; the next `run` resumes. At the end the
// channels must be byte-identical to an uninterrupted run's, no process or container of the test
// left, and state.db intact.
//
// A killed run's script is held (deterministically alive) by a one-shot token: a script that takes
// its package's `hold-<name>` (mv) waits after its 2nd step while its taken token exists. A resumed run's scripts
// find no token and run through; the resumed run must stop the held one before building.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexChannel } from '../../conda/repodata.ts';
import { groupMembers, WORKDIR_LABEL } from '../../engine/leftovers.ts';
import { StateDb } from '../../state/state-db.ts';
import { markerProcesses } from '../../../tests/fixtures/marker-processes.ts';
import { channelBytes } from '../../../tests/fixtures/channel-bytes.ts';
import { ensureTestImage, TestImageError } from '../../../plugins/runner-container/test-image.ts';
import { writeFakePython } from '../../../tests/fixtures/fake-python-package.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const STEPS = 4;
const PACKAGES: Record<string, string[]> = { alpha: [], beta: [], gamma: ['alpha'] };

/** A recipe whose script writes share/<name>/steps.txt a line at a time, with short sleeps. */
function recipe(name: string, host: string[], holds: string[]): string {
  return `package:
  name: ${name}
  version: "1.0"
build:
  number: 0
  script: |
    held=
    for h in ${holds.map((h) => `${h}-${name}`).join(' ')}; do
      if mv "$h" "$h.$$" 2>/dev/null; then held="$h.$$"; fi
    done
    mkdir -p "$PREFIX/share/${name}"
    i=1
    while [ $i -le ${STEPS} ]; do
      echo "${name} step $i" >> "$PREFIX/share/${name}/steps.txt"
      if [ $i = 2 ] && [ -n "$held" ]; then while [ -e "$held" ]; do sleep 0.1; done; fi
      sleep 0.2
      i=$((i + 1))
    done
requirements:
  host:
    - python
${host.map((h) => `    - ${h}\n`).join('')}  run:
    - python
${host.map((h) => `    - ${h}\n`).join('')}about:
  summary: ${name}, built in ${STEPS} steps
  license: MIT
`;
}

const CONFIG = (extra = '') => `${extra ? `import { containerRunner } from '${join(repo, 'plugins/runner-container/index.ts')}';\n` : ''}export default {
  python: { from: '3.12', to: '3.13' },
  arches: ['linux-64'],
  aggregate: './aggregate',
  workDir: './work',
  channels: { build: ['./build-channel'] },
  ${extra}
};
`;

/** Project dir: configs (host, podman), the aggregate, a build channel with python. Hold tokens live in the killed work dirs (mounted in containers). */
async function project(root: string, image: string | null): Promise<string> {
  const dir = join(root, 'project');
  const holds = [join(root, 'host', 'hold'), join(root, 'podman', 'hold')];
  for (const [name, host] of Object.entries(PACKAGES)) {
    mkdirSync(join(dir, `aggregate/${name}-feedstock/recipe`), { recursive: true });
    writeFileSync(join(dir, `aggregate/${name}-feedstock/recipe/meta.yaml`), recipe(name, host, holds));
  }
  writeFileSync(join(dir, 'rebuild.config.ts'), CONFIG());
  if (image) writeFileSync(join(dir, 'podman.config.ts'), CONFIG(`plugins: [containerRunner({ images: { 'linux-64': '${image}' }, stopTimeoutSeconds: 0 })],`));
  const channel = join(dir, 'build-channel');
  await writeFakePython(join(channel, 'linux-64'));
  await indexChannel(channel, ['linux-64']);
  return dir;
}

/** Every share/<name>/steps.txt under the work dir's attempt folders → its line count. */
function stepFiles(work: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const path = join(dir, n);
      if (n === 'steps.txt') {
        try {
          out.set(path, readFileSync(path, 'utf8').split('\n').filter(Boolean).length);
        } catch {
          // removed meanwhile
        }
      } else if (depth < 12) {
        try {
          if (statSync(path).isDirectory()) walk(path, depth + 1);
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(join(work, 'tasks'), 0);
  return out;
}

const packagesIn = (work: string) => {
  try {
    return readdirSync(join(work, 'channel', 'linux-64')).filter((f) => f.endsWith('.tar.bz2') && !f.startsWith('.')).length;
  } catch {
    return 0;
  }
};

/**
 * Where to kill: when a script of this run (a steps.txt not there before) of `name` (any when
 * null) has written 2 steps, or when a package file more than before is in the channel.
 */
type KillPoint = { script: string | null } | { packaged: true } | null;

/** Safety net, not a timing assertion: a kill point never reached fails instead of hanging. */
const GIVE_UP_MS = 120_000;

function runCli(dir: string, work: string, config: string, point: KillPoint): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const before = new Set(stepFiles(work).keys());
    const packaged = packagesIn(work);
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    delete env.SOURCE_DATE_EPOCH;
    const child = spawn(process.execPath, [join(repo, 'bin/rebuild.js'), 'run', '-c', config, '--work-dir', work, '--concurrency', '1'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const reached = () => {
      if (!point) return false;
      if ('packaged' in point) return packagesIn(work) > packaged;
      return [...stepFiles(work)].some(([path, lines]) => !before.has(path) && lines >= 2 && (point.script === null || path.endsWith(`/share/${point.script}/steps.txt`)));
    };
    const poll = point ? setInterval(() => reached() && child.kill('SIGKILL'), 25) : undefined;
    const giveUp = setTimeout(() => {
      out += `\n(test: gave up waiting for kill point ${JSON.stringify(point)})\n${logTails(work)}`;
      child.kill('SIGKILL');
    }, GIVE_UP_MS);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(giveUp);
      resolve({ code, signal, out: out + (signal === 'SIGKILL' && !reached() ? '\n(test: killed before the kill point)' : '') });
    });
  });
}

/** The last lines of every task log of the work dir: what a failure message shows. */
function logTails(work: string): string {
  const dir = join(work, 'logs', 'linux-64');
  if (!existsSync(dir)) return '';
  return readdirSync(dir).map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
}

const containersOf = (work: string) =>
  execFileSync('podman', ['ps', '-a', '-q', '--filter', `label=${WORKDIR_LABEL}=${work}`]).toString().trim().split('\n').filter(Boolean);

function checkState(work: string): void {
  const db = StateDb.open(work, { readonly: true });
  try {
    assert.equal(db.db.prepare('PRAGMA integrity_check').all(), [{ integrity_check: 'ok' }]);
    assert.equal(db.openProcesses(), [], 'every recorded process group and container is closed');
    for (const { pgid } of db.db.prepare("SELECT pgid FROM attempt_processes WHERE kind = 'process-group'").all() as { pgid: number }[]) {
      assert.equal(groupMembers(pgid), [], `process group ${pgid} was left behind`);
    }
  } finally {
    db.close();
  }
}

let reference: Promise<Record<string, string>> | null = null;
function referenceChannels(root: string, dir: string): Promise<Record<string, string>> {
  return (reference ??= (async () => {
    const work = join(root, 'reference');
    const r = await runCli(dir, work, 'rebuild.config.ts', null);
    assert.is(r.code, 0, r.out);
    const bytes = channelBytes(work);
    assert.is(Object.keys(bytes).filter((f) => f.endsWith('.tar.bz2')).length, Object.keys(PACKAGES).length, JSON.stringify(bytes));
    return bytes;
  })());
}

/** Kill at each point in turn (a hold token for mid-script points), resume, compare with the reference. */
async function sweep(root: string, dir: string, kind: 'host' | 'podman', config: string, points: KillPoint[], leftBehind: (work: string) => boolean): Promise<void> {
  const expected = await referenceChannels(root, dir);
  const work = join(root, kind);
  mkdirSync(work, { recursive: true });
  let outputs = '';
  for (const point of points) {
    const midScript = !!point && 'script' in point;
    const tokens = midScript ? Object.keys(PACKAGES).filter((n) => point.script === null || point.script === n).map((n) => join(work, `hold-${n}`)) : [];
    for (const t of tokens) writeFileSync(t, '');
    const r = await runCli(dir, work, config, point);
    assert.is(r.signal, 'SIGKILL', `kill point ${JSON.stringify(point)} was not reached (exit ${r.code}): ${r.out}`);
    assert.not.match(r.out, '(test:', r.out);
    outputs += r.out;
    for (const t of tokens) rmSync(t, { force: true }); // those not taken
    if (midScript) assert.ok(leftBehind(work), `nothing was left running after kill ${JSON.stringify(point)}`);
  }
  const last = await runCli(dir, work, config, null);
  assert.is(last.code, 0, last.out);
  outputs += last.out;
  assert.equal(channelBytes(work), expected, 'channels differ from the uninterrupted run');
  assert.equal(markerProcesses(basename(root)), [], 'a build process was left behind');
  checkState(work);
  // The held build was stopped by a resumed run, not left to finish on its own.
  assert.match(outputs, /leftover of a killed run: (killed process group|removed container)/);
}

const kill = suite('rebuild run: SIGKILL sweep through the CLI');

kill.before(async (ctx) => {
  ctx.root = mkdtempSync(join(tmpdir(), 'rebuild-cli-sweep-'));
  let image: string | null = null;
  try {
    image = await ensureTestImage();
  } catch (err) {
    if (!(err instanceof TestImageError && /not installed/.test(err.message))) throw err;
    ctx.skipPodman = err.message;
  }
  ctx.dir = await project(ctx.root, image);
});

kill.after((ctx) => {
  // Whatever happened (a failed test), nothing stays held or behind.
  for (const pid of markerProcesses(basename(ctx.root))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (!ctx.skipPodman) {
    const ids = containersOf(join(ctx.root, 'podman'));
    if (ids.length) execFileSync('podman', ['rm', '-f', '-t', '0', ...ids]);
  }
  rmSync(ctx.root, { recursive: true, force: true });
});

kill('host runner: killed during the first build, after a package was written, during a later build; resumed; channels identical, nothing left', async (ctx) => {
  await sweep(ctx.root, ctx.dir, 'host', 'rebuild.config.ts', [{ script: null }, { packaged: true }, { script: 'gamma' }], () => markerProcesses(basename(ctx.root)).length > 0);
});

kill('podman: killed during a build in a container; resumed; channels identical, no container left', async (ctx) => {
  if (ctx.skipPodman) {
    console.log(`skipped: ${ctx.skipPodman}`);
    return;
  }
  const work = join(ctx.root, 'podman');
  await sweep(ctx.root, ctx.dir, 'podman', 'podman.config.ts', [{ script: null }], (w) => containersOf(w).length > 0);
  assert.equal(containersOf(work), [], 'a container was left behind');
});

kill.run();
