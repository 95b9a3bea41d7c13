import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRecipeYaml, RecipeYamlError } from './yaml.ts';

const yaml = suite('parseRecipeYaml');

yaml('keeps the text of unquoted numbers :: 3.10 is not 3.1', () => {
  assert.equal(parseRecipeYaml('python:\n  - 3.10\n  - 3.9\nnumber: 0\nskip: true\nx: null\n', 'cbc.yaml'), {
    python: ['3.10', '3.9'],
    number: '0',
    skip: true,
    x: null,
  });
});

yaml('reports the file and line of a syntax error', () => {
  try {
    parseRecipeYaml('package:\n  name: a\n   version: 1\n', '/agg/a/recipe/meta.yaml');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeYamlError);
    assert.match((err as Error).message, /^\/agg\/a\/recipe\/meta\.yaml:2:\d+: invalid YAML: /);
  }
});

yaml.run();
