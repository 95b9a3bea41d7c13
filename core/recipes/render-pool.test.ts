import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { RecipeRef, RenderedRecipe, Subdir, Target } from '../model/types.ts';
import { recipeFromPath } from './discover.ts';
import { RecipeRenderError } from './render-error.ts';
import { renderMetaYaml, renderMetaYamlHere } from './meta-yaml/render.ts';
import { renderRecipeYaml, renderRecipeYamlHere } from './recipe-yaml/render.ts';
import { expectRenders, RENDER_POOL_AFTER, renderPoolState, worthAPool } from './render-pool.ts';

// One worker, started as a big plan starts it.
process.env.REBUILD_RENDER_THREADS = '1';

const HERE = dirname(fileURLToPath(import.meta.url));
const META = ['pyfoo-feedstock', 'libbar-feedstock', 'purepy-feedstock', 'blasdep-feedstock', 'winonly-feedstock'].map((f) => join(HERE, 'meta-yaml/fixtures/agg', f));
const V1 = ['simple', 'multi', 'blas', 'cached', 'purepy'].map((f) => join(HERE, 'recipe-yaml/fixtures/agg', f));
const TARGETS: Target[] = [
  { subdir: 'linux-64' as Subdir, python: '3.13' },
  { subdir: 'win-64' as Subdir, python: '3.12' },
  { subdir: 'osx-arm64' as Subdir, python: '3.13' },
];

const render = (r: RecipeRef, t: Target) => (r.format === 'meta.yaml' ? renderMetaYaml(r, t) : renderRecipeYaml(r, t));
const renderHere = (r: RecipeRef, t: Target) => (r.format === 'meta.yaml' ? renderMetaYamlHere(r, t) : renderRecipeYamlHere(r, t));

async function outcome(p: Promise<RenderedRecipe>): Promise<RenderedRecipe | { error: string; name: string }> {
  try {
    return await p;
  } catch (err) {
    return { error: (err as Error).message, name: (err as Error).name };
  }
}

const pool = suite('render pool');

pool('renders on a worker what this thread renders :: same results, same errors, caller objects kept', async () => {
  const recipes = await Promise.all([...META, ...V1].map((p) => recipeFromPath(p)));
  expectRenders(RENDER_POOL_AFTER);
  // Render until the worker is ready (renders are done here meanwhile).
  const deadline = Date.now() + 60_000;
  while (renderPoolState().ready === 0 && Date.now() < deadline) await outcome(render(recipes[0], TARGETS[0]));
  assert.ok(renderPoolState().ready >= 1, 'the worker became ready');
  const before = renderPoolState().sent;
  for (const t of TARGETS) {
    const pooled = await Promise.all(recipes.map((r) => outcome(render(r, t))));
    for (const [i, r] of recipes.entries()) {
      const local = await outcome(renderHere(r, t));
      assert.equal(pooled[i], local, `${r.feedstock} for ${t.subdir}`);
      if ('recipe' in pooled[i]) {
        assert.is((pooled[i] as RenderedRecipe).recipe, r);
        assert.is((pooled[i] as RenderedRecipe).target, t);
      }
    }
  }
  assert.ok(renderPoolState().sent > before, 'renders went to the worker');
});

pool('a worker takes the jobs queued while this thread is busy :: it claims them itself, results as local', async () => {
  const recipes = await Promise.all([...META, ...V1].map((p) => recipeFromPath(p)));
  const deadline = Date.now() + 60_000;
  while (renderPoolState().ready === 0 && Date.now() < deadline) await outcome(render(recipes[0], TARGETS[0]));
  assert.ok(renderPoolState().ready >= 1, 'the worker became ready');
  const before = renderPoolState().sent;
  const t = TARGETS[1];
  // Offered (the calls run synchronously up to their first await), then this thread blocks: it
  // cannot hand jobs out, or render them, until the worker took every one.
  const pooled = recipes.map((r) => outcome(render(r, t)));
  const blocked = new Int32Array(new SharedArrayBuffer(4));
  while (renderPoolState().sent - before < recipes.length && Date.now() < deadline) Atomics.wait(blocked, 0, 0, 5);
  assert.is(renderPoolState().sent - before, recipes.length, 'the worker took every job while this thread was blocked');
  const results = await Promise.all(pooled);
  for (const [i, r] of recipes.entries()) {
    assert.equal(results[i], await outcome(renderHere(r, t)), r.feedstock);
    if ('recipe' in results[i]) assert.is((results[i] as RenderedRecipe).recipe, r);
  }
});

pool('a render that fails in the worker throws the local error', async () => {
  const bad = await recipeFromPath(join(HERE, 'meta-yaml/fixtures/errors/bad-jinja'));
  try {
    await renderMetaYaml(bad, TARGETS[0]);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeRenderError);
  }
});

