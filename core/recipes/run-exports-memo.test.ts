import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RenderedRecipe } from '../model/types.ts';
import { applyRunExports } from './run-exports.ts';
import { output, recipe, T } from './rendered-fixture.ts';
import { randomAggregate } from './random-aggregate-fixture.ts';
import { seeded } from '../../bench/measure.ts';
import { appliedAdditions, appliedAdditionsText, applyRunExportsMemo, knownOrderInput, lazyIndexOf, replayedAdditions, runExportsMemoStats } from './run-exports-memo.ts';
import { cachedRender, flushRenderCache, forgetRenderPacks, isRenderingParsed, takeRenderingKey } from './render-cache.ts';

/**
 * An aggregate in the order planning applies it: mid (built with the compiler, so its run gets the
 * compiler's strong export libstd), app (hosts mid: its environment reaches libstd through mid's run
 * requirements as they are after mid's exports), gcc, libstd, zlib and z-user (hosts zlib).
 */
function world(change: { midCompiler?: boolean; zlibExport?: string } = {}): RenderedRecipe[] {
  return [
    recipe('mid', [output('mid', {}, { build: change.midCompiler === false ? [] : ['gcc_impl'], host: ['zlib'] })]),
    recipe('app', [output('app', {}, { host: ['mid'] })]),
    recipe('gcc', [output('gcc_impl', { runExports: { weak: [], strong: ['libstd >=13'] } })]),
    recipe('libstd', [output('libstd', { version: '13.2', runExports: { weak: ['libstd >=13'], strong: [] } })]),
    recipe('zlib', [output('zlib', { runExports: { weak: [change.zlibExport ?? 'zlib >=1.3,<2.0a0'], strong: [] } })]),
    recipe('z-user', [output('z-user', {}, { host: ['zlib'] })]),
  ];
}
const KEYS = ['k-mid', 'k-app', 'k-gcc', 'k-libstd', 'k-zlib', 'k-z-user'];

/** Every recipe's requirements, to compare applications. */
const requirements = (recipes: RenderedRecipe[]) => recipes.map((r) => r.variants.map((v) => v.outputs.map((o) => o.requirements)));

/** What a full application (no memo) makes of the same world. */
function full(change?: Parameters<typeof world>[0]) {
  const recipes = world(change);
  applyRunExports(recipes);
  return requirements(recipes);
}

/**
 * A planner over a real render cache: each recipe of `make()` gets a recipe dir (one meta.yaml) in the
 * test's aggregate; each call reads them back as a later plan does (variants parsed on first read,
 * a fresh rendering when a file changed) and applies run exports through the memo.
 */
function cachedPlanner(make: () => RenderedRecipe[]): () => Promise<RenderedRecipe[]> {
  const cacheDir = join(dir, 'render');
  const refs = make().map((r) => {
    const recipeDir = join(dir, 'agg', r.feedstock);
    mkdirSync(recipeDir, { recursive: true });
    writeFileSync(join(recipeDir, 'meta.yaml'), `# ${r.feedstock}\n`);
    return { ...r.recipe, dir: recipeDir, file: join(recipeDir, 'meta.yaml') };
  });
  return async () => {
    flushRenderCache();
    forgetRenderPacks();
    const fresh = make();
    const recipes = await Promise.all(refs.map((ref, i) => cachedRender(cacheDir, ref, T, {}, async () => ({ ...fresh[i], recipe: ref }))));
    applyRunExportsMemo(dir, recipes, recipes.map((r) => takeRenderingKey(r) ?? null));
    return recipes;
  };
}

/** Apply through the memo; returns the requirements and what the memo did. */
function viaMemo(dir: string, keys: (string | null)[], change?: Parameters<typeof world>[0]) {
  const before = { ...runExportsMemoStats };
  const recipes = world(change);
  applyRunExportsMemo(dir, recipes, keys);
  return { requirements: requirements(recipes), replayed: runExportsMemoStats.replayed - before.replayed, walked: runExportsMemoStats.walked - before.walked };
}

