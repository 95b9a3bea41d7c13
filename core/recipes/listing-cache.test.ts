import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetListings, listDir, listingStats, loadListings, saveListings } from './listing-cache.ts';
import { discoverRecipes } from './discover.ts';

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

listings.run();
