import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allowedEnvironment, isAllowedVariable, scriptEnvironment } from './environment.ts';
import { clearSecrets } from './redactor.ts';
import { env } from './secret.ts';

const host = { CI_JOB: '7', CI_TOKEN: 'ci-token-value', MY_TOKEN: 'my-token-value', FEATURE: 'on', HOME: '/home/u' };

const e = suite('environment allow-list');
e.before.each(() => clearSecrets());
e.after(() => clearSecrets());

e('nothing passes by default', () => {
  assert.equal(allowedEnvironment({ allow: [], secrets: [] }, host), {});
  assert.equal(scriptEnvironment(['FEATURE'], { allow: [], secrets: [] }, host), { env: {}, refused: ['FEATURE'] });
});

e('allowed names and prefixes pass; a prefix never lets a secret through', () => {
  const policy = { allow: ['CI_*', 'FEATURE'], secrets: ['CI_TOKEN'] };
  assert.equal(allowedEnvironment(policy, host), { CI_JOB: '7', FEATURE: 'on' });
  assert.not.ok(isAllowedVariable('CI_TOKEN', policy));
  assert.ok(isAllowedVariable('CI_TOKEN', { ...policy, allow: [...policy.allow, 'CI_TOKEN'] }));
});

e('an env() handle makes its variable a secret', () => {
  env('MY_TOKEN');
  assert.not.ok(isAllowedVariable('MY_TOKEN', { allow: ['MY_*'], secrets: [] }));
  assert.ok(isAllowedVariable('MY_TOKEN', { allow: ['MY_TOKEN'], secrets: [] }));
});

e('script_env :: only what the recipe lists and the config allows; NAME=value entries are the recipe\'s own', () => {
  const policy = { allow: ['FEATURE', 'CI_*'], secrets: ['CI_TOKEN'] };
  const got = scriptEnvironment(['FEATURE', 'CI_TOKEN', 'MY_TOKEN', 'OTHER', 'MODE=fast'], policy, host);
  assert.equal(got.env, { FEATURE: 'on', MODE: 'fast' });
  assert.equal(got.refused, ['CI_TOKEN', 'MY_TOKEN', 'OTHER']);
});

e.run();
