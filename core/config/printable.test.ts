import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { printableConfig, scrubSecrets } from './printable.ts';
import { resolveConfig } from './resolve.ts';
import { env } from './secret.ts';
import { clearSecrets } from './redactor.ts';

const VAR = 'REBUILD_PRINTABLE_TEST_TOKEN';
const VALUE = 'xyzzy-secret-4711';

function config() {
  const circular: Record<string, unknown> = { level: 1 };
  circular.self = circular;
  const plugins = [
    { name: 'a:with-options', options: { token: env(VAR), nested: [{ t: env(VAR) }], hook: () => 1, circular, when: new Date(0) }, apply() {} },
    { name: 'b:plain', secretField: env(VAR), apply() {} },
  ];
  return resolveConfig({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: 'agg', plugins }, { configFile: null, rootDir: '/r' });
}

const p = suite('printableConfig');

p.before(() => {
  process.env[VAR] = VALUE;
});
p.after(() => {
  delete process.env[VAR];
});

p('plugins by name, with options when exposed; secrets redacted, functions and cycles named', () => {
  const { data, secrets } = printableConfig(config());
  assert.equal(data.plugins, [
    {
      name: 'a:with-options',
      options: {
        token: `[redacted] (env ${VAR})`,
        nested: [{ t: `[redacted] (env ${VAR})` }],
        hook: '[function]',
        circular: { level: 1, self: '[circular]' },
        when: '1970-01-01T00:00:00.000Z',
      },
    },
    { name: 'b:plain' },
  ]);
  assert.equal(secrets, [VAR]);
  assert.is(data.rootDir, '/r');
  const text = JSON.stringify(data);
  assert.not.ok(text.includes(VALUE));
});

p('the secret handle itself never shows its value (JSON, string, inspect)', () => {
  const s = env(VAR);
  assert.is(s.reveal(), VALUE);
  for (const shown of [JSON.stringify({ s }), String(s), `${s}`, inspect({ s })]) assert.not.ok(shown.includes(VALUE), shown);
});

p('scrubSecrets :: replaces a leaked value of a referenced variable', () => {
  clearSecrets();
  assert.is(scrubSecrets(`a ${VALUE}`, ['OTHER_UNSET_VAR']), `a ${VALUE}`);
  assert.is(scrubSecrets(`a ${VALUE} b ${VALUE}`, [VAR]), 'a [redacted] b [redacted]');
});

p.run();
