// The feedstocks of the real-shaped aggregate that carry what real recipes do and renderers must
// handle (issue 10 items 4-7): each plans (plan.test.ts) and renders as the recipe means it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../../core/cli/context.ts';
import { planRun } from '../../core/graph/plan-target.ts';
import type { Plan } from '../../core/graph/plan.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

const agg = suite('examples/real-aggregate: renderer idioms', { plan: null as unknown as Plan, workDir: '' });

agg.before(async (ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'rebuild-real-renderers-'));
  const engine = await loadEngine({ config: join(here, 'rebuild.config.ts'), workDir: ctx.workDir }, here);
  [ctx.plan] = await planRun(engine.createRun());
});
agg.after((ctx) => rmSync(ctx.workDir, { recursive: true, force: true }));

const node = (plan: Plan, id: string) => plan.graph.getNodeAttributes(id);
const variant = (plan: Plan, id: string) => node(plan, id).variants[0];
const output = (plan: Plan, id: string, name = id) => variant(plan, id).outputs.find((o) => o.name === name)!;
const warningsOf = (plan: Plan, feedstock: string) => plan.warnings.filter((w) => (w as { feedstock?: string }).feedstock === feedstock).map((w) => w.message);

agg('protobuf: the top-level build environment (python, setuptools, wheel) is rendered and every output waits for it', ({ plan }) => {
  assert.equal(variant(plan, 'protobuf').requirements, {
    build: ['gcc_linux-64 11.2.0.*', 'gxx_linux-64 11.2.0.*', 'cmake', 'make'],
    host: ['python 3.11.*', 'setuptools', 'wheel', 'zlib 1.2.13.*'],
  });
  // No output lists setuptools or wheel: the edges come from the top-level environment.
  assert.not.ok(variant(plan, 'protobuf').outputs.some((o) => [...o.requirements.build, ...o.requirements.host].some((s) => /^(setuptools|wheel)\b/.test(s))));
  for (const from of ['setuptools', 'wheel', 'python-3.11']) {
    assert.ok(plan.graph.getEdgeAttributes(plan.graph.edge(from, 'protobuf')!).blocksBuild, from);
  }
  assert.is(node(plan, 'protobuf').status, 'planned');
});

agg('markupsafe (recipe.yaml): ${{ PYTHON }} in the build script and ${{ SP_DIR }} in a test script render', ({ plan }) => {
  assert.is(variant(plan, 'markupsafe').script, '$PREFIX/bin/python -m pip install . -vv --no-deps --no-build-isolation');
  assert.equal(output(plan, 'markupsafe').test.commands, ['pip check', '$PREFIX/bin/python -c "from markupsafe import _speedups"', 'test -f $PREFIX/lib/python3.11/site-packages/markupsafe/__init__.py']);
});

agg('simplejson: a recipe.yaml in v0 syntax renders as meta.yaml, with a warning that says so', ({ plan }) => {
  assert.equal(output(plan, 'simplejson').test.imports, ['simplejson', 'simplejson._speedups']);
  // Plus python's run_exports (the plan applies them).
  assert.equal(output(plan, 'simplejson').requirements.run, ['python >=3.11,<3.12.0a0', 'python_abi 3.11.* *_cp311']);
  assert.ok(warningsOf(plan, 'simplejson').some((m) => m.startsWith('recipe.yaml is written in meta.yaml (v0) syntax')), JSON.stringify(warningsOf(plan, 'simplejson')));
});

agg('cffi: imported/included templates with selectors, a win-only zip group, {% set %} in {% if %}, is defined', ({ plan }) => {
  const o = output(plan, 'cffi');
  assert.equal(o.requirements.host, ['python 3.11.*', 'pip', 'setuptools', 'wheel', 'libffi 3.4']);
  assert.equal(o.requirements.run, ['python >=3.11,<3.12.0a0', 'pycparser >=2.21', 'libffi >=3.4', 'python_abi 3.11.* *_cp311']);
  assert.equal(o.test.commands, ['echo "test_c.py manylinux"']);
});

agg('msgpack-python: load_file_data(pyproject.toml).get(...) chains, environ[...] slices, PKG_BUILDNUM', ({ plan }) => {
  const o = output(plan, 'msgpack-python');
  assert.is(o.version, '1.0.8');
  assert.is(o.build, 'py311_2');
  assert.equal(o.requirements.host, ['python >=3.8', 'pip', 'setuptools >= 35.0.2', 'wheel']);
  assert.equal(o.test.commands, ['echo release']);
});

agg.run();
