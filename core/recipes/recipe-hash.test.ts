import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fillRecipeHashes, hashRecipeDir } from './recipe-hash.ts';
import type { PackageNode } from '../model/types.ts';

const hash = suite('recipe hash', { dir: '' });
hash.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'recipe-hash-'));
  mkdirSync(join(ctx.dir, 'src'));
  writeFileSync(join(ctx.dir, 'meta.yaml'), 'package: {name: a, version: 1}\n');
  writeFileSync(join(ctx.dir, 'src', 'a.py'), 'x = 1\n');
});
hash.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

hash('changes when any file of the recipe dir changes, is stable otherwise', async ({ dir }) => {
  const a = hashRecipeDir(dir);
  assert.is(hashRecipeDir(dir), a);
  writeFileSync(join(dir, 'src', 'a.py'), 'x = 2\n');
  const b = hashRecipeDir(dir);
  assert.is.not(b, a);
  writeFileSync(join(dir, 'build.sh'), 'echo\n');
  assert.is.not(hashRecipeDir(dir), b);
});

hash('a node hash covers its rendered variants too', async ({ dir }) => {
  const node = (variant: string) => ({ recipe: { dir }, variants: [{ variant: { python: variant } }], recipeHash: null }) as unknown as PackageNode;
  const [x, y, z] = [node('3.13'), node('3.13'), node('3.12')];
  fillRecipeHashes([x, y, z]);
  assert.ok(x.recipeHash && /^[0-9a-f]{64}$/.test(x.recipeHash));
  assert.is(x.recipeHash, y.recipeHash);
  assert.is.not(x.recipeHash, z.recipeHash);
});

hash('a file reached through a symlink to a directory (shared templates) is hashed; a link to an ancestor does not loop', async ({ dir }) => {
  const shared = mkdtempSync(join(tmpdir(), 'recipe-hash-shared-'));
  try {
    writeFileSync(join(shared, 'host.yaml'), '- python\n');
    symlinkSync(shared, join(dir, 'common'));
    symlinkSync('..', join(dir, 'src', 'up'));
    const a = hashRecipeDir(dir);
    assert.is(hashRecipeDir(dir), a);
    writeFileSync(join(shared, 'host.yaml'), '- python\n- pip\n');
    assert.is.not(hashRecipeDir(dir), a, 'the shared template changed');
  } finally {
    rmSync(shared, { recursive: true, force: true });
  }
});

hash.run();
