// `rebuild report [--format F ...] [--out DIR] [--json] [--failures]`: the report of the work dir's
// state database (core/report) — report.md, report.json, report.junit.xml (every format of
// REPORT_WRITERS unless --format says which) into <workDir>/report/ or --out. Read-only: works
// while a run is in progress (the report says so). --json prints report.json's object instead of
// writing files; --failures prints the failures grouped by class. --screenshot saves dashboard.png
// next to dashboard.html when a Chromium is found; --serve [--port N] serves the report on loopback,
// rewritten from the state database while a run changes it (core/report/dashboard). --installability
// writes the installability matrix instead (core/installability): installability.junit.xml and .html.
import { resolve } from 'node:path';
import type { GlobalOptions } from '../options.ts';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import type { ResolvedConfig } from '../../config/resolved.ts';
import { loadResolvedConfig } from '../context.ts';
import { lockHolder } from '../../state/lock.ts';
import { collectReport } from '../../report/collect.ts';
import { readReference } from '../../report/reference.ts';
import { formatFailures } from '../../report/format-md.ts';
import { REPORT_WRITERS, reportDir, reportFormats, writeReport } from '../../report/writers.ts';
import type { Report } from '../../report/types.ts';
import { openState } from './status.ts';
import { DASHBOARD_FILE } from '../../report/dashboard/dashboard.ts';
import { parsePort, screenshotReport, serveCommand, stateSignature } from '../../report/dashboard/cli.ts';
import { installabilityCommand } from '../../installability/command.ts';

export interface ReportCommandOptions extends GlobalOptions {
  format?: string[];
  out?: string;
  failures?: boolean;
  screenshot?: boolean;
  serve?: boolean;
  port?: string;
  installability?: boolean;
}

/** `signal` stops --serve (default: SIGINT or SIGTERM). */
type Io = { write(text: string): void; signal?: AbortSignal };

/** The report of a config's work dir, from its state database (and its reference channel). */
export async function loadReport(config: ResolvedConfig, arches?: readonly string[]): Promise<Report> {
  const { reference, error } = await readReference(config);
  const db = openState(config.workDir);
  try {
    return collectReport(db, config, { running: lockHolder(config.workDir) !== null, reference, arches, ...(error ? { referenceError: error } : {}) });
  } finally {
    db.close();
  }
}

/** --format values: each a format of REPORT_WRITERS (a usage error names the unknown one). */
export function checkFormats(formats: readonly string[] | undefined): string[] {
  if (!formats?.length) return reportFormats();
  for (const f of formats)
    if (!REPORT_WRITERS[f]) throw new UserError(`--format: unknown report format '${f}'; known: ${reportFormats().join(', ')}`, EXIT.USAGE);
  return [...new Set(formats)];
}

export async function reportCommand(_args: string[], opts: ReportCommandOptions, io: Io = { write: (t) => void process.stdout.write(t) }, cwd = process.cwd()): Promise<number> {
  let formats = checkFormats(opts.format);
  if (opts.port !== undefined && !opts.serve) throw new UserError('--port goes with --serve', EXIT.USAGE);
  const port = parsePort(opts.port);
  if ((opts.serve || opts.screenshot) && opts.failures) throw new UserError(`--${opts.serve ? 'serve' : 'screenshot'} shows the dashboard; --failures prints the failures: use one`, EXIT.USAGE);
  // The dashboard needs its page, and a served page its report.json.
  if (opts.screenshot || opts.serve) formats = [...new Set([...formats, 'html', ...(opts.serve ? ['json'] : [])])];
  if (opts.installability) {
    const others = (['format', 'failures', 'serve', 'screenshot'] as const).filter((k) => opts[k] !== undefined && opts[k] !== false);
    if (others.length) throw new UserError(`--installability writes the installability matrix only: it does not go with --${others[0]}`, EXIT.USAGE);
    return installabilityCommand(await loadResolvedConfig(opts, cwd), { out: opts.out ? resolve(cwd, opts.out) : undefined, json: opts.json }, io);
  }
  const config = await loadResolvedConfig(opts, cwd);
  // Before the database is read: a run's commit after the read is then refreshed by the first poll.
  const since = opts.serve ? stateSignature(config.workDir) : undefined;
  const report = await loadReport(config, opts.arch);
  if (opts.failures) {
    io.write(opts.json ? JSON.stringify(report.failures, null, 2) + '\n' : formatFailures(report));
    return EXIT.OK;
  }
  if (opts.json && !opts.format?.length && !opts.out && !opts.serve && !opts.screenshot) {
    io.write(JSON.stringify(report, null, 2) + '\n');
    return EXIT.OK;
  }
  const outDir = opts.out ? resolve(cwd, opts.out) : reportDir(config.workDir);
  const written = await writeReport(report, { outDir, workDir: config.workDir }, formats).catch((err: NodeJS.ErrnoException) => {
    // A folder the user named that cannot be made or written: theirs to change, not a bug.
    if (opts.out && typeof err?.code === 'string' && ['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOSPC'].includes(err.code)) {
      throw new UserError(`--out ${outDir}: cannot write the report there (${err.code}: ${err.message}); give a folder you can write to`, EXIT.USAGE);
    }
    throw err;
  });
  io.write(opts.json ? JSON.stringify({ written }, null, 2) + '\n' : written.map((p) => `${p}\n`).join(''));
  if (opts.screenshot) await screenshotReport(resolve(outDir, DASHBOARD_FILE), io);
  if (opts.serve) {
    const ctx = { outDir, workDir: config.workDir };
    return serveCommand({ workDir: config.workDir, outDir, port, io, signal: io.signal, since, rewrite: async () => void (await writeReport(await loadReport(config, opts.arch), ctx, formats)) });
  }
  return EXIT.OK;
}
