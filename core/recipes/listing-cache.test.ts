import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetListings, listDir, listingStats, loadListings, newListingGeneration, saveListings, waitForStatsAhead } from './listing-cache.ts';
import { discoverRecipes } from './discover.ts';
import { renderCacheKey } from './render-cache.ts';
import type { Target } from '../model/types.ts';

const listings = suite('listing cache');
let root = '';

listings.before.each(() => {
  root = mkdtempSync(join(tmpdir(), 'rebuild-listing-cache-'));
  forgetListings();
});
listings.after.each(() => {
  rmSync(root, { recursive: true, force: true });
  forgetListings();
});

const names = (dir: string) => listDir(dir).map(([name, kind]) => `${name}:${kind}`).sort();
const counts = () => ({ listed: listingStats.listed, reused: listingStats.reused });
const since = (before: { listed: number; reused: number }) => ({ listed: listingStats.listed - before.listed, reused: listingStats.reused - before.reused });

listings('an unchanged directory is listed once, kept in a file; an added or removed entry is seen', async () => {
  const dir = join(root, 'a-feedstock', 'recipe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.yaml'), 'package: {name: a, version: 1}\n');
  // Directories changed in the last 3 s are listed every time (their stat may not show a second change).
  let before = counts();
  assert.equal(names(dir), ['meta.yaml:file']);
  assert.equal(names(dir), ['meta.yaml:file']);
  assert.equal(since(before), { listed: 2, reused: 0 });

  await new Promise((resolve) => setTimeout(resolve, 3200));
  before = counts();
  assert.equal(names(dir), ['meta.yaml:file']);
  assert.equal(names(dir), ['meta.yaml:file']);
  assert.equal(since(before), { listed: 1, reused: 1 });
  // Writing a file's content does not change the listing: still reused.
  writeFileSync(join(dir, 'meta.yaml'), 'package: {name: a, version: 2}\n');
  before = counts();
  assert.equal(names(dir), ['meta.yaml:file']);
  assert.equal(since(before), { listed: 0, reused: 1 });

  // Kept in a file: another process reuses it without listing.
  const file = join(root, 'work', 'cache', 'listings.bin');
  saveListings(file);
  forgetListings();
  loadListings(file);
  before = counts();
  assert.equal(names(dir), ['meta.yaml:file']);
  assert.equal(since(before), { listed: 0, reused: 1 });

  // A new entry changes the directory's stat: listed again, the new file is seen; so is a removal.
  writeFileSync(join(dir, 'build.sh'), 'pip install .\n');
  mkdirSync(join(dir, 'patches'));
  assert.equal(names(dir), ['build.sh:file', 'meta.yaml:file', 'patches:dir']);
  rmSync(join(dir, 'build.sh'));
  assert.equal(names(dir), ['meta.yaml:file', 'patches:dir']);
});

listings('a directory holding a symlink is listed every time; damaged or missing files cost listings only', async () => {
  const dir = join(root, 'linked');
  mkdirSync(dir);
  writeFileSync(join(root, 'target.yaml'), 'x: 1\n');
  symlinkSync(join(root, 'target.yaml'), join(dir, 'meta.yaml'));
  await new Promise((resolve) => setTimeout(resolve, 3200));
  const before = counts();
  assert.equal(names(dir), ['meta.yaml:symlink']);
  assert.equal(names(dir), ['meta.yaml:symlink']);
  assert.equal(since(before), { listed: 2, reused: 0 });

  const file = join(root, 'listings.bin');
  writeFileSync(file, 'not listings');
  loadListings(file);
  loadListings(join(root, 'missing.bin'));
  assert.equal(names(dir), ['meta.yaml:symlink']);
  // An entry of the right stat whose listing does not read back (foreign or damaged): listed.
  const plain = join(root, 'plain');
  mkdirSync(plain);
  writeFileSync(join(plain, 'meta.yaml'), 'x: 1\n');
  await new Promise((resolve) => setTimeout(resolve, 3200));
  listDir(plain);
  saveListings(file);
  writeFileSync(file, readFileSync(file, 'utf8').replace('"fmeta.yaml"', '"?meta.yaml"'));
  forgetListings();
  loadListings(file);
  const again = counts();
  assert.equal(names(plain), ['meta.yaml:file']);
  assert.equal(since(again), { listed: 1, reused: 0 });
  assert.throws(() => listDir(join(root, 'nowhere')), /ENOENT/);
  assert.throws(() => listDir(join(root, 'target.yaml')), /ENOTDIR/);
});

