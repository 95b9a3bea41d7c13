import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs, { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecipeRef, RenderedRecipe, Target } from '../model/types.ts';
import { recipeFromPath } from './discover.ts';
import { renderMetaYamlHere } from './meta-yaml/render.ts';
import { cachedRender, flushRenderCache, forgetRenderPacks, isRenderingParsed, jsonExact, renderCacheKey, renderCacheStats, takeRenderingKey } from './render-cache.ts';

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

cache('a rendering whose recipe or template loads a file outside the recipe dir is not stored', async () => {
  // An in-repo recipe reading the project's setup.py one level up (from_recipe_dir=True with '..'):
  // the key stats only the recipe dir, so a stored rendering would outlive an edit of setup.py.
  const setup = join(dir, '..', 'setup.py');
  writeFileSync(setup, 'from setuptools import setup\nsetup(name="cached", version="1.0.0")\n');
  const read = "{% set data = load_setup_py_data(setup_file='../setup.py', from_recipe_dir=True) %}\n";
  writeFileSync(join(dir, 'meta.yaml'), read + META.replace('{{ version }}', "{{ data.get('version') }}"));
  assert.is((await render()).rendered.variants[0].outputs[0].version, '1.0.0');
  writeFileSync(setup, 'from setuptools import setup\nsetup(name="cached", version="2.0.0")\n');
  const edited = await render();
  assert.ok(edited.ran);
  assert.is(edited.rendered.variants[0].outputs[0].version, '2.0.0');
  // The same read from an included template, by an absolute path.
  const data = join(root, 'number.yaml');
  writeFileSync(data, 'number: 3\n');
  writeFileSync(join(dir, 'number.jinja'), `{{ load_file_data('${data}').get('number') }}`);
  writeFileSync(join(dir, 'meta.yaml'), META);
  assert.is((await render()).rendered.variants[0].outputs[0].buildNumber, 3);
  writeFileSync(data, 'number: 4\n');
  assert.is((await render()).rendered.variants[0].outputs[0].buildNumber, 4);
  // A file read from the recipe dir itself is part of the key: stored, and a hit while unchanged.
  writeFileSync(join(dir, 'number.yaml'), 'number: 6\n');
  writeFileSync(join(dir, 'number.jinja'), "{{ load_file_data('number.yaml', from_recipe_dir=True).get('number') }}");
  assert.is((await render()).rendered.variants[0].outputs[0].buildNumber, 6);
  assert.not.ok((await render()).ran);
});