const memo = suite('run exports memo');
let dir = '';
memo.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebuild-exports-memo-'));
});
memo.after.each(() => rmSync(dir, { recursive: true, force: true }));

memo('the same keys: every recipe replayed, requirements equal to a full application', () => {
  const first = viaMemo(dir, KEYS);
  assert.is(first.walked, 6);
  assert.equal(first.requirements, full());
  assert.equal(first.requirements[1][0][0].run, ['libstd >=13'], 'app reaches libstd through mid');
  const again = viaMemo(dir, KEYS);
  assert.is(again.walked, 0);
  assert.is(again.replayed, 6);
  assert.equal(again.requirements, full());
});

memo('a recipe without a key (not from the cache) is walked every time', () => {
  viaMemo(dir, ['k-mid', 'k-app', 'k-gcc', 'k-libstd', null, 'k-z-user']);
  const again = viaMemo(dir, ['k-mid', 'k-app', 'k-gcc', 'k-libstd', null, 'k-z-user']);
  assert.is(again.walked, 1);
  assert.equal(again.requirements, full());
});

memo('a changed recipe exporting something else: the recipes that may read it are walked (no stale pin), the others replayed', () => {
  viaMemo(dir, KEYS);
  const keys = KEYS.map((k) => (k === 'k-zlib' ? 'k-zlib-2' : k));
  const changed = viaMemo(dir, keys, { zlibExport: 'zlib >=1.4,<2.0a0' });
  // zlib, mid and z-user (host zlib), app (hosts mid): walked; gcc and libstd read nothing of zlib.
  assert.is(changed.walked, 4);
  assert.is(changed.replayed, 2);
  assert.equal(changed.requirements, full({ zlibExport: 'zlib >=1.4,<2.0a0' }));
  assert.equal(changed.requirements[5][0][0].run, ['zlib >=1.4,<2.0a0']);
});

memo('a changed recipe whose walk adds something else: the recipes that may read it are walked, the others replayed', () => {
  viaMemo(dir, KEYS);
  const keys = KEYS.map((k) => (k === 'k-mid' ? 'k-mid-2' : k));
  // mid no longer builds with the compiler: nothing exported to its run, so app no longer reaches libstd.
  const changed = viaMemo(dir, keys, { midCompiler: false });
  assert.equal(changed.requirements, full({ midCompiler: false }));
  assert.equal(changed.requirements[1][0][0].run, [], 'app: no stale libstd pin');
  // mid and app (hosts mid) walked; gcc, libstd, zlib and z-user read nothing of mid: replayed.
  assert.is(changed.walked, 2);
  assert.is(changed.replayed, 4);
  // The same change again, now known: mid is the same as last time, nothing is walked.
  const again = viaMemo(dir, keys, { midCompiler: false });
  assert.is(again.walked, 0);
  assert.equal(again.requirements, full({ midCompiler: false }));
});

memo('a changed recipe that exports and adds the same: only it is walked', () => {
  viaMemo(dir, KEYS);
  const keys = KEYS.map((k) => (k === 'k-app' ? 'k-app-2' : k));
  const changed = viaMemo(dir, keys);
  assert.is(changed.walked, 1);
  assert.is(changed.replayed, 5);
  assert.equal(changed.requirements, full());
  // Nothing to keep but its key: the memo is not written again; the next plan walks app again.
  const written = runExportsMemoStats.written;
  const again = viaMemo(dir, keys);
  assert.is(runExportsMemoStats.written, written);
  assert.is(again.walked, 1);
  assert.equal(again.requirements, full());
  // Then it exports something else: what may read it is walked, and the memo written.
  const zlib = KEYS.map((k) => (k === 'k-app' ? 'k-app-2' : k === 'k-zlib' ? 'k-zlib-2' : k));
  const other = viaMemo(dir, zlib, { zlibExport: 'zlib >=1.4,<2.0a0' });
  assert.is(runExportsMemoStats.written, written + 1);
  assert.equal(other.requirements, full({ zlibExport: 'zlib >=1.4,<2.0a0' }));
  assert.is(viaMemo(dir, zlib, { zlibExport: 'zlib >=1.4,<2.0a0' }).walked, 0);
});

