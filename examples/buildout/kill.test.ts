// `rebuild run` on the example, killed with SIGKILL in each stage (build, test, transmute, publish: at
// the Nth event of that stage, plus a seeded delay) and run again until it finishes: the production
// channel is byte for byte an uninterrupted run's, and no stage that finished ran a second time.
// The example is cut to certifi and what it needs (python's bootstrap chain) to keep it short.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = fileURLToPath(new URL('../..', import.meta.url));
const example = join(root, 'examples/buildout');
const cli = join(root, 'bin/rebuild.js');

function writeConfig(dir: string): void {
  writeFileSync(join(dir, 'rebuild.config.json'), JSON.stringify({
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: join(example, 'aggregate'), workDir: './work',
    channels: { build: [join(example, 'toolchain')] }, extraVersions: { packaging: [{ version: '21.3' }] },
    selection: { only: ['certifi'] },
  }));
}

function runToEnd(dir: string): void {
  const r = spawnSync(process.execPath, [cli, 'run'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.is(r.status, 0, r.stdout.slice(-2000) + r.stderr.slice(-2000));
}

/** Every file of the production channel (the indexer's sidecar cache aside), path → bytes. */
function production(dir: string): Map<string, Buffer> {
  const base = join(dir, 'work/production');
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(d, e.name)) : e.name.startsWith('.') ? [] : [join(d, e.name)]);
  return new Map(walk(base).sort().map((f) => [relative(base, f), readFileSync(f)]));
}

/** Stages recorded as finished more than once for the same package (none may be). */
function finishedTwice(dir: string): string[] {
  const db = new Database(join(dir, 'work/state.db'), { readonly: true });
  try {
    return db.prepare(`SELECT p.node || ' ' || a.stage AS what, count(*) AS n FROM attempts a JOIN packages p ON p.id = a.package_id
      WHERE a.status = 'complete' GROUP BY p.node, a.stage HAVING n > 1`).all().map((r: any) => `${r.what} ×${r.n}`);
  } finally {
    db.close();
  }
}

/** A small seeded generator (mulberry32), so each seed kills at the same moment every time. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Start `rebuild run --json`; SIGKILL it `delayMs` after the `nth` task event with `status`. Resolves whether it was killed. */
function killAt(dir: string, status: string, nth: number, delayMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', '--json'], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = 0;
    let buffer = '';
    let killed = false;
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (killed || !line) continue;
        const event = JSON.parse(line);
        if (event.type === 'task' && event.status === status && !event.initial && ++seen === nth) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL'));
  });
}

const kill = suite('examples/buildout killed at any stage', { reference: new Map<string, Buffer>(), dirs: [] as string[] });

kill.before((ctx) => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-kill-ref-'));
  ctx.dirs.push(dir);
  writeConfig(dir);
  runToEnd(dir);
  ctx.reference = production(dir);
  assert.ok([...ctx.reference.keys()].some((f) => /^linux-64\/certifi-.*\.conda$/.test(f)), [...ctx.reference.keys()].join(' '));
});
kill.after((ctx) => ctx.dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Seeds pick the event's rank and the delay; the stages are those of the pipeline.
const cases: [status: string, seed: number][] = [['building', 1], ['testing', 2], ['transmuting', 3], ['published', 4]];
for (const [status, seed] of cases) {
  kill(`SIGKILL after a '${status}' event (seed ${seed}), run again: same production channel, no finished stage twice`, async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), `rebuild-kill-${status}-`));
    ctx.dirs.push(dir);
    writeConfig(dir);
    const rnd = random(seed);
    const killed = await killAt(dir, status, 1 + Math.floor(rnd() * 3), Math.floor(rnd() * 300));
    assert.ok(killed, `the run ended before its '${status}' kill point`);
    runToEnd(dir);
    const got = production(dir);
    assert.equal([...got.keys()], [...ctx.reference.keys()]);
    for (const [file, bytes] of ctx.reference) assert.ok(got.get(file)!.equals(bytes), `${file} differs from the uninterrupted run's`);
    assert.equal(finishedTwice(dir), []);
  });
}

kill.run();