listings('discovery twice over an unchanged aggregate: the same recipes, directories reused', async () => {
  const agg = join(root, 'agg');
  for (const name of ['a', 'b', 'c']) {
    mkdirSync(join(agg, `${name}-feedstock`, 'recipe'), { recursive: true });
    writeFileSync(join(agg, `${name}-feedstock`, 'recipe', 'meta.yaml'), `package: {name: ${name}, version: 1}\n`);
  }
  writeFileSync(join(agg, 'conda_build_config.yaml'), 'python:\n  - 3.12\n');
  await new Promise((resolve) => setTimeout(resolve, 3200));
  const first = await discoverRecipes([agg]);
  const before = counts();
  const second = await discoverRecipes([agg]);
  assert.equal(second, first);
  assert.equal(since(before), { listed: 0, reused: 7 });
  assert.equal(first.recipes.map((r) => r.feedstock), ['a', 'b', 'c']);
});

/** An aggregate of `n` feedstocks (recipe dir: meta.yaml, build.sh) with a root config, old enough not to count as just changed. */
async function aggregate(n: number): Promise<string> {
  const agg = join(root, 'agg');
  for (let i = 0; i < n; i++) {
    const dir = join(agg, `p${i}-feedstock`, 'recipe');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'meta.yaml'), `package: {name: p${i}, version: 1}\n`);
    writeFileSync(join(dir, 'build.sh'), 'pip install .\n');
  }
  writeFileSync(join(agg, 'conda_build_config.yaml'), 'python:\n  - 3.12\n');
  await new Promise((resolve) => setTimeout(resolve, 3200));
  return agg;
}

const target: Target = { subdir: 'linux-64', python: '3.13' };
/** Discovery and every recipe's render cache key, as a plan makes them. */
async function planInputs(agg: string): Promise<{ recipes: string; keys: (string | null)[] }> {
  const found = await discoverRecipes([agg]);
  return { recipes: JSON.stringify(found), keys: found.recipes.map((r) => renderCacheKey(r, target, { environ: {} })) };
}
/** The next plan in a new process: the listings file read again (stats ahead or not), a new plan generation. */
function nextPlan(file: string, statsAhead: boolean): void {
  forgetListings();
  newListingGeneration();
  loadListings(file, statsAhead);
  if (statsAhead) assert.ok(waitForStatsAhead(), 'the worker took every stat');
}

listings('stats taken ahead on a worker thread: the same recipes and render keys, no stat on the main thread', async () => {
  const agg = await aggregate(6);
  const file = join(root, 'work', 'cache', 'listings.bin');
  const first = await planInputs(agg);
  saveListings(file);

  nextPlan(file, false);
  const inline = await planInputs(agg);
  assert.equal(inline, first);

  nextPlan(file, true);
  const before = listingStats.ahead;
  const ahead = await planInputs(agg);
  assert.equal(ahead, first);
  // The aggregate, 6 feedstock dirs, 6 recipe dirs; 12 recipe files (the root config is the render cache's).
  assert.is(listingStats.ahead - before, 13 + 12);
});