memo('the application order is worked out again only when what it is made of changed (the names a recipe builds or its specs name)', () => {
  const ordered = () => runExportsMemoStats.ordered;
  let before = ordered();
  viaMemo(dir, KEYS);
  assert.is(ordered() - before, 1, 'first application');
  // Another key, the same names (a comment; an export's version): last time's order.
  before = ordered();
  const bumped = viaMemo(dir, KEYS.map((k) => (k === 'k-zlib' ? 'k-zlib-2' : k)), { zlibExport: 'zlib >=1.4,<2.0a0' });
  assert.is(ordered() - before, 0);
  assert.equal(bumped.requirements, full({ zlibExport: 'zlib >=1.4,<2.0a0' }));
  // mid no longer names gcc_impl: its specs name other names, the order is made again.
  before = ordered();
  const keys = KEYS.map((k) => (k === 'k-zlib' ? 'k-zlib-2' : k === 'k-mid' ? 'k-mid-2' : k));
  const changed = viaMemo(dir, keys, { zlibExport: 'zlib >=1.4,<2.0a0', midCompiler: false });
  assert.is(ordered() - before, 1);
  assert.equal(changed.requirements, full({ zlibExport: 'zlib >=1.4,<2.0a0', midCompiler: false }));
  // A stored order that does not hold together: no memo (everything walked, the order made).
  const [file] = readdirSync(dir).filter((f) => f.startsWith('exports-'));
  const stored = deserialize(readFileSync(join(dir, file))) as { applied: { members: Uint32Array } };
  stored.applied.members[0] = 99;
  writeFileSync(join(dir, file), serialize(stored));
  before = ordered();
  const damaged = viaMemo(dir, keys, { zlibExport: 'zlib >=1.4,<2.0a0', midCompiler: false });
  assert.is(damaged.walked, 6);
  assert.is(ordered() - before, 1);
  assert.equal(damaged.requirements, full({ zlibExport: 'zlib >=1.4,<2.0a0', midCompiler: false }));
});

memo('a memo made by another version of the code is none (run_exports or match spec rules may differ)', () => {
  viaMemo(dir, KEYS);
  const [file] = readdirSync(dir).filter((f) => f.startsWith('exports-'));
  const stored = deserialize(readFileSync(join(dir, file))) as { code: string };
  writeFileSync(join(dir, file), serialize({ ...stored, code: 'another version' }));
  const after = viaMemo(dir, KEYS);
  assert.is(after.walked, 6);
  assert.equal(after.requirements, full());
});

memo('a damaged memo file is none; no cache dir is a plain application', () => {
  viaMemo(dir, KEYS);
  const [file] = readdirSync(dir).filter((f) => f.startsWith('exports-'));
  writeFileSync(join(dir, file), 'not a memo');
  const after = viaMemo(dir, KEYS);
  assert.is(after.walked, 6);
  assert.equal(after.requirements, full());
  const plain = world();
  applyRunExportsMemo(null, plain, KEYS);
  assert.equal(requirements(plain), full());
});

