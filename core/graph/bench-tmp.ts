import { planTarget } from './plan-target.ts';
import { output, recipesOf, testRun, type FakeAggregate } from './fixtures/recipes.ts';
import { select } from '../../plugins/select/index.ts';
const n = Number(process.argv[2] ?? 1000);
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const agg: FakeAggregate = {};
const LEVELS = 7;
const byLevel: string[][] = Array.from({ length: LEVELS }, () => []);
const names: string[] = [];
for (let i = 0; i < n; i++) {
  const L = Math.floor(rnd() * LEVELS);
  const name = `p${i}`;
  byLevel[L].push(name);
  names.push(name);
  const popular = (k: number) => {
    const out: string[] = [];
    for (let j = 0; j < k && L > 0; j++) {
      const pool = byLevel[Math.floor(rnd() * L)];
      if (pool.length) out.push(pool[Math.floor(rnd() * Math.min(pool.length, 100))]);
    }
    return out;
  };
  const any = () => (L > 0 && byLevel[L - 1].length ? [byLevel[L - 1][Math.floor(rnd() * byLevel[L - 1].length)]] : []);
  const py = rnd() > 0.1;
  agg[name] = [output(name, { version: '1.2.3', host: [...(py ? ['python 3.13.*'] : ['make']), ...popular(3).map((x) => `${x} >=1`), ...any()], run: [...(py ? ['python >=3.13,<3.14.0a0'] : []), ...popular(2)], test: any() })];
}
const run = testRun(agg, { bootstrap: { python: false, chain: [], variants: {} } }, [select()]);
const t0 = performance.now(); const c0 = process.cpuUsage();
const p = await planTarget(run, { subdir: 'linux-64', python: '3.13' }, { recipes: recipesOf(agg) });
const t1 = performance.now();
console.log(n, 'nodes', p.graph.order, 'edges', p.graph.size, 'stages', p.stages.length, 'cycles', p.cycles.length, 'ms', Math.round(t1 - t0), 'cpu ms', Math.round((process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000), 'rss MB', Math.round(process.memoryUsage().rss / 1e6));