cache('a template read through a symlinked dir of the recipe dir is read again when it changes', async () => {
  // recipe/common -> a shared dir out of the recipe dir: the key cannot stat what the link leads to.
  const shared = join(root, 'shared');
  mkdirSync(shared);
  writeFileSync(join(shared, 'number.jinja'), '3');
  fs.symlinkSync(shared, join(dir, 'common'));
  writeFileSync(join(dir, 'meta.yaml'), META.replace("include 'number.jinja'", "include 'common/number.jinja'"));
  assert.is((await render()).rendered.variants[0].outputs[0].buildNumber, 3);
  writeFileSync(join(shared, 'number.jinja'), '4');
  const edited = await render();
  assert.ok(edited.ran);
  assert.is(edited.rendered.variants[0].outputs[0].buildNumber, 4);
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

cache('a file changed while its recipe renders: the rendering is not stored under the key of before', async () => {
  // number.jinja was written just now: its key counts its bytes ('2'). It changes to '9' while the
  // recipe renders (the rendering reads '9'), then back to '2': the '2' rendering must be rendered.
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  const changed = renderCacheStats.changedWhileRendered;
  const during = await cachedRender(cacheDir, recipe, linux, { env: {} }, () => {
    writeFileSync(join(dir, 'number.jinja'), '9');
    return renderMetaYamlHere(recipe, linux, { environ: {} });
  });
  assert.is(during.variants[0].outputs[0].buildNumber, 9);
  assert.is(renderCacheStats.changedWhileRendered, changed + 1);
  writeFileSync(join(dir, 'number.jinja'), '2');
  const after = await render();
  assert.ok(after.ran);
  assert.is(after.rendered.variants[0].outputs[0].buildNumber, 2);
  assert.not.ok((await render()).ran, 'a rendering whose inputs held still is stored');
});

cache("within a plan a key reuses discovery's check of the recipe dir; the next plan stats it again", async () => {
  await new Promise((resolve) => setTimeout(resolve, 3200));
  const recipe = await recipeFromPath(dir, { aggregate: agg }); // lists (and checks) the recipe dir
  const first = renderCacheKey(recipe, linux, { env: {} });
  writeFileSync(join(dir, 'notes.txt'), 'added after discovery\n');
  // This plan reads the dir as discovery saw it (the file was added after it looked).
  assert.is(renderCacheKey(recipe, linux, { env: {} }), first);
  flushRenderCache(); // the plan ends
  const next = renderCacheKey(recipe, linux, { env: {} });
  assert.is.not(next, first);
});

cache("a recipe dir's own variant config is stat'ed once per key (its stamp as a file of the dir), the key as with every stat taken now", async () => {
  writeFileSync(join(dir, 'conda_build_config.yaml'), 'zlib:\n  - 1.2\n');
  await new Promise((resolve) => setTimeout(resolve, 3200)); // not "just changed": counted by its stat
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  assert.ok(recipe.variantFiles.includes(join(dir, 'conda_build_config.yaml')));
  const own = join(dir, 'conda_build_config.yaml');
  let stats = 0;
  const statSync = fs.statSync;
  const writable = fs as { statSync: unknown };
  writable.statSync = (path: string, ...rest: unknown[]) => {
    if (path === own) stats++;
    return (statSync as (...a: unknown[]) => unknown)(path, ...rest);
  };
  syncBuiltinESMExports();
  let key: string | null;
  try {
    key = renderCacheKey(recipe, linux, { env: {} });
  } finally {
    writable.statSync = statSync;
    syncBuiltinESMExports();
  }
  assert.is(stats, 1);
  assert.is(key, renderCacheKey(recipe, linux, { env: {} }, true));
  // Changed: the next plan's key changes with it.
  flushRenderCache();
  writeFileSync(own, 'zlib:\n  - 1.3\n');
  assert.is.not(renderCacheKey(recipe, linux, { env: {} }), key);
});

cache('renderings JSON would not give back exactly are not stored :: undefined, NaN, shared objects, class instances', async () => {
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  const base = await renderMetaYamlHere(recipe, linux, { environ: {} });
  const output = base.variants[0].outputs[0];
  const shared = ['zlib'];
  const odd: Record<string, (v: RenderedRecipe['variants'][0]) => void> = {
    undefined: (v) => ((v as unknown as Record<string, unknown>).extra = undefined),
    NaN: (v) => ((v as unknown as Record<string, unknown>).extra = NaN),
    shared: (v) => ((v.outputs[0].requirements.host = shared), (v.outputs[0].requirements.run = shared)),
    date: (v) => ((v as unknown as Record<string, unknown>).extra = new Date(0)),
  };
  for (const [what, change] of Object.entries(odd)) {
    const variant = { ...base.variants[0], outputs: [{ ...output, requirements: { ...output.requirements } }] };
    change(variant);
    let runs = 0;
    const renderOdd = () => (runs++, Promise.resolve({ ...base, variants: [variant] }));
    const options = { env: { what } }; // a key per case
    await cachedRender(cacheDir, recipe, linux, options, renderOdd);
    const again = await cachedRender(cacheDir, recipe, linux, options, renderOdd);
    assert.is(runs, 2, `${what}: rendered again, not read back changed`);
    assert.is(again.variants[0], variant);
  }
  assert.is(jsonExact({ a: [1, 'x', null, true, { b: 2 }] }), '{"a":[1,"x",null,true,{"b":2}]}');
  assert.is(jsonExact([[1], [1]]), '[[1],[1]]', 'equal but distinct objects are fine');
});

cache('a truncated cache file or pack is a miss, never a rendering read in part', async () => {
  await render();
  const [sub] = readdirSync(cacheDir).filter((f) => !f.startsWith('pack-'));
  const [file] = readdirSync(join(cacheDir, sub));
  const bytes = readFileSync(join(cacheDir, sub, file));
  writeFileSync(join(cacheDir, sub, file), bytes.subarray(0, bytes.length - 3));
  forgetRenderPacks();
  const again = await render();
  assert.ok(again.ran);
  assert.is(again.rendered.variants[0].outputs[0].version, '1.2.0');
  flushRenderCache();
  const [pack] = readdirSync(cacheDir).filter((f) => f.startsWith('pack-'));
  const packBytes = readFileSync(join(cacheDir, pack));
  for (const f of readdirSync(cacheDir)) if (!f.startsWith('pack-')) rmSync(join(cacheDir, f), { recursive: true });
  writeFileSync(join(cacheDir, pack), packBytes.subarray(0, packBytes.length - 1));
  forgetRenderPacks();
  assert.ok((await render()).ran);
});

cache('a rendering read from the cache is parsed when its variants are first read; its key is there before', async () => {
  const first = await render();
  flushRenderCache();
  forgetRenderPacks(); // the next process
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  const hit = await cachedRender(cacheDir, recipe, linux, { env: {} }, () => Promise.reject(new Error('not rendered')));
  assert.not.ok(isRenderingParsed(hit));
  assert.is(hit.recipe, recipe);
  assert.equal(hit.warnings, first.rendered.warnings);
  assert.is(takeRenderingKey(hit), renderCacheKey(recipe, linux, { env: {} }));
  assert.not.ok(isRenderingParsed(hit));
  assert.equal(Object.keys(hit), ['feedstock', 'recipe', 'target', 'variants', 'warnings']);
  assert.equal(hit.variants, first.rendered.variants);
  assert.ok(isRenderingParsed(hit));
  assert.is(hit.variants, hit.variants, 'parsed once');
  assert.is(JSON.stringify(hit), JSON.stringify({ ...first.rendered, recipe }));
});

/** The renderings of `n` renders through the cache, and how many JSON.parse calls they made. */
async function countingParses(n: number): Promise<{ hits: RenderedRecipe[]; parses: number }> {
  const parse = JSON.parse;
  let parses = 0;
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => (parses++, parse(text, reviver))) as typeof JSON.parse;
  const hits: RenderedRecipe[] = [];
  try {
    for (let i = 0; i < n; i++) hits.push((await render()).rendered);
  } finally {
    JSON.parse = parse;
  }
  return { hits, parses };
}

cache('a hit from a pack parses nothing of its own (the pack index holds its feedstock and warnings); each hit owns its warnings', async () => {
  const first = await render();
  flushRenderCache();
  forgetRenderPacks(); // the next process: the pack is read (its index parsed) at the first lookup
  await render();
  const plain = await countingParses(3);
  assert.is(plain.parses, 0);
  assert.not.ok(isRenderingParsed(plain.hits[0]));
  assert.equal(plain.hits[2].variants, first.rendered.variants);

  writeFileSync(join(agg, 'conda_build_config.yaml'), 'zlib:\n  - 1.3\nunset_key:\n');
  const warned = await render();
  assert.ok(warned.rendered.warnings.length > 0, 'the config warns');
  flushRenderCache();
  forgetRenderPacks();
  await render();
  const { hits, parses } = await countingParses(2);
  assert.is(parses, 2, 'a copy of the warnings for each hit');
  assert.equal(hits[0].warnings, warned.rendered.warnings);
  hits[0].warnings.push({ feedstock: 'x', file: 'y', message: 'added to one hit' } as RenderedRecipe['warnings'][number]);
  assert.equal(hits[1].warnings, warned.rendered.warnings);
});

cache('no cache dir: always rendered, nothing stored', async () => {
  const recipe = await recipeFromPath(dir, { aggregate: agg });
  let runs = 0;
  for (let i = 0; i < 2; i++) await cachedRender(null, recipe, linux, {}, () => (runs++, renderMetaYamlHere(recipe, linux)));
  assert.is(runs, 2);
  assert.not.ok(existsSync(cacheDir));
});

cache.run();