pool('a process whose renders went to the pool ends by itself :: idle workers keep nothing alive', () => {
  const script = `
    const { expectRenders, renderPoolState, RENDER_POOL_AFTER } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'render-pool.ts')).href)});
    const { recipeFromPath } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'discover.ts')).href)});
    const { renderMetaYaml } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'meta-yaml/render.ts')).href)});
    const recipe = await recipeFromPath(${JSON.stringify(META[0])});
    expectRenders(RENDER_POOL_AFTER);
    const target = { subdir: 'linux-64', python: '3.13' };
    if (process.env.SEND === '1') while (renderPoolState().sent === 0) await renderMetaYaml(recipe, target);
    else {
      // The pool started and its worker ready, but nothing sent to it.
      await renderMetaYaml(recipe, target);
      while (renderPoolState().ready === 0) await new Promise((r) => setTimeout(r, 20));
    }
    console.log('started', renderPoolState().started, 'sent', renderPoolState().sent);
  `;
  for (const send of ['0', '1']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, REBUILD_RENDER_THREADS: '1', SEND: send },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(child.signal, null, `ended by itself, not stopped at the time limit (renders sent: ${send})`);
    assert.is(child.status, 0, child.stderr);
    assert.match(child.stdout, send === '1' ? /^started true sent [1-9]/ : /^started true sent 0/);
  }
});

pool('a worker that dies holding claimed jobs takes no render with it :: they are rendered here', () => {
  // A child process whose Worker objects are kept, so the test can stop the worker mid-batch.
  const script = `
    import wt from 'node:worker_threads';
    import { syncBuiltinESMExports } from 'node:module';
    const workers = [];
    const Base = wt.Worker;
    wt.Worker = class extends Base { constructor(...a) { super(...a); workers.push(this); } };
    syncBuiltinESMExports();
    const { expectRenders, renderPoolState, RENDER_POOL_AFTER } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'render-pool.ts')).href)});
    const { recipeFromPath } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'discover.ts')).href)});
    const { renderMetaYaml, renderMetaYamlHere } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'meta-yaml/render.ts')).href)});
    const recipes = await Promise.all(${JSON.stringify(META)}.map((p) => recipeFromPath(p)));
    const target = { subdir: 'linux-64', python: '3.13' };
    expectRenders(RENDER_POOL_AFTER);
    while (renderPoolState().ready === 0) await renderMetaYaml(recipes[0], target);
    const before = renderPoolState().sent;
    const pending = recipes.flatMap((r) => [r, r, r]).map((r) => renderMetaYaml(r, target));
    // Blocked until the worker took a job (this thread cannot claim any meanwhile), then stopped.
    const blocked = new Int32Array(new SharedArrayBuffer(4));
    while (renderPoolState().sent === before) Atomics.wait(blocked, 0, 0, 5);
    const taken = renderPoolState().sent - before;
    await workers[0].terminate();
    const results = await Promise.all(pending);
    const local = await Promise.all(recipes.flatMap((r) => [r, r, r]).map((r) => renderMetaYamlHere(r, target)));
    const same = results.every((x, i) => JSON.stringify(x.variants) === JSON.stringify(local[i].variants));
    console.log('taken', taken, 'results', results.length, 'same', same);
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, REBUILD_RENDER_THREADS: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.is(child.signal, null, 'ended, not stopped at the time limit');
  assert.is(child.status, 0, child.stderr);
  assert.match(child.stdout, /^taken [1-9]\d* results 15 same true/);
});

pool('a render among many the render cache answers is done here :: the pool does not start for it', () => {
  // As in a re-plan of a big aggregate after one recipe changed: every other rendering is in the
  // cache's pack. Without the pack the same render starts the pool (RENDER_POOL_AFTER renders expected).
  const script = `
    const { expectCachedRenders, expectRenders, renderPoolState, RENDER_POOL_AFTER } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'render-pool.ts')).href)});
    const { recipeFromPath } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'discover.ts')).href)});
    const { renderMetaYaml } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'meta-yaml/render.ts')).href)});
    const recipe = await recipeFromPath(${JSON.stringify(META[0])});
    expectRenders(10 * RENDER_POOL_AFTER);
    if (process.env.PACKED === '1') expectCachedRenders(10 * RENDER_POOL_AFTER);
    await renderMetaYaml(recipe, { subdir: 'linux-64', python: '3.13' });
    console.log('started', renderPoolState().started);
  `;
  for (const packed of ['1', '0']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, REBUILD_RENDER_THREADS: '1', PACKED: packed },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(child.status, 0, child.stderr);
    assert.match(child.stdout, packed === '1' ? /^started false/ : /^started true/);
  }
});

pool('starts when the renders to come are worth a worker: their number times the mean render time so far', () => {
  // 1,300 real-size recipes at 3 ms: 3.9 s of work, far below RENDER_POOL_AFTER renders.
  assert.ok(worthAPool(1300, 8, 24));
  // 1,000 small recipes at 0.5 ms: half a second, less than a worker costs to load.
  assert.not.ok(worthAPool(1000, 8, 4));
  // Too few renders timed to trust the mean.
  assert.not.ok(worthAPool(1300, 2, 6));
  // Nothing left (every other recipe a cache hit).
  assert.not.ok(worthAPool(0, 100, 500));
});

pool.run();
