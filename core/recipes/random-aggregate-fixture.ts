// Random dense aggregates for the run-exports tests (walks, memo): names with cycles, several
// paths, exports of other names, noarch, ignores, top-level environments.
import type { RenderedOutput, RenderedRecipe } from '../model/types.ts';
import { seeded } from '../../bench/measure.ts';
import { specName } from './finalize-output.ts';
import { output, recipe } from './rendered-fixture.ts';

/**
 * A random dense aggregate: names with cycles, several paths, exports of other names, noarch,
 * ignores, top-level envs. `sparse`: at most 2 names per list, mostly of the few packages before
 * (long chains of dependencies, few cycles), as in a real aggregate's graph.
 */
export function randomAggregate(seed: number, sparse = false): RenderedRecipe[] {
  const rand = seeded(seed);
  const n = 50 + Math.floor(rand() * 50);
  const name = (i: number) => (i < n ? `p${i}` : `ext${i - n}`);
  let at = 0;
  const one = () => (sparse && rand() < 0.95 ? name(Math.max(0, at - 1 - Math.floor(rand() * 6))) : name(Math.floor(rand() * (n + 5))));
  const pick = (k: number) => Array.from({ length: Math.floor(rand() * (sparse ? Math.min(k, 3) : k)) }, one);
  const recipes: RenderedRecipe[] = [];
  for (let i = 0; i < n; ) {
    const count = 1 + Math.floor(rand() * 3);
    const outputs: RenderedOutput[] = [];
    for (let k = 0; k < count && i < n; k++, i++) {
      at = i;
      const me = name(i);
      const strong = rand() < 0.3 ? [`${me} ${1 + (i % 3)}.*`] : [];
      const weak = rand() < 0.8 ? [`${me} >=1.0`, ...(rand() < 0.2 ? [`${name(Math.floor(rand() * n))} >=1.0`] : [])] : [];
      outputs.push(
        output(
          me,
          {
            version: `${1 + (i % 3)}.0`,
            noarch: rand() < 0.1 ? 'python' : null,
            runExports: {
              weak,
              strong,
              ...(rand() < 0.3 ? { weak_constrains: [`${me}-tools >=1`] } : {}),
              ...(rand() < 0.2 ? { strong_constrains: [`${me}-abi ${i % 4}`] } : {}),
              ...(rand() < 0.3 ? { noarch: [me] } : {}),
            },
            ...(rand() < 0.1 ? { ignoreRunExports: { names: pick(3).map(specName), from: pick(3).map(specName) } } : {}),
          },
          { build: pick(4), host: rand() < 0.2 ? [] : pick(8), run: pick(rand() < 0.15 ? 60 : 10) },
        ),
      );
    }
    const r = recipe(`r${recipes.length}`, outputs);
    if (count > 1 && rand() < 0.5) r.variants[0].requirements = { build: pick(4), host: pick(6) };
    recipes.push(r);
  }
  return recipes;
}
