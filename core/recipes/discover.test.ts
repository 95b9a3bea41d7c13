import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { discoverRecipes, RecipeDiscoveryError, recipeFromPath } from './discover.ts';

const FIX = fileURLToPath(new URL('./fixtures/discover/', import.meta.url));
const AGG1 = join(FIX, 'agg1');
const AGG2 = join(FIX, 'agg2');

// ------------------------------------------------------------------ discoverRecipes

const discover = suite('discoverRecipes');

discover('finds each layout of one aggregate, sorted by feedstock name', async () => {
  const { recipes } = await discoverRecipes([AGG1]);
  assert.equal(
    recipes.map((r) => [r.feedstock, r.dir.slice(AGG1.length + 1), r.format]),
    [
      ['both', 'both-feedstock/recipe', 'meta.yaml'],
      ['direct', 'direct-feedstock', 'meta.yaml'],
      ['flit', 'flit-feedstock/recipe', 'recipe.yaml'],
      ['numpy', 'numpy-feedstock/recipe', 'meta.yaml'],
      ['plainpkg', 'plainpkg', 'meta.yaml'],
    ],
  );
  const numpy = recipes.find((r) => r.feedstock === 'numpy')!;
  assert.is(numpy.file, join(AGG1, 'numpy-feedstock/recipe/meta.yaml'));
  assert.is(numpy.aggregate, AGG1);
});

discover('variant files: aggregate root, then extra configs, then the recipe dir', async () => {
  const extra = join(FIX, 'extra-cbc.yaml');
  const { recipes } = await discoverRecipes([AGG1], { variantConfigs: [extra] });
  const byName = Object.fromEntries(recipes.map((r) => [r.feedstock, r.variantFiles]));
  assert.equal(byName.numpy, [join(AGG1, 'conda_build_config.yaml'), extra, join(AGG1, 'numpy-feedstock/recipe/conda_build_config.yaml')]);
  assert.equal(byName.flit, [join(AGG1, 'conda_build_config.yaml'), extra]);
});

discover('warns: both recipe files (meta.yaml taken), feedstock without recipe, missing variant config', async () => {
  const { warnings } = await discoverRecipes([AGG1], { variantConfigs: [join(FIX, 'nope.yaml')] });
  assert.equal(
    warnings.map((w) => [w.path.slice(FIX.length), w.message]).sort(),
    [
      ['agg1/both-feedstock/recipe', 'both meta.yaml and recipe.yaml found; using meta.yaml, ignoring recipe.yaml'],
      ['agg1/empty-feedstock', 'no meta.yaml or recipe.yaml in the feedstock or its recipe/ dir'],
      ['nope.yaml', 'variant config not found; skipped'],
    ],
  );
});

discover('prefer: recipe.yaml takes the v1 recipe when both exist', async () => {
  const { recipes } = await discoverRecipes([AGG1], { prefer: 'recipe.yaml' });
  assert.is(recipes.find((r) => r.feedstock === 'both')!.format, 'recipe.yaml');
});

discover('hidden dirs and dirs without recipes are skipped', async () => {
  const { recipes } = await discoverRecipes([AGG1]);
  assert.not.ok(recipes.some((r) => r.feedstock === '.hidden' || r.feedstock === 'docs' || r.feedstock === 'empty'));
});

discover('duplicate feedstock names across aggregates: both kept, with a warning', async () => {
  const { recipes, warnings } = await discoverRecipes([AGG1, AGG2]);
  const numpys = recipes.filter((r) => r.feedstock === 'numpy');
  assert.equal(numpys.map((r) => r.aggregate), [AGG1, AGG2]);
  assert.ok(warnings.some((w) => w.path === join(AGG2, 'numpy') && w.message === `feedstock 'numpy' also found at ${join(AGG1, 'numpy-feedstock/recipe')}`));
  // Without a root conda_build_config.yaml, agg2's recipe has no variant files.
  assert.equal(numpys[1].variantFiles, []);
});

discover('a single feedstock as the aggregate :: bare recipe/ at the root', async () => {
  const agg = join(FIX, 'single-feedstock');
  const { recipes } = await discoverRecipes([agg]);
  assert.equal(recipes.map((r) => [r.feedstock, r.dir, r.variantFiles]), [['single', join(agg, 'recipe'), [join(agg, 'conda_build_config.yaml')]]]);
});

discover('a recipe dir as the aggregate :: its own conda_build_config.yaml listed once', async () => {
  const agg = join(FIX, 'recipe-dir');
  const { recipes } = await discoverRecipes([agg]);
  assert.equal(recipes.map((r) => [r.feedstock, r.dir, r.variantFiles]), [['recipe-dir', agg, [join(agg, 'conda_build_config.yaml')]]]);
});

discover('a missing or non-directory aggregate is an error naming the path', async () => {
  for (const [path, detail] of [
    [join(FIX, 'missing'), 'no such directory'],
    [join(FIX, 'extra-cbc.yaml'), 'not a directory'],
  ]) {
    try {
      await discoverRecipes([path]);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, RecipeDiscoveryError);
      assert.is((err as Error).message, `${path}: cannot read aggregate: ${detail}`);
    }
  }
});

discover('relative aggregate paths resolve against the working directory', async () => {
  const rel = join('core/recipes/fixtures/discover/agg2');
  const { recipes } = await discoverRecipes([rel]);
  assert.is(recipes[0].aggregate, join(process.cwd(), rel));
});

