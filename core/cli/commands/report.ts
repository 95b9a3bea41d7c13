// `rebuild report [--format F ...] [--out DIR] [--json] [--failures]`: the report of the work dir's
// state database (core/report) — report.md, report.json, report.junit.xml (every format of
// REPORT_WRITERS unless --format says which) into <workDir>/report/ or --out. Read-only: works
// while a run is in progress (the report says so). --json prints report.json's object instead of
// writing files; --failures prints the failures grouped by class.
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

export interface ReportCommandOptions extends GlobalOptions {
  format?: string[];
  out?: string;
  failures?: boolean;
}

type Io = { write(text: string): void };

/** The report of a config's work dir, from its state database (and its reference channel). */
export async function loadReport(config: ResolvedConfig): Promise<Report> {
  const { reference, error } = await readReference(config);
  const db = openState(config.workDir);
  try {
    return collectReport(db, config, { running: lockHolder(config.workDir) !== null, reference, ...(error ? { referenceError: error } : {}) });
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
  const formats = checkFormats(opts.format);
  const config = await loadResolvedConfig(opts, cwd);
  const report = await loadReport(config);
  if (opts.failures) {
    io.write(opts.json ? JSON.stringify(report.failures, null, 2) + '\n' : formatFailures(report));
    return EXIT.OK;
  }
  if (opts.json && !opts.format?.length && !opts.out) {
    io.write(JSON.stringify(report, null, 2) + '\n');
    return EXIT.OK;
  }
  const outDir = opts.out ? resolve(cwd, opts.out) : reportDir(config.workDir);
  const written = await writeReport(report, { outDir, workDir: config.workDir }, formats);
  io.write(opts.json ? JSON.stringify({ written }, null, 2) + '\n' : written.map((p) => `${p}\n`).join(''));
  return EXIT.OK;
}
