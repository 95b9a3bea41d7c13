// dashboard.html: one self-contained page made from the report object (report.json's shape): the
// report as JSON, the page script (page/client.js), its styles and the uPlot chart library, all
// inlined — no network, works from file://, and the same report gives the same bytes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../conda/atomic-write.ts';
import type { ProgressPoint } from './history.ts';

export const DASHBOARD_FILE = 'dashboard.html';

/**
 * What the dashboard reads of the report (report.json, schema/report.schema.json); other fields are
 * carried along unread. Kept structural so the page follows the report's shape, not a copy of its type.
 */
export interface DashboardReport {
  generated?: string | null;
  config?: { python?: unknown; arches?: string[]; waitingGoal?: number | null; groups?: Record<string, string[]>; [k: string]: unknown };
  /** True while a run holds the work dir. */
  running?: boolean;
  targets: {
    subdir: string;
    python?: string;
    counts?: Record<string, number>;
    packages: {
      name: string; feedstock?: string; version?: string | null; status: string; stage?: string | null; reason?: string | null;
      class?: string | null; blockedBy?: string[] | string | null;
      /** Relative to the work dir (logs/<subdir>/<name>.log). */
      log?: string | null; durationMs?: number | null;
    }[];
  }[];
  missing?: { name: string; subdir?: string; version?: string; status?: string; reason?: string | null }[] | null;
  /** Per package and arch, how many packages it blocks (root cause); computed from the rows' blockedBy when absent. */
  blockers?: { name: string; subdir: string; status: string; blocks: number }[];
  /** config.groups resolved to rows; matched by name in the rows when absent. */
  groups?: { name: string; packages: { name: string; subdir: string; status: string }[] }[];
  history?: ProgressPoint[];
}

export interface DashboardOptions {
  /** Filled in when the report has none: progress points (progressHistory), the gate and the groups of the config's `report`. */
  history?: ProgressPoint[];
  waitingGoal?: number;
  groups?: Record<string, string[]>;
  /** How often a served page polls report.json (ms, default 5000). */
  pollMs?: number;
  /** The work dir as a path relative to the page's folder, ending in '/' (logPrefix, ../writers.ts): log links are `<logBase><log>` (default '../', the page in <workDir>/report). */
  logBase?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
let assets: { script: string; style: string; uplot: string; uplotCss: string; uplotVersion: string } | undefined;

function loadAssets() {
  if (assets) return assets;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('uplot/package.json');
  const root = dirname(pkg);
  const uplot = readFileSync(join(root, 'dist/uPlot.iife.min.js'), 'utf8');
  const script = readFileSync(join(here, 'page/client.js'), 'utf8');
  for (const [name, code] of [['uPlot', uplot], ['page/client.js', script]] as const) {
    // Inlined code must not close its <script> element early.
    if (/<\/script|<!--/i.test(code)) throw new Error(`dashboard: ${name} contains '</script' or '<!--' and cannot be inlined`);
  }
  assets = {
    script,
    style: readFileSync(join(here, 'page/style.css'), 'utf8'),
    uplot,
    uplotCss: readFileSync(join(root, 'dist/uPlot.min.css'), 'utf8'),
    uplotVersion: (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version,
  };
  return assets;
}

/** JSON safe inside <script type="application/json">: no '<' (so no '</script>'), no JS line separators. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The report with what the page also needs (history, gate, groups) filled in from `options` where it has none. */
export function dashboardData(report: DashboardReport, options: DashboardOptions = {}): DashboardReport {
  const config = { ...(report.config ?? {}) };
  if (config.waitingGoal == null && options.waitingGoal !== undefined) config.waitingGoal = options.waitingGoal;
  if (config.groups === undefined && options.groups !== undefined) config.groups = options.groups;
  return { ...report, config, history: report.history ?? options.history ?? [] };
}

export function renderDashboard(report: DashboardReport, options: DashboardOptions = {}): string {
  const a = loadAssets();
  const data = dashboardData(report, options);
  const py = data.config?.python;
  const title = `rebuild dashboard${typeof py === 'string' ? ` — python ${py}` : py && typeof py === 'object' && 'to' in py ? ` — python ${String((py as { to: unknown }).to)}` : ''}`;
  // The page talks to nothing but its own origin (report.json when served); everything else is inline.
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'";
  return `<!doctype html>
<!-- Written by rebuild (core/report/dashboard). Regenerate with: rebuild report --format html -->
<html lang="en" data-poll-ms="${Math.max(250, Math.floor(options.pollMs ?? 5000))}" data-log-base="${escapeHtml(options.logBase ?? '../')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>
${a.uplotCss}
${a.style}</style>
</head>
<body>
<main id="app"><noscript>This dashboard needs JavaScript; report.md and report.json next to it hold the same data.</noscript></main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>
/* uPlot ${a.uplotVersion}, MIT License, (c) Leon Sorokin */
${a.uplot}
</script>
<script>
${a.script}</script>
</body>
</html>
`;
}

/** Writes `<dir>/dashboard.html` (atomically: a polling reader never sees half a page). */
export async function writeDashboard(dir: string, report: DashboardReport, options: DashboardOptions = {}): Promise<string> {
  const path = join(dir, DASHBOARD_FILE);
  await writeFileAtomic(path, renderDashboard(report, options));
  return path;
}
