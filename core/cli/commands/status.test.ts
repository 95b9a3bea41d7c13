import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../engine/exit-codes.ts';
import { UserError } from '../../model/errors.ts';
import { StateDb } from '../../state/state-db.ts';
import { statusCommand } from './status.ts';

const s = suite('rebuild status: errors a user can cause');

/** A work dir with an (empty) state database, and no config file in reach (a temp dir's cwd). */
function workDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-status-'));
  StateDb.open(join(dir, 'work')).close();
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const run = (opts: Parameters<typeof statusCommand>[1], cwd: string) => statusCommand([], opts, { write: () => {} }, cwd);

async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, UserError);
    return err as UserError;
  }
  assert.unreachable('expected a UserError');
  throw new Error('unreachable');
}

s('--work-dir with an unknown --arch is a usage error (not "no packages recorded yet", exit 0)', async () => {
  const w = workDir();
  try {
    const err = await userError(run({ workDir: join(w.dir, 'work'), arch: ['bogus'] }, w.dir));
    assert.is(err.exitCode, EXIT.USAGE);
    assert.match(err.message, /--arch: 'bogus' is not a known subdir/);
  } finally {
    w.cleanup();
  }
});

s('a work dir where nothing ran: says so, exit 1 (README: `status`/`logs` with no state yet)', async () => {
  const w = workDir();
  try {
    const err = await userError(run({ workDir: join(w.dir, 'nothing-here') }, w.dir));
    assert.is(err.exitCode, EXIT.FAILURES);
    assert.match(err.message, /^no state database at .*nothing-here.state\.db: nothing has run in this work dir yet \(rebuild run\)$/);
  } finally {
    w.cleanup();
  }
});

s.run();
