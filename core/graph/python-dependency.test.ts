// Which feedstocks the rebuild selects: a python dependency in an output's build/host/run, in the
// top-level build environment of a multi-output recipe (conda-build builds every output in that one
// pass), or an output that is python.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nodePythonDependency } from './python-dependency.ts';
import { nodeFromRendered } from './render-nodes.ts';
import { output, recipeRef, variant } from './fixtures/recipes.ts';
import type { RenderedRecipe, RenderedVariant, Target } from '../model/types.ts';

const LINUX: Target = { subdir: 'linux-64', python: '3.11' };

/** A C library and a CLI, neither on python, built by a top-level script whose environment runs a python code generator. */
function codegenVariant(top: { build: string[]; host: string[] }): RenderedVariant {
  return {
    ...variant([output('libthing', { build: ['gcc_linux-64 11.2.0.*'], host: ['zlib 1.2.13.*'], run: ['zlib >=1.2.13'] }), output('thing-cli', { host: ['libthing 1.0'], run: ['libthing 1.0'] })]),
    requirements: top,
  };
}

const rendered = (variants: RenderedVariant[]): RenderedRecipe => ({ feedstock: 'thing', recipe: recipeRef('thing'), target: LINUX, variants, warnings: [] });

const dep = suite('python dependency');

dep('a python dependency only in the top-level host selects the feedstock, named as the top-level one', () => {
  const v = codegenVariant({ build: ['gcc_linux-64 11.2.0.*', 'cmake'], host: ['python 3.11.*', 'jinja2', 'zlib 1.2.13.*'] });
  assert.equal(nodePythonDependency([v]), { dependency: 'top-level host: python 3.11.*', allNoarch: false });
  const node = nodeFromRendered('thing', rendered([v]));
  assert.is(node.status, 'planned');
  assert.is(node.pythonDependency, 'top-level host: python 3.11.*');
});

dep('the top-level build counts too (python_abi, a channel prefix)', () => {
  const v = codegenVariant({ build: ['conda-forge::python_abi 3.11.* *_cp311'], host: [] });
  assert.equal(nodePythonDependency([v]).dependency, 'top-level build: conda-forge::python_abi 3.11.* *_cp311');
});

dep('no python anywhere: no-python; a skipped variant\'s top-level environment does not count', () => {
  const none = codegenVariant({ build: ['cmake'], host: ['zlib 1.2.13.*'] });
  assert.is(nodeFromRendered('thing', rendered([none])).status, 'excluded');
  assert.is(nodeFromRendered('thing', rendered([none])).exclusion?.kind, 'no-python');
  const skipped = { ...codegenVariant({ build: [], host: ['python 3.11.*'] }), skip: true };
  assert.equal(nodePythonDependency([none, skipped]), { dependency: null, allNoarch: false });
});

dep('an output\'s own dependency is named first; a top-level python makes arch outputs beside noarch ones rebuilt', () => {
  const own = { ...variant([output('py-thing', { host: ['python 3.11.*'], run: ['python'] })]), requirements: { build: [], host: ['python 3.11.*'] } };
  assert.equal(nodePythonDependency([own]), { dependency: 'host: python 3.11.*', allNoarch: false });
  // A noarch python wrapper beside a compiled library built in a python environment: not all noarch.
  const mixed = {
    ...variant([output('libthing', { host: ['zlib'] }), output('thing-py', { host: ['python >=3.8'], run: ['python >=3.8'], noarch: 'python' })]),
    requirements: { build: [], host: ['python 3.11.*'] },
  };
  assert.equal(nodePythonDependency([mixed]), { dependency: 'top-level host: python 3.11.*', allNoarch: false });
  // Every output noarch python: still one build for every python.
  const noarch = { ...variant([output('thing-py', { host: ['python >=3.8'], noarch: 'python' })]), requirements: { build: [], host: ['python'] } };
  assert.equal(nodePythonDependency([noarch]), { dependency: 'host: python >=3.8', allNoarch: true });
  const noarchTopOnly = { ...variant([output('thing-data', { noarch: 'python' })]), requirements: { build: [], host: ['python'] } };
  assert.equal(nodePythonDependency([noarchTopOnly]), { dependency: 'top-level host: python', allNoarch: true });
});

dep.run();
