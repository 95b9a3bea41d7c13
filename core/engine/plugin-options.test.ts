import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginOptionsError, validatePluginOptions } from '../index.ts';
import { sharedAjv } from '../config/ajv.ts';
import { validateAgainstSchema } from '../config/validate-schema.ts';

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

v('one Ajv instance for the process: the config schema and plugin schemas, a schema with an $id seen twice', () => {
  // Plugin options share the config's Ajv instance (core/config/ajv.ts): both still validate.
  assert.equal(validateAgainstSchema({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: '.' }, 'resolved'), []);
  assert.is(sharedAjv(), sharedAjv());
  // The same plugin's schema as a second module instance of the plugin makes it (a config's imports):
  // an equal object under the same $id is reused; a different schema under that $id is still refused.
  const withId = () => ({ $id: 'https://example.org/plugin-options.json', type: 'object', additionalProperties: false, properties: { n: { type: 'integer' } } });
  assert.equal(validatePluginOptions('test:id', withId(), { n: 1 }), { n: 1 });
  assert.equal(validatePluginOptions('test:id', withId(), { n: 2 }), { n: 2 });
  assert.throws(() => validatePluginOptions('test:id', withId(), { n: 'x' }), (e: unknown) => e instanceof PluginOptionsError && e.problems[0] === 'options.n must be integer');
  assert.throws(() => validatePluginOptions('test:id', { ...withId(), properties: {} }, {}), /already exists/);
});

v.run();
