// `rebuild status [--arch A] [--json]`: the tally per arch and status, totals, failures and the
// last run, from the work dir's state database (read-only: works while a run is in progress).
import { resolve } from 'node:path';
import type { GlobalOptions } from '../options.ts';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { loadResolvedConfig } from '../context.ts';
import { StateDb, StateNotFoundError } from '../../state/state-db.ts';
import { lockHolder } from '../../state/lock.ts';
import { formatStatusReport, statusReport } from '../../state/status-report.ts';
import { classifyFailure, compileRules } from '../../report/classify.ts';
import { ConfigError } from '../../config/errors.ts';
import { didYouMean } from '../../config/did-you-mean.ts';
import { SUBDIRS } from '../../config/schema.ts';
import type { ResolvedConfig } from '../../config/resolved.ts';

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

/** `status --workers`: the workers connected to the queue (core/queue/workers.ts). */
async function workersStatus(opts: GlobalOptions & { queue?: string }, io: { write(text: string): void }, cwd: string): Promise<number> {
  const { queueSettings, connect, describeQueueUrl } = await import('../../queue/connection.ts');
  const { listWorkers, formatWorkers } = await import('../../queue/workers.ts');
  const settings = queueSettings(await loadResolvedConfig(opts, cwd), opts.queue);
  if (!settings) throw new UserError('status --workers: no queue: give --queue redis://HOST:PORT[/DB] or set queue.url in the config', EXIT.USAGE);
  const redis = connect(settings.url, { maxRetriesPerRequest: 1 });
  try {
    const workers = (await listWorkers(redis, settings.prefix)).filter((w) => !opts.arch?.length || opts.arch.includes(w.arch));
    io.write(opts.json ? JSON.stringify(workers, null, 2) + '\n' : formatWorkers(workers, describeQueueUrl(settings.url)));
    return 0;
  } finally {
    redis.disconnect();
  }
}

/** The config when there is one: --work-dir alone needs none (the default failure classes are used then). */
async function configIfAny(opts: GlobalOptions, cwd: string): Promise<ResolvedConfig | null> {
  try {
    return await loadResolvedConfig(opts, cwd);
  } catch (err) {
    // No (valid) config: --work-dir is enough. A bad flag (--arch) is still the user's to fix.
    if (opts.workDir && err instanceof ConfigError && err.exitCode !== EXIT.USAGE) {
      for (const a of opts.arch ?? []) {
        if (!SUBDIRS.includes(a)) throw new UserError(`--arch: '${a}' is not a known subdir${didYouMean(a, SUBDIRS) || `; known: ${SUBDIRS.join(', ')}`}`, EXIT.USAGE);
      }
      return null;
    }
    throw err;
  }
}

export async function statusCommand(_args: string[], opts: GlobalOptions & { workers?: boolean; queue?: string }, io: { write(text: string): void } = { write: (t) => void process.stdout.write(t) }, cwd = process.cwd()): Promise<number> {
  if (opts.workers) return workersStatus(opts, io, cwd);
  const config = await configIfAny(opts, cwd);
  const workDir = config?.workDir ?? resolve(cwd, opts.workDir!);
  const db = openState(workDir);
  try {
    const report = statusReport(db, workDir, { arches: opts.arch, holder: lockHolder(workDir) });
    // Each failure with its class (the report's rules over its log): what broke, at a glance.
    const rules = compileRules(config?.report.classes ?? [], config?.configFile ?? null);
    for (const f of report.failed) {
      if (!f.failure) continue;
      const c = classifyFailure(f.logFile, { stage: f.stage, failure: f.failure, reason: f.reason }, rules);
      f.class = c.class;
      f.classLine = c.line;
    }
    io.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatStatusReport(report));
    return 0;
  } finally {
    db.close();
  }
}
