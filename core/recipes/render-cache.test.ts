import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecipeRef, RenderedRecipe, Target } from '../model/types.ts';
import { recipeFromPath } from './discover.ts';
import { renderMetaYamlHere } from './meta-yaml/render.ts';
import { cachedRender, flushRenderCache, forgetRenderPacks, renderCacheKey, takeRenderingKey } from './render-cache.ts';

const cache = suite('render cache');
let root = '';
let agg = '';
let dir = '';
let cacheDir = '';
const linux: Target = { subdir: 'linux-64', python: '3.13' } as Target;

const META = [
  '{% set version = "1.2.0" %}',
  'package:',
  '  name: cached',
  '  version: {{ version }}',
  'build:',
  "  number: {% include 'number.jinja' %}",
  'requirements:',
  '  host:',
  '    - zlib',
  'about:',
  '  summary: |',
  '    A recipe rendered once.',
  '',
].join('\n');

cache.before.each(() => {
  root = mkdtempSync(join(tmpdir(), 'rebuild-render-cache-'));
  agg = join(root, 'agg');
  dir = join(agg, 'cached-feedstock', 'recipe');
  cacheDir = join(root, 'work', 'cache', 'render');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(agg, 'conda_build_config.yaml'), 'zlib:\n  - 1.3\n');
  writeFileSync(join(dir, 'meta.yaml'), META);
  writeFileSync(join(dir, 'number.jinja'), '2');
});
cache.after.each(() => rmSync(root, { recursive: true, force: true }));

/** Render through the cache; says whether the renderer ran. */
async function render(target: Target = linux): Promise<{ rendered: RenderedRecipe; ran: boolean }> {
  const recipe: RecipeRef = await recipeFromPath(dir, { aggregate: agg });
  let ran = false;
  const rendered = await cachedRender(cacheDir, recipe, target, { env: {} }, () => {
    ran = true;
    return renderMetaYamlHere(recipe, target, { environ: {} });
  });
  return { rendered, ran };
}

cache('a second render of the same inputs is read from the cache, equal to the first', async () => {
  const first = await render();
  assert.ok(first.ran);
  assert.equal(first.rendered.variants[0].outputs[0].requirements.host, ['zlib 1.3.*']);
  const second = await render();
  assert.not.ok(second.ran);
  assert.equal(second.rendered, first.rendered);
});

cache('any input change misses the cache :: the recipe, the variant config, an included file, the target, the options', async () => {
  await render();
  writeFileSync(join(dir, 'meta.yaml'), META.replace('1.2.0', '1.2.1'));
  const recipe = await render();
  assert.ok(recipe.ran);
  assert.is(recipe.rendered.variants[0].outputs[0].version, '1.2.1');

  writeFileSync(join(agg, 'conda_build_config.yaml'), 'zlib:\n  - 1.2\n');
  const config = await render();
  assert.ok(config.ran);
  assert.equal(config.rendered.variants[0].outputs[0].requirements.host, ['zlib 1.2.*']);

  writeFileSync(join(dir, 'number.jinja'), '5');
  const included = await render();
  assert.ok(included.ran);
  assert.is(included.rendered.variants[0].outputs[0].buildNumber, 5);

  const osx = await render({ subdir: 'osx-arm64', python: '3.13' } as Target);
  assert.ok(osx.ran);
  assert.ok((await render({ subdir: 'linux-64', python: '3.12' } as Target)).ran);

  // Back to an earlier state: that rendering is still stored.
  assert.not.ok((await render()).ran);
  const recipe2 = await recipeFromPath(dir, { aggregate: agg });
  assert.is.not(renderCacheKey(recipe2, linux, { env: {} }), renderCacheKey(recipe2, linux, { env: { X: '1' } }));
});

cache('files changed seconds ago count by their stat: still a hit, and a change afterwards a miss', async () => {
  // Files written just now count by their bytes (their stat may not show a second write yet);
  // once a few seconds old, by inode, size, mtime and ctime.
  await new Promise((resolve) => setTimeout(resolve, 3200));
  assert.ok((await render()).ran);
  assert.not.ok((await render()).ran);
  writeFileSync(join(dir, 'number.jinja'), '7');
  const changed = await render();
  assert.ok(changed.ran);
  assert.is(changed.rendered.variants[0].outputs[0].buildNumber, 7);
});

cache('a variant config changed after a plan misses in the next one, though a plan shares its stat between recipes', async () => {
  await new Promise((resolve) => setTimeout(resolve, 3200));
  assert.ok((await render()).ran);
  flushRenderCache(); // the plan ends: the shared stamps with it
  writeFileSync(join(agg, 'conda_build_config.yaml'), 'zlib:\n  - 1.2\n');
  const next = await render();
  assert.ok(next.ran);
  assert.equal(next.rendered.variants[0].outputs[0].requirements.host, ['zlib 1.2.*']);
});

