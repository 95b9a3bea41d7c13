// Child process of the render benchmark: render every recipe of an aggregate for linux-64 and one
// python on this thread alone (the render pool off: the figure is per core), one after the other,
// and print one JSON line: recipes, render time (cold: module loading excluded, JIT warm-up
// included, as in `rebuild render --all`), errors, warnings, and a digest of the renderings. The
// process CPU is split into the main thread's and the other threads' (V8's optimizing compiler and
// wasm tier-up, GC helpers) where /proc/self/task can be read (null elsewhere).
// Usage: node --import tsx bench/render-child.ts <aggregate dir> <python>
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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
/** CPU ms of this process's main thread and of its other threads (Linux), else null. */
function threadCpu(): { main: number; other: number } | null {
  try {
    let main = 0;
    let other = 0;
    for (const task of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime (fields 14 and 15 of stat), in clock ticks of 10 ms.
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      if (Number(task) === process.pid) main += ms;
      else other += ms;
    }
    return { main, other };
  } catch {
    return null;
  }
}
const threads0 = threadCpu();
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
const threads1 = threadCpu();
const split = threads0 && threads1 ? { mainThreadMs: threads1.main - threads0.main, otherThreadsMs: threads1.other - threads0.other } : { mainThreadMs: null, otherThreadsMs: null };
process.stdout.write(
  JSON.stringify({ recipes: meta.length, renderMs: ms, cpuMs: (cpu.user + cpu.system) / 1000, ...split, errors, warnings, digest: digest.digest('hex').slice(0, 16) }) + '\n',
);