memo('renderings from the render cache: a replay of the same keys reads no rendering; the recipes get their additions when read', async () => {
  // The world's renderings stored in a real render cache (one recipe dir each), read back as a
  // later plan reads them: variants parsed on first read.
  const plan = cachedPlanner(world);
  await plan(); // rendered: a full walk, the memo written
  const same = await plan(); // read from the cache: replayed, nothing read
  assert.ok(same.every((r) => !isRenderingParsed(r)), 'no rendering is read');
  assert.equal(replayedAdditions(same[5]), [[], ['zlib >=1.3,<2.0a0'], []], 'what z-user gets, known before it is read');
  // The additions as text (node-memo.ts' python additions), without decoding: those appliedAdditions gives.
  const asText = (r: RenderedRecipe, test: (s: string) => boolean) => appliedAdditions(r)?.flatMap((list, i) => list.filter(test).map((s) => `${i}\t${s}\n`)).join('');
  const texts = (rs: RenderedRecipe[]) => {
    for (const test of [(s: string) => s.startsWith('zlib'), (s: string) => s.includes('lib'), () => true])
      for (const r of rs) assert.is(appliedAdditionsText(r, test), asText(r, test), r.feedstock);
  };
  texts(same);
  assert.is(appliedAdditionsText(same[5], () => true), '1\tzlib >=1.3,<2.0a0\n');
  assert.ok(same.every((r) => !isRenderingParsed(r)), 'still none read');
  assert.equal(requirements(same), full());
  // A changed recipe is walked in dependency order, worked out from what the memo keeps of the
  // others: only app and what its walk reads (mid, then libstd and zlib through mid's run) are read.
  writeFileSync(join(dir, 'agg', 'app', 'meta.yaml'), '# app, changed\n');
  const before = { ...runExportsMemoStats };
  const recipes = await plan();
  assert.is(runExportsMemoStats.walked - before.walked, 1, 'app is walked');
  assert.equal(
    recipes.filter((r) => isRenderingParsed(r)).map((r) => r.feedstock),
    ['mid', 'app', 'libstd', 'zlib'],
    'read: app and what its walk reads',
  );
  assert.is(replayedAdditions(recipes[1]), undefined, 'walked');
  assert.equal(replayedAdditions(recipes[5]), [[], ['zlib >=1.3,<2.0a0'], []]);
  texts(recipes); // walked (app), replayed and read (mid), replayed not read (z-user)
  assert.equal(requirements(recipes), full());
});

memo('renderings from the render cache: a dependent listed before its dependency gets what the dependency additions lead to', async () => {
  // user (first) hosts lib; lib hosts zlib, so its run gets zlib's export: lib is applied before
  // user (dependency order), whose walk then reaches zlib through lib's run.
  const chain = (): RenderedRecipe[] => [
    recipe('user', [output('user', {}, { host: ['lib'] })]),
    recipe('lib', [output('lib', { runExports: { weak: ['lib >=1.0'], strong: [] } }, { host: ['zlib'] })]),
    recipe('zlib', [output('zlib', { version: '1.3', runExports: { weak: ['zlib >=1.3,<2.0a0'], strong: [] } })]),
  ];
  const expected = chain();
  applyRunExports(expected);
  assert.equal(expected[0].variants[0].outputs[0].requirements.run, ['lib >=1.0', 'zlib >=1.3,<2.0a0'], 'a full application');
  const plan = cachedPlanner(chain);
  await plan();
  await plan();
  writeFileSync(join(dir, 'agg', 'user', 'meta.yaml'), '# user, changed\n');
  const recipes = await plan();
  assert.equal(requirements(recipes), requirements(expected));
});

/** One recipe edited as authors edit them: by kind, what the other recipes' walks read of it changes, or only its own walk. */
type Edit = { at: number; kind: number; pick: number };
function edited(seed: number, edits: Edit[]): RenderedRecipe[] {
  const recipes = randomAggregate(seed >> 1, seed % 2 === 1);
  for (const { at, kind, pick } of edits) {
    const o = recipes[at % recipes.length].variants[0].outputs[0];
    const other = `p${pick % 100}`;
    if (kind === 0) o.version = '9.0'; // a version bump
    else if (kind === 1) o.requirements.run.push(`${other} >=1.0`); // gains a run dependency
    else if (kind === 2) o.requirements.host.push(other); // gains a host dependency
    else if (kind === 3) o.runExports = { weak: [`${o.name} >=9`], strong: [`${other} >=2`] }; // exports something else
    else if (kind === 4) o.requirements.host = []; // loses its host section
    else o.name = `${o.name}-renamed`; // builds another name
  }
  return recipes;
}

