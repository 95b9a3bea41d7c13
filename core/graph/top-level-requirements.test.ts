// The top-level build environment of a multi-output recipe (RenderedVariant.requirements, issue 10
// item 4): every output of the feedstock waits for what it names, through the run closure too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planTarget } from './plan-target.ts';
import { output, recipesOf, testRun, variant, type FakeAggregate } from './fixtures/recipes.ts';
import { select } from '../../plugins/select/index.ts';
import type { Target } from '../model/types.ts';

const LINUX: Target = { subdir: 'linux-64', python: '3.13' };

const top = suite('planTarget: top-level requirements of a multi-output recipe');

top('build/host of the top-level environment are blocking edges of the feedstock, pulled-in run requirements included', async () => {
  const aggregate: FakeAggregate = {
    // Built once by the top-level script against python, numpy and cython; its outputs need none of them.
    arrowish: () => [
      {
        ...variant([output('libarrowish', { host: ['zstd'] }), output('pyarrowish', { host: ['python 3.13.*', 'libarrowish'], run: ['python', 'libarrowish'] })]),
        requirements: { build: ['cmake', 'cython'], host: ['python 3.13.*', 'numpy 2.1.*'] },
      },
    ],
    numpy: { version: '2.1.0', host: ['python'], run: ['python', 'openblasish'] },
    openblasish: { host: ['python'] },
    cython: { host: ['python'], run: ['python'] },
    zstd: {},
  };
  const p = await planTarget(testRun(aggregate, { bootstrap: { python: false, chain: [], variants: {} } }, [select()]), LINUX, { recipes: recipesOf(aggregate) });
  const deps = p.nodes.find((n) => n.id === 'arrowish')!.dependsOn.map((d) => `${d.id} ${d.section} ${d.spec}${d.via ? ` via ${d.via.join('>')}` : ''}`);
  assert.equal(deps, ['cython build cython', 'numpy host numpy 2.1.*', 'openblasish host openblasish via numpy', 'zstd host zstd']);
  for (const from of ['numpy', 'cython', 'openblasish']) assert.ok(p.graph.getEdgeAttributes(p.graph.edge(from, 'arrowish')!).blocksBuild, from);
  const stage = (id: string) => p.stages.findIndex((s) => s.includes(id));
  assert.ok(stage('arrowish') > stage('numpy') && stage('arrowish') > stage('cython'), JSON.stringify(p.stages));
});

top.run();
