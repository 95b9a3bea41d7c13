import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../engine/exit-codes.ts';
import { errorExit } from './error-exit.ts';

const s = suite('errorExit');

s('a dependency missing from node_modules says to run npm ci, not "internal error"', async () => {
  // The error Node throws for an import of a package that is not installed.
  const err = await import('a-package-that-is-not-installed-' + 'x').catch((e: unknown) => e);
  const out = errorExit(err, false);
  assert.is(out.code, EXIT.SOFTWARE);
  assert.match(out.text, /^rebuild: package 'a-package-that-is-not-installed-x' is not installed \(imported from \S+\): run `npm ci` in rebuild's folder/);
  assert.not.match(out.text, /internal error/);
});

s.run();
