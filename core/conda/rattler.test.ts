import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { parseVersion, versionMatches } from './match-spec.ts';
import { simpleSolve, Version } from './rattler.ts';

const rattler = suite('rattler bindings');

rattler('match specs use the CommonJS build (its ES module build inlines the wasm: ~2.5x the load time)', () => {
  const cjs = createRequire(import.meta.url)('@conda-org/rattler') as typeof import('@conda-org/rattler');
  assert.is(Version, cjs.Version);
  assert.is(simpleSolve, cjs.simpleSolve);
  assert.instance(parseVersion('1.26.4'), cjs.Version);
  assert.ok(versionMatches('>=1.26,<2.0a0', '1.26.4'));
  assert.not.ok(versionMatches('3.11.*', '3.12.1'));
});

rattler.run();