interface Tmp {
  dir: string;
}
const generated = suite<Tmp>('discoverRecipes (generated trees)', { dir: '' });
generated.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-discover-'));
});
generated.after.each((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

generated('many feedstocks: every one found, in name order', async ({ dir }) => {
  const n = 600;
  for (let i = 0; i < n; i++) {
    const r = join(dir, `pkg${String(i).padStart(4, '0')}-feedstock`, 'recipe');
    mkdirSync(r, { recursive: true });
    writeFileSync(join(r, i % 3 ? 'meta.yaml' : 'recipe.yaml'), 'package: {name: x}\n');
  }
  const { recipes, warnings } = await discoverRecipes([dir]);
  assert.is(recipes.length, n);
  assert.is(recipes[0].feedstock, 'pkg0000');
  assert.is(recipes[n - 1].feedstock, `pkg${String(n - 1).padStart(4, '0')}`);
  assert.is(recipes.filter((r) => r.format === 'recipe.yaml').length, n / 3);
  assert.equal(warnings, []);
});

generated('symlinked feedstock dirs and recipe files are followed', async ({ dir }) => {
  const real = join(dir, 'store', 'abc-feedstock', 'recipe');
  mkdirSync(real, { recursive: true });
  writeFileSync(join(real, 'meta.yaml'), 'package: {name: abc}\n');
  const agg = join(dir, 'agg');
  mkdirSync(join(agg, 'linked-file'), { recursive: true });
  symlinkSync(join(dir, 'store', 'abc-feedstock'), join(agg, 'abc-feedstock'));
  symlinkSync(join(real, 'meta.yaml'), join(agg, 'linked-file', 'meta.yaml'));
  symlinkSync(join(dir, 'nowhere'), join(agg, 'dangling'));
  const { recipes } = await discoverRecipes([agg]);
  assert.equal(recipes.map((r) => r.feedstock), ['abc', 'linked-file']);
});

generated('warnings come in the order of the aggregate\'s listing, symlinked feedstocks included; a symlink loop counts as absent', async ({ dir }) => {
  const agg = join(dir, 'agg');
  mkdirSync(join(dir, 'store', 'empty'), { recursive: true });
  for (let i = 0; i < 12; i++) {
    const name = `p${i}-feedstock`;
    // Every other feedstock is a symlink to a dir without a recipe: each gets the same warning.
    if (i % 2) symlinkSync(join(dir, 'store', 'empty'), join(agg, name));
    else mkdirSync(join(agg, name, 'recipe'), { recursive: true });
  }
  symlinkSync(join(agg, 'p0-feedstock', 'recipe', 'loop'), join(agg, 'p0-feedstock', 'recipe', 'loop'));
  const { warnings } = await discoverRecipes([agg]);
  const listed = readdirSync(agg).filter((name) => name.endsWith('-feedstock'));
  assert.equal(warnings.map((w) => w.path), listed.map((name) => join(agg, name)));
});

discover.run();
generated.run();

// ------------------------------------------------------------------ recipeFromPath

const fromPath = suite('recipeFromPath');

fromPath('feedstock dir, recipe dir and recipe file give the same ref', async () => {
  const feedstock = join(AGG1, 'numpy-feedstock');
  const refs = await Promise.all([feedstock, join(feedstock, 'recipe'), join(feedstock, 'recipe', 'meta.yaml')].map((p) => recipeFromPath(p)));
  for (const ref of refs) {
    assert.equal(ref, {
      feedstock: 'numpy',
      dir: join(feedstock, 'recipe'),
      file: join(feedstock, 'recipe', 'meta.yaml'),
      format: 'meta.yaml',
      aggregate: AGG1,
      variantFiles: [join(AGG1, 'conda_build_config.yaml'), join(feedstock, 'recipe', 'conda_build_config.yaml')],
    });
  }
});

fromPath('an explicit recipe.yaml is taken even when meta.yaml exists', async () => {
  const ref = await recipeFromPath(join(AGG1, 'both-feedstock/recipe/recipe.yaml'));
  assert.is(ref.format, 'recipe.yaml');
  assert.is(ref.feedstock, 'both');
});

fromPath('aggregate option and extra variant configs', async () => {
  const extra = join(FIX, 'extra-cbc.yaml');
  const ref = await recipeFromPath(join(AGG2, 'numpy'), { aggregate: AGG1, variantConfigs: [extra] });
  assert.is(ref.aggregate, AGG1);
  assert.equal(ref.variantFiles, [join(AGG1, 'conda_build_config.yaml'), extra]);
  assert.is(ref.feedstock, 'numpy');
});

fromPath('errors name the path :: missing, no recipe, wrong file name', async () => {
  const cases: [string, string][] = [
    [join(FIX, 'missing'), 'cannot read recipe path: no such directory'],
    [join(AGG1, 'empty-feedstock'), 'no meta.yaml or recipe.yaml here or in its recipe/ dir'],
    [join(AGG1, 'empty-feedstock', 'README.md'), 'a recipe file must be named meta.yaml or recipe.yaml'],
  ];
  for (const [path, detail] of cases) {
    try {
      await recipeFromPath(path);
      assert.unreachable(path);
    } catch (err) {
      assert.instance(err, RecipeDiscoveryError);
      assert.is((err as Error).message, `${path}: ${detail}`);
    }
  }
});

fromPath.run();
