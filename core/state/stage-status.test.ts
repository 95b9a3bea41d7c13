import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBuildFailure, isBuiltStatus, stagedText } from './stage-status.ts';

const staged = suite('stage status');

staged('built: done statuses, and every status of a stage after the build; not: the build\'s own or a plan status', () => {
  const built = (status: any, stage?: string | null) => isBuiltStatus({ status, stage, reason: null });
  assert.equal(['built', 'tested', 'transmuted', 'published'].map((s) => built(s)), [true, true, true, true]);
  // A package whose test failed, waits for a test retry, is being tested or is blocked at its test was built.
  assert.equal([built('failed', 'test'), built('waiting', 'test'), built('testing', 'test'), built('blocked', 'test'), built('interrupted', 'transmute')], [true, true, true, true, true]);
  assert.equal([built('failed', 'build'), built('failed'), built('building', 'build'), built('waiting', 'build'), built('planned', 'test'), built('skipped', 'test')], [false, false, false, false, false, false]);
  assert.ok(isBuildFailure({ status: 'failed', stage: 'build', reason: null }));
  assert.ok(isBuildFailure({ status: 'failed', reason: null }));
  assert.not.ok(isBuildFailure({ status: 'failed', stage: 'test', reason: null }));
});

staged('one line: "built, test failed (test): <first error>"; the stage prefix of the reason is not said twice', () => {
  assert.is(stagedText({ status: 'failed', stage: 'test', failure: 'test', reason: 'test failed: imports: six: ImportError: x' }), 'built, test failed (test): imports: six: ImportError: x');
  assert.is(stagedText({ status: 'failed', stage: 'publish', failure: 'publish', reason: 'publish failed: 403 Forbidden' }), 'built, publish failed (publish): 403 Forbidden');
  assert.is(stagedText({ status: 'blocked', stage: 'test', reason: 'test blocked by pytest (failed)' }), 'built, test blocked by pytest (failed)');
  assert.is(stagedText({ status: 'waiting', stage: 'test', reason: null }), 'built, test to run');
  assert.is(stagedText({ status: 'failed', stage: 'build', failure: 'build', reason: 'exit code 1' }), 'failed (build): exit code 1');
});

staged.run();
