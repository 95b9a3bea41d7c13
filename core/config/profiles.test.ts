import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { profileChain } from './profiles.ts';
import { formatIssue } from './errors.ts';

const chain = suite('profileChain');

chain('lists the extends chain base-most first', () => {
  const profiles = { smoke: {}, release: { extends: 'smoke' }, hotfix: { extends: 'release' } };
  assert.equal(profileChain(profiles, 'hotfix', 'rebuild.config.ts'), { chain: ['smoke', 'release', 'hotfix'], issues: [] });
  assert.equal(profileChain(profiles, 'smoke', 'rebuild.config.ts').chain, ['smoke']);
});

chain('a cycle is an error naming the whole loop, on the profile that closes it', () => {
  const profiles = { a: { extends: 'b' }, b: { extends: 'c' }, c: { extends: 'a' } };
  const { chain: c, issues } = profileChain(profiles, 'a', 'rebuild.config.ts');
  assert.equal(c, []);
  assert.equal(issues.map(formatIssue), ['rebuild.config.ts (profile c): /extends: extends cycle: a → b → c → a']);
});

chain('a profile extending itself is a cycle', () => {
  const { issues } = profileChain({ x: { extends: 'x' } }, 'x', 'rebuild.config.ts');
  assert.equal(issues.map(formatIssue), ['rebuild.config.ts (profile x): /extends: extends cycle: x → x']);
});

chain('a cycle further up the chain names its own loop', () => {
  const { issues } = profileChain({ top: { extends: 'a' }, a: { extends: 'b' }, b: { extends: 'a' } }, 'top', 'c.yaml');
  assert.equal(issues.map(formatIssue), ['c.yaml (profile b): /extends: extends cycle: a → b → a']);
});

chain('unknown selected profile :: known list and did-you-mean', () => {
  const { issues } = profileChain({ smoke: {}, release: {} }, 'relase', 'rebuild.config.ts');
  assert.equal(issues.map(formatIssue), ["rebuild.config.ts: unknown profile 'relase'; known: smoke, release (did you mean 'release'?)"]);
});

chain('unknown extends target :: named on the profile that extends it', () => {
  const { issues } = profileChain({ smoke: {}, release: { extends: 'smok' } }, 'release', 'rebuild.config.ts');
  assert.equal(issues.map(formatIssue), [
    "rebuild.config.ts (profile release): /extends: unknown profile 'smok'; known: smoke, release (did you mean 'smoke'?)",
  ]);
});

chain('no close match :: only the known list', () => {
  const { issues } = profileChain({ smoke: {} }, 'production', null);
  assert.equal(issues.map(formatIssue), ["unknown profile 'production'; known: smoke"]);
});

chain.run();
