import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { undefinedNames } from './undefined-name.ts';

const names = suite('undefinedNames');
const known = (...k: string[]) => (n: string) => k.includes(n);

names('the root names a line prints that nothing defines', () => {
  assert.equal(undefinedNames('  version: {{ version }}', '', known()), ['version']);
  assert.equal(undefinedNames('  - {{ a ~ b }} {{ c }}', '', known('b')), ['a', 'c']);
});

names('not attributes, filters, tests, calls, keyword arguments, keywords or strings', () => {
  const line = "  - {{ data.version | lower }} {{ x is defined }} {{ f(k=1) }} {{ 'lit' if true else none }}";
  assert.equal(undefinedNames(line, '', known('data', 'x')), []);
});

names('names the template binds: set, for, macro and its arguments, import as, from-import', () => {
  const template = [
    "{% set a, b = 1, 2 %}",
    "{% for item in items %}{% endfor %}",
    "{% macro dep(name, version='1') %}{{ name }}{% endmacro %}",
    "{% import 'v.jinja' as v %}",
    "{% from 'v.jinja' import upstream, pin as p %}",
  ].join('\n');
  assert.equal(undefinedNames('{{ a }}{{ b }}{{ item }}{{ name }}{{ version }}{{ v.x }}{{ upstream }}{{ p }}{{ dep(1) }}{{ other }}', template, known('items')), ['other']);
});

names.run();