memo('a recipe reaching a changed one through another that adds the same as last time is walked too', () => {
  // app hosts lib, lib's run names core, core gains a run dependency on zlib: lib's walk (its host
  // is empty) adds nothing either time, app's reaches zlib through lib's and core's run lists.
  const make = (edit: boolean) => [
    recipe('app', [output('app', {}, { host: ['lib'] })]),
    recipe('lib', [output('lib', { runExports: { weak: ['lib >=1'], strong: [] } }, { run: ['core'] })]),
    recipe('core', [output('core', {}, { run: edit ? ['zlib'] : [] })]),
    recipe('zlib', [output('zlib', { runExports: { weak: ['zlib >=1.3'], strong: [] } })]),
  ];
  const keys = ['k-app', 'k-lib', 'k-core', 'k-zlib'];
  const apply = (edit: boolean, k: string[]) => {
    const before = { ...runExportsMemoStats };
    const recipes = make(edit);
    applyRunExportsMemo(dir, recipes, k);
    return { recipes, walked: runExportsMemoStats.walked - before.walked };
  };
  apply(false, keys);
  const { recipes, walked } = apply(true, keys.map((k) => (k === 'k-core' ? 'k-core-2' : k)));
  const expected = make(true);
  applyRunExports(expected);
  assert.equal(expected[0].variants[0].outputs[0].requirements.run, ['lib >=1', 'zlib >=1.3'], 'a full application');
  assert.equal(requirements(recipes), requirements(expected));
  assert.is(walked, 3, 'core, lib (reads core), app (reaches core through lib)');
});

memo('random aggregates (dense and sparse), random edits (edited, edited again, restored): the same requirements as a full application', () => {
  let walked = 0;
  let replayed = 0;
  for (let seed = 2; seed <= 81; seed++) {
    const rand = seeded(seed * 7919);
    const n = edited(seed, []).length;
    const edit = (): Edit => ({ at: Math.floor(rand() * n), kind: Math.floor(rand() * (rand() < 0.1 ? 6 : 5)), pick: Math.floor(rand() * 100) });
    const first = [edit(), ...(rand() < 0.5 ? [edit()] : [])];
    const second = [...first, edit()];
    const keysOf = (edits: Edit[], round: number) => Array.from({ length: n }, (_, i) => (edits.some((e) => e.at === i) ? `k${i}-${round}` : `k${i}`));
    const rounds: [Edit[], (string | null)[]][] = [[[], keysOf([], 0)], [first, keysOf(first, 1)], [second, keysOf(second, 2)], [[], keysOf([], 0)]];
    rounds.forEach(([edits, keys], round) => {
      const before = { ...runExportsMemoStats };
      const recipes = edited(seed, edits);
      applyRunExportsMemo(dir, recipes, keys);
      const expected = edited(seed, edits);
      applyRunExports(expected);
      assert.equal(requirements(recipes), requirements(expected), `seed ${seed}, round ${round}`);
      if (round) {
        walked += runExportsMemoStats.walked - before.walked;
        replayed += runExportsMemoStats.replayed - before.replayed;
      }
    });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  // Both paths taken: edits reach only part of these dense aggregates.
  assert.ok(walked > 0 && replayed > 0, `walked ${walked}, replayed ${replayed}`);
});

memo('an application of one more recipe (a bootstrap build) orders with what the memo kept: the others are not read', async () => {
  const plan = cachedPlanner(world);
  await plan();
  const recipes = await plan();
  const extra = recipe('app-bootstrap', [output('app', {}, { host: ['mid'] })]);
  const all = [...recipes, extra];
  const known = knownOrderInput(all)!;
  assert.is(known.outStarts.length, all.length + 1, 'every recipe ordered');
  applyRunExports(all, new Set([extra]), { additions: () => undefined, walked: () => {}, index: lazyIndexOf(all, () => known), orderInput: () => known });
  assert.equal(
    recipes.filter((r) => isRenderingParsed(r)).map((r) => r.feedstock),
    ['mid', 'libstd', 'zlib'],
    'read: what its walk reads',
  );
  const expected = world();
  applyRunExports(expected);
  const alone = recipe('app-bootstrap', [output('app', {}, { host: ['mid'] })]);
  applyRunExports([...expected, alone], new Set([alone]));
  assert.equal(extra.variants[0].outputs[0].requirements, alone.variants[0].outputs[0].requirements);
});

memo.run();
