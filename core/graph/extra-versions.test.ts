import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extraVersionRecipes, withoutExtraVersionDirs } from './extra-versions.ts';
import { recipeRef } from './fixtures/recipes.ts';

const extra = suite('extraVersionRecipes');

extra('default dir <aggregate>/<name>-<version>-feedstock, explicit recipe dirs, failures kept with the path', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rebuild-extra-'));
  try {
    const [agg1, agg2] = [join(root, 'agg1'), join(root, 'agg2')];
    mkdirSync(join(agg2, 'numpy-1.26-feedstock'), { recursive: true });
    const seen: string[] = [];
    const resolver = async (path: string) => {
      seen.push(path);
      if (path.endsWith('missing')) throw new Error('no meta.yaml or recipe.yaml');
      return recipeRef('ignored', { dir: path, file: join(path, 'meta.yaml') });
    };
    const out = await extraVersionRecipes(
      { aggregates: [agg1, agg2], rootDir: root, variantConfigs: [], extraVersions: { numpy: [{ version: '1.26' }], six: [{ version: '1.15', recipe: 'old/missing' }] } },
      resolver,
    );
    assert.equal(seen, [join(agg2, 'numpy-1.26-feedstock'), join(root, 'old/missing')]);
    assert.equal(out.recipes.map((r) => [r.feedstock, r.extraVersion]), [['numpy', '1.26']]);
    assert.equal(out.failures, [{ feedstock: 'six', version: '1.15', path: join(root, 'old/missing'), message: 'no meta.yaml or recipe.yaml' }]);

    // Discovery would also see numpy-1.26-feedstock as a feedstock of its own: it is dropped.
    const discovered = [recipeRef('numpy'), recipeRef('numpy-1.26', { dir: join(agg2, 'numpy-1.26-feedstock') })];
    assert.equal(withoutExtraVersionDirs(discovered, out.recipes).map((r) => r.feedstock), ['numpy']);
    // No extra versions: every discovered recipe, in a new array.
    const all = withoutExtraVersionDirs(discovered, []);
    assert.equal(all, discovered);
    assert.ok(all !== discovered);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

extra.run();
