// Child process of the render benchmark: render every recipe of an aggregate for linux-64 and one
// python on this thread alone (the render pool off: the figure is per core), one after the other,
// and print one JSON line: recipes, render time (cold: module loading excluded, JIT warm-up
// included, as in `rebuild render --all`), errors, warnings, and a digest of the renderings.
// Usage: node --import tsx bench/render-child.ts <aggregate dir> <python>
import { createHash } from 'node:crypto';
import { discoverRecipes } from '../core/recipes/discover.ts';
import { renderMetaYamlHere } from '../core/recipes/meta-yaml/render.ts';
import type { Target } from '../core/model/types.ts';

const [aggregate, python] = process.argv.slice(2);
const target: Target = { subdir: 'linux-64', python };
const { recipes } = await discoverRecipes([aggregate]);
const meta = recipes.filter((r) => r.format === 'meta.yaml');
const digest = createHash('sha256');
let errors = 0;
let warnings = 0;
const c0 = process.cpuUsage();
const t0 = performance.now();
for (const recipe of meta) {
  try {
    const r = await renderMetaYamlHere(recipe, target);
    warnings += r.warnings.length;
    digest.update(JSON.stringify(r.variants));
  } catch (err) {
    errors++;
    digest.update(String((err as Error).message));
  }
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(c0);
process.stdout.write(
  JSON.stringify({ recipes: meta.length, renderMs: ms, cpuMs: (cpu.user + cpu.system) / 1000, errors, warnings, digest: digest.digest('hex').slice(0, 16) }) + '\n',
);