listings('stats taken ahead see a file changed in place and a directory changed since the last plan', async () => {
  const agg = await aggregate(3);
  const file = join(root, 'work', 'cache', 'listings.bin');
  const first = await planInputs(agg);
  saveListings(file);
  // In place: the recipe dir's stat does not change, the file's does. Added: the recipe dir's changes.
  writeFileSync(join(agg, 'p0-feedstock', 'recipe', 'meta.yaml'), 'package: {name: p0, version: 2}\n');
  writeFileSync(join(agg, 'p1-feedstock', 'recipe', 'patch.diff'), '--- a\n');

  nextPlan(file, true);
  const ahead = await planInputs(agg);
  assert.is(ahead.recipes, first.recipes);
  assert.is.not(ahead.keys[0], first.keys[0]);
  assert.is.not(ahead.keys[1], first.keys[1]);
  assert.is(ahead.keys[2], first.keys[2]);
  // The same keys as a plan that stats on the main thread.
  nextPlan(file, false);
  assert.equal(await planInputs(agg), ahead);
});

listings('a plan that changed a few directories appends them to the delta; the file is not rewritten; the next plan reads both', async () => {
  const agg = await aggregate(6);
  const file = join(root, 'work', 'cache', 'listings.bin');
  const first = await planInputs(agg);
  saveListings(file);
  const base = readFileSync(file);

  nextPlan(file, false);
  writeFileSync(join(agg, 'p1-feedstock', 'recipe', 'patch.diff'), '--- a\n');
  rmSync(join(agg, 'p2-feedstock', 'recipe', 'build.sh'));
  await new Promise((resolve) => setTimeout(resolve, 3200));
  const changed = await planInputs(agg);
  assert.is.not(changed.keys[1], first.keys[1]);
  assert.is.not(changed.keys[2], first.keys[2]);
  saveListings(file);
  // The two recipe dirs are in the delta, the file is as it was.
  assert.ok(readFileSync(file).equals(base), 'listings.bin not rewritten');
  const delta = readFileSync(`${file}.delta`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(delta.flatMap((line: unknown[]) => line.filter((v, i) => i % 7 === 1)).sort(), [join(agg, 'p1-feedstock', 'recipe'), join(agg, 'p2-feedstock', 'recipe')]);

  // The next plan lists nothing (the delta's listings win over the file's) and makes the same keys, with stats ahead too.
  for (const statsAhead of [false, true]) {
    nextPlan(file, statsAhead);
    const before = counts();
    assert.equal(await planInputs(agg), changed);
    assert.is(since(before).listed, 0);
  }
  // A damaged line (a save cut short) is skipped: those directories are listed again.
  writeFileSync(`${file}.delta`, `${readFileSync(`${file}.delta`, 'utf8')}["listings/3","${join(agg, 'p3-feedstock')}",1,`);
  nextPlan(file, false);
  assert.equal(await planInputs(agg), changed);
});

listings('a delta of more than an eighth of the file\'s directories (and 64) rewrites the file and removes the delta', async () => {
  const agg = await aggregate(2);
  const file = join(root, 'work', 'cache', 'listings.bin');
  await planInputs(agg);
  saveListings(file);
  nextPlan(file, false);
  writeFileSync(join(agg, 'p0-feedstock', 'recipe', 'patch.diff'), '--- a\n');
  await new Promise((resolve) => setTimeout(resolve, 3200));
  await planInputs(agg);
  saveListings(file);
  assert.ok(existsSync(`${file}.delta`));

  nextPlan(file, false);
  for (let i = 2; i < 40; i++) {
    mkdirSync(join(agg, `p${i}-feedstock`, 'recipe'), { recursive: true });
    writeFileSync(join(agg, `p${i}-feedstock`, 'recipe', 'meta.yaml'), `package: {name: p${i}, version: 1}\n`);
  }
  await new Promise((resolve) => setTimeout(resolve, 3200));
  const grown = await planInputs(agg);
  saveListings(file);
  assert.not.ok(existsSync(`${file}.delta`), 'delta removed');
  nextPlan(file, false);
  const before = counts();
  assert.equal(await planInputs(agg), grown);
  assert.equal(since(before), { listed: 0, reused: 81 });
});

listings.run();
