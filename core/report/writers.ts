// The report's files: one small writer per format, in one table. `rebuild report --format X` and
// the end of every run write through it; a format is added by adding a row (the dashboard adds
// `html`). Each file is written atomically (temp name + rename): a reader never sees half a report.
import { mkdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../conda/atomic-write.ts';
import type { Report } from './types.ts';
import { formatMarkdown } from './format-md.ts';
import { formatJunit } from './format-junit.ts';
import { DASHBOARD_FILE, renderDashboard } from './dashboard/dashboard.ts';

/** The default output folder: `<workDir>/report`. */
export function reportDir(workDir: string): string {
  return join(workDir, 'report');
}

export interface ReportWriterContext {
  /** The folder the files go to. */
  outDir: string;
  /** The work dir (log paths in the report are relative to it). */
  workDir: string;
}

export interface ReportWriter {
  /** File name inside the output folder. */
  file: string;
  /** The file's content for this report. */
  render(report: Report, ctx: ReportWriterContext): string | Buffer | Promise<string | Buffer>;
}

/** Log paths in the report are relative to the work dir: this makes them relative to the output folder. */
export function logPrefix(ctx: ReportWriterContext): string {
  const rel = relative(ctx.outDir, ctx.workDir).split(sep).join('/');
  return rel ? `${rel}/` : '';
}

export const REPORT_WRITERS: Record<string, ReportWriter> = {
  md: { file: 'report.md', render: (r, ctx) => formatMarkdown(r, { logPrefix: logPrefix(ctx) }) },
  json: { file: 'report.json', render: (r) => JSON.stringify(r, null, 2) + '\n' },
  junit: { file: 'report.junit.xml', render: (r) => formatJunit(r) },
  html: { file: DASHBOARD_FILE, render: (r, ctx) => renderDashboard(r, { logBase: logPrefix(ctx) }) },
};

/** Formats written when none is asked for: all of them. */
export function reportFormats(): string[] {
  return Object.keys(REPORT_WRITERS);
}

/** Write `formats` (default all) into `ctx.outDir`; returns the paths written, in format order. */
export async function writeReport(report: Report, ctx: ReportWriterContext, formats: readonly string[] = reportFormats()): Promise<string[]> {
  await mkdir(ctx.outDir, { recursive: true });
  const written: string[] = [];
  for (const format of formats) {
    const writer = REPORT_WRITERS[format];
    if (!writer) throw new TypeError(`unknown report format ${format}`);
    const path = join(ctx.outDir, writer.file);
    await writeFileAtomic(path, await writer.render(report, ctx));
    written.push(path);
  }
  return written;
}
