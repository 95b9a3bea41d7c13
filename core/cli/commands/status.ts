// `rebuild status [--arch A] [--json]`: the tally per arch and status, totals, failures and the
// last run, from the work dir's state database (read-only: works while a run is in progress).
import { resolve } from 'node:path';
import type { GlobalOptions } from '../options.ts';
import { UserError } from '../../model/errors.ts';
import { loadResolvedConfig } from '../context.ts';
import { StateDb, StateNotFoundError } from '../../state/state-db.ts';
import { lockHolder } from '../../state/lock.ts';
import { formatStatusReport, statusReport } from '../../state/status-report.ts';

/** The work dir: --work-dir alone needs no config file; else the resolved config's. */
export async function workDirOf(opts: GlobalOptions, cwd = process.cwd()): Promise<string> {
  if (opts.workDir) return resolve(cwd, opts.workDir);
  return (await loadResolvedConfig(opts, cwd)).workDir;
}

export function openState(workDir: string): StateDb {
  try {
    return StateDb.open(workDir, { readonly: true });
  } catch (err) {
    if (err instanceof StateNotFoundError) throw new UserError(err.message);
    throw err;
  }
}

export async function statusCommand(_args: string[], opts: GlobalOptions, io: { write(text: string): void } = { write: (t) => void process.stdout.write(t) }): Promise<number> {
  const workDir = await workDirOf(opts);
  const db = openState(workDir);
  try {
    const report = statusReport(db, workDir, { arches: opts.arch, holder: lockHolder(workDir) });
    io.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatStatusReport(report));
    return 0;
  } finally {
    db.close();
  }
}
