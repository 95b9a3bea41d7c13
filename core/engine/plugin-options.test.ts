import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginOptionsError, validatePluginOptions } from '../index.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { description: 'a name', type: 'string', minLength: 1 },
    level: { description: 'a level', enum: ['low', 'high'] },
    args: { description: 'arguments', type: 'array', items: { type: 'string' } },
  },
} as const;

const v = suite('validatePluginOptions');

v('returns the options when they match the schema', () => {
  const options = { name: 'x', level: 'low' };
  assert.is(validatePluginOptions<typeof options>('test:plugin', schema, options), options);
});

v('throws PluginOptionsError naming the plugin and every problem, with option paths', () => {
  try {
    validatePluginOptions('test:plugin', schema, { level: 'mid', args: ['a', 2], nope: 1 });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, PluginOptionsError);
    const e = err as PluginOptionsError;
    assert.is(e.name, 'PluginOptionsError');
    assert.is(e.plugin, 'test:plugin');
    assert.equal(e.problems, [
      "options must have required property 'name'",
      "options: unknown option 'nope'",
      'options.level must be one of "low", "high"',
      'options.args[1] must be string',
    ]);
    assert.is(e.message, `invalid options for test:plugin:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
});

v.run();
