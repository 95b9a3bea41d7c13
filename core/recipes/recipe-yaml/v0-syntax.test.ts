// A recipe.yaml in meta.yaml (v0) syntax is detected and rendered as meta.yaml, with a warning
// (issue 10 item 6).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from './fixtures/refs.ts';
import { renderRecipeYaml } from './render.ts';
import { v0Syntax } from './v0-syntax.ts';

const ref = (name: string) => fixture(name);

const detect = suite('v0Syntax');

detect('{% set %}, bare {{ }} and selector comments give a v0 recipe away, with their line', () => {
  assert.equal(v0Syntax('{% set version = "1.0" %}\npackage:\n  name: x\n'), { line: 1, what: '{% set %}' });
  assert.equal(v0Syntax('package:\n  name: x\n  version: {{ version }}\n'), { line: 3, what: '{{ }} without $' });
  assert.equal(v0Syntax('package:\n  name: x\nrequirements:\n  run:\n    - pywin32  # [win]\n'), { line: 5, what: 'a # [selector] comment' });
});

detect('v1 recipes are not: ${{ }}, context:, schema_version:, a `{%` inside a v1 script', () => {
  assert.is(v0Syntax('package:\n  name: x\n  version: ${{ version }}\n'), null);
  assert.is(v0Syntax('context:\n  v: 1\nbuild:\n  script: echo "{% raw %}"\n'), null);
  assert.is(v0Syntax('schema_version: 1\npackage:\n  name: x  # [not a selector]\n'), null);
  assert.is(v0Syntax('package:\n  name: x\n  version: "1.0"  # a comment\n'), null);
  assert.is(v0Syntax('package:\n  name: x\n  version: ${{ v }}\nrequirements:\n  run:\n    - foo  # [optional]\n'), null);
});

detect.run();

const render = suite('renderRecipeYaml: a recipe.yaml in v0 syntax');

render('rendered as meta.yaml (selectors, Jinja, pin_run_as_build), with a warning at the evidence', async () => {
  const linux = await renderRecipeYaml(ref('v0style'), { subdir: 'linux-64', python: '3.12' });
  const o = linux.variants[0].outputs[0];
  assert.is(o.name, 'v0style');
  assert.is(o.version, '4.0.2');
  assert.equal(o.requirements.run, ['python >=3.12,<3.13.0a0']);
  assert.equal(linux.warnings.map((w) => [w.file, w.line]), [[ref('v0style').file, 1]]);
  assert.match(linux.warnings[0].message, 'recipe.yaml is written in meta.yaml (v0) syntax ({% set %}');
  const win = await renderRecipeYaml(ref('v0style'), { subdir: 'win-64', python: '3.12' });
  assert.equal(win.variants[0].outputs[0].requirements.run, ['python >=3.12,<3.13.0a0', 'pywin32']);
});

render.run();