cache('a rendering handed out by the cache carries its key, taken once', async () => {
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  const key = renderCacheKey(recipe, linux, { env: {} });
  const miss = await render();
  assert.ok(miss.ran);
  assert.is(takeRenderingKey({ ...miss.rendered }), key, 'a copy of the rendering object keeps it');
  assert.is(takeRenderingKey(miss.rendered), undefined, 'taken');
  const hit = await render();
  assert.not.ok(hit.ran);
  assert.is(takeRenderingKey(hit.rendered), key);
  const plain = await cachedRender(null, recipe, linux, { env: {} }, () => renderMetaYamlHere(recipe, linux, { environ: {} }));
  assert.is(takeRenderingKey(plain), undefined, 'not from the cache');
});

cache('a rendering that reads a local source tree is not stored', async () => {
  writeFileSync(join(dir, 'meta.yaml'), META.replace('requirements:', 'source:\n  path: ../src\nrequirements:'));
  assert.ok((await render()).ran);
  assert.ok((await render()).ran);
  assert.not.ok(existsSync(cacheDir) && readdirSync(cacheDir).length > 0);
});

cache('a damaged cache file is a miss and is written again', async () => {
  await render();
  const [sub] = readdirSync(cacheDir);
  const [file] = readdirSync(join(cacheDir, sub));
  writeFileSync(join(cacheDir, sub, file), 'not a rendering');
  const again = await render();
  assert.ok(again.ran);
  assert.is(again.rendered.variants[0].outputs[0].version, '1.2.0');
  assert.not.ok((await render()).ran);
  // No temporary files are left behind.
  assert.equal(readdirSync(join(cacheDir, sub)), [file]);
});

cache('the renderings a plan used are packed in one file per target, read by the next process', async () => {
  await render();
  await render({ subdir: 'osx-arm64', python: '3.13' } as Target);
  flushRenderCache();
  const packsWritten = readdirSync(cacheDir).filter((f) => /^pack-[0-9a-f]{16}\.bin$/.test(f));
  assert.is(packsWritten.length, 2);
  // The next process: the one-file-per-key layout gone, both renderings come from the packs.
  for (const f of readdirSync(cacheDir)) if (!f.startsWith('pack-')) rmSync(join(cacheDir, f), { recursive: true });
  forgetRenderPacks();
  const linuxHit = await render();
  assert.not.ok(linuxHit.ran);
  assert.equal(linuxHit.rendered.variants[0].outputs[0].requirements.host, ['zlib 1.3.*']);
  assert.not.ok((await render({ subdir: 'osx-arm64', python: '3.13' } as Target)).ran);
  // A pack only answers for the exact inputs: a changed recipe is rendered again.
  writeFileSync(join(dir, 'meta.yaml'), META.replace('1.2.0', '1.2.1'));
  const changed = await render();
  assert.ok(changed.ran);
  assert.is(changed.rendered.variants[0].outputs[0].version, '1.2.1');
  // A damaged pack costs renders, never a wrong rendering.
  writeFileSync(join(dir, 'meta.yaml'), META);
  for (const f of packsWritten) writeFileSync(join(cacheDir, f), 'not a pack');
  for (const f of readdirSync(cacheDir)) if (!f.startsWith('pack-')) rmSync(join(cacheDir, f), { recursive: true });
  forgetRenderPacks();
  const again = await render();
  assert.ok(again.ran);
  assert.is(again.rendered.variants[0].outputs[0].version, '1.2.0');
});

cache('a plan of several targets flushes after each: a pack nothing used since its last write is kept', async () => {
  const osx = { subdir: 'osx-arm64', python: '3.13' } as Target;
  await render();
  flushRenderCache(); // after the first target's plan
  await render(osx);
  flushRenderCache(); // after the second's: the first target's pack must not be emptied
  for (const f of readdirSync(cacheDir)) if (!f.startsWith('pack-')) rmSync(join(cacheDir, f), { recursive: true });
  forgetRenderPacks();
  assert.not.ok((await render()).ran, "the first target's rendering is still in its pack");
  assert.not.ok((await render(osx)).ran);
});

cache('no cache dir: always rendered, nothing stored', async () => {
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  let runs = 0;
  for (let i = 0; i < 2; i++) await cachedRender(null, recipe, linux, {}, () => (runs++, renderMetaYamlHere(recipe, linux)));
  assert.is(runs, 2);
  assert.not.ok(existsSync(cacheDir));
});

cache.run();
