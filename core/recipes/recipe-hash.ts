// Content hash of what a package is built from: every file of its recipe dir (paths and bytes) and
// its rendered variants for the target (which carry the variant config's effect). `rebuild run`
// stores it per package; a different hash on resume invalidates the package and its dependents.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { PackageNode } from '../engine/types.ts';

async function listDir(dir: string, root: string, out: string[]): Promise<string[]> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await listDir(p, root, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(relative(root, p));
  }
  return out;
}

/** sha256 over the sorted relative paths and contents of every file under `dir`. */
export async function hashRecipeDir(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of (await listDir(dir, dir, [])).sort()) {
    hash.update(`${file}\0`);
    hash.update(await readFile(join(dir, file)).catch(() => Buffer.from('<unreadable>')));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Set `recipeHash` on every node that has a recipe (a dir is read once, even across targets). */
export async function fillRecipeHashes(nodes: Iterable<PackageNode>): Promise<void> {
  const dirs = new Map<string, Promise<string>>();
  const work: Promise<void>[] = [];
  for (const node of nodes) {
    if (!node.recipe) continue;
    const dir = node.recipe.dir;
    if (!dirs.has(dir)) dirs.set(dir, hashRecipeDir(dir));
    work.push(
      dirs.get(dir)!.then((dirHash) => {
        node.recipeHash = createHash('sha256').update(dirHash).update(JSON.stringify(node.variants)).digest('hex');
      }),
    );
  }
  await Promise.all(work);
}
