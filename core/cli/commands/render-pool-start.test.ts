// `render --all` starts the render pool before discovery (its workers load meanwhile) and stops it
// again when too few renders are coming. A file of its own: the pool is per process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderPoolState } from '../../recipes/render-pool.ts';
import { STAGE } from '../../engine/stage.ts';
import { renderCommand } from './render.ts';

process.env.REBUILD_RENDER_THREADS = '1';

const HERE = dirname(fileURLToPath(import.meta.url));

/** An aggregate of `n` small noarch python recipes. */
function aggregate(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-render-pool-'));
  for (let i = 0; i < n; i++) {
    const recipe = join(dir, `pkg${i}-feedstock`, 'recipe');
    mkdirSync(recipe, { recursive: true });
    writeFileSync(
      join(recipe, 'meta.yaml'),
      `{% set version = "1.${i}.0" %}\npackage:\n  name: pkg${i}\n  version: {{ version }}\nbuild:\n  number: 0\n  noarch: python\nrequirements:\n  host:\n    - python\n    - pip\n  run:\n    - python\n`,
    );
  }
  return dir;
}

async function renderAll(dir: string): Promise<{ code: number; entries: unknown[] }> {
  const cwd = mkdtempSync(join(tmpdir(), 'rebuild-render-cwd-'));
  let stdout = '';
  try {
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, cwd };
    const code = await renderCommand([], { all: true, aggregate: dir, arch: ['linux-64'], python: '3.12', json: true }, io);
    return { code, entries: JSON.parse(stdout) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const start = suite('render --all and the render pool');

start('a few recipes :: the pool started before discovery is stopped again', async () => {
  const dir = aggregate(5);
  try {
    const { code, entries } = await renderAll(dir);
    assert.is(code, 0);
    assert.is(entries.length, 5);
    assert.is(renderPoolState().started, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

start('400 recipes :: the pool runs (started before the renders, not after 1.5 s of them)', async () => {
  const dir = aggregate(400);
  try {
    const { code, entries } = await renderAll(dir);
    assert.is(code, 0);
    assert.is(entries.length, 400);
    const state = renderPoolState();
    assert.is(state.started, true);
    // Started before its first render: the renders asked for before it are the first test's five.
    assert.is(state.startedAfter, 5, 'started before the first render');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const json of [false, true]) {
start(`${json ? '--json' : 'text'} output without run_exports :: the first recipe is printed while a later one still renders`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-render-stream-'));
  const agg = aggregate(6);
  try {
    // A config whose plugin holds the last recipe's render until the first result is printed (or 3 s).
    writeFileSync(
      join(dir, 'rebuild.config.mjs'),
      `export default {
  python: { from: '3.11', to: '3.12' },
  arches: ['linux-64'],
  aggregate: ${JSON.stringify(agg)},
  plugins: [{ name: 'test:hold-last', apply(engine) {
    engine.hooks.run.tap('test:hold-last', (run) => {
      run.hooks.render.tapPromise({ name: 'test:hold-last', stage: ${STAGE.PRE} }, async (recipe) => {
        if (recipe.feedstock === 'pkg5') {
          await Promise.race([globalThis.firstPrinted, new Promise((r) => setTimeout(r, 3000))]);
          globalThis.released = true;
        }
        return undefined;
      });
    });
  } }],
};
`,
    );
    let printedFirst!: () => void;
    (globalThis as { firstPrinted?: Promise<void> }).firstPrinted = new Promise<void>((r) => (printedFirst = r));
    const g = globalThis as { released?: boolean };
    g.released = false;
    let stdout = '';
    let firstWhileHeld: boolean | undefined;
    const io = {
      stdout: { write: (s: string) => ((firstWhileHeld ??= !g.released), (stdout += s), printedFirst()) },
      stderr: { write: () => true },
      cwd: dir,
    };
    const code = await renderCommand([], { all: true, cache: false, json }, io);
    assert.is(code, 0);
    assert.is(firstWhileHeld, true, 'printed before the last render was let go');
    if (json) {
      const entries = JSON.parse(stdout) as { feedstock: string }[];
      assert.is(stdout, `${JSON.stringify(entries, null, 2)}\n`);
      assert.is(entries.map((e) => e.feedstock).join(' '), 'pkg0 pkg1 pkg2 pkg3 pkg4 pkg5');
    } else {
      assert.match(stdout, /^pkg0 \(linux-64, python 3\.12\): 1 variant/);
      assert.is(stdout.match(/^pkg\d /gm)?.join(''), 'pkg0 pkg1 pkg2 pkg3 pkg4 pkg5 ');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(agg, { recursive: true, force: true });
  }
});
}

start('rebuild render --all :: the workers start before the render command module loads (from main)', () => {
  const dir = aggregate(3);
  const cwd = mkdtempSync(join(tmpdir(), 'rebuild-render-cwd-'));
  try {
    // Each Worker records who made it; the CLI runs as bin/rebuild.js runs it.
    const preload = join(cwd, 'record-workers.mjs');
    writeFileSync(
      preload,
      `import wt from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';
const Base = wt.Worker;
globalThis.workerStacks = [];
wt.Worker = class extends Base { constructor(...args) { super(...args); globalThis.workerStacks.push(new Error().stack); } };
syncBuiltinESMExports();
`,
    );
    const main = pathToFileURL(join(HERE, '..', 'main.ts')).href;
    const script = `const { main } = await import(${JSON.stringify(main)});
const code = await main(['render', '--all', '--aggregate', ${JSON.stringify(dir)}, '--arch', 'linux-64', '--python', '3.12', '--json']);
console.error('STACKS' + JSON.stringify({ code, stacks: globalThis.workerStacks }));`;
    const child = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--import', pathToFileURL(preload).href, '--input-type=module', '-e', script], {
      cwd,
      env: { ...process.env, REBUILD_RENDER_THREADS: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const line = child.stderr.split('\n').find((l) => l.startsWith('STACKS'));
    assert.ok(line, child.stderr);
    const out = JSON.parse(line.slice(6)) as { code: number; stacks: string[] };
    assert.is(out.code, 0);
    assert.is(out.stacks.length, 1, 'one worker started');
    assert.match(out.stacks[0], /cli\/main\.ts/);
    assert.not.match(out.stacks[0], /commands\/render\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
});

start.run();
