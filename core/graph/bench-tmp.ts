import { planTarget } from './plan-target.ts';
import { output, recipesOf, testRun, type FakeAggregate } from './fixtures/recipes.ts';
import { select } from '../../plugins/select/index.ts';
const n = Number(process.argv[2] ?? 1000);
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const agg: FakeAggregate = {};
const made: Record<string, ReturnType<typeof output>[]> = {};
for (let i = 0; i < n; i++) {
  const pick = (k: number) => Array.from({ length: Math.min(i, k) }, () => `p${Math.floor(rnd() * i)}`);
  made[`p${i}`] = [output(`p${i}`, { version: '1.2.3', host: ['python 3.13.*', ...pick(4).map((x) => `${x} >=1`)], run: ['python >=3.13,<3.14.0a0', ...pick(3)], test: pick(2) })];
  agg[`p${i}`] = made[`p${i}`];
}
const run = testRun(agg, { bootstrap: { python: false, chain: [], variants: {} } }, [select()]);
const t0 = performance.now();
const p = await planTarget(run, { subdir: 'linux-64', python: '3.13' }, { recipes: recipesOf(agg) });
const t1 = performance.now();
console.log(n, 'nodes', p.graph.order, 'edges', p.graph.size, 'stages', p.stages.length, 'ms', Math.round(t1 - t0), 'rss MB', Math.round(process.memoryUsage().rss / 1e6));
