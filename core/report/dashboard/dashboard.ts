// dashboard.html: one self-contained page made from the report object (report.json, ../types.ts): the
// report as JSON, the page script (page/client.js), its styles and the uPlot chart library, all
// inlined — no network, works from file://, and the same report gives the same bytes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../conda/atomic-write.ts';
import type { Report } from '../types.ts';
import { pythonsLabel } from '../../config/pythons.ts';

export const DASHBOARD_FILE = 'dashboard.html';

export interface DashboardOptions {
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

/** The page for `report` (the report.json object, core/report/types.ts), as one HTML string. */
export function renderDashboard(report: Report, options: DashboardOptions = {}): string {
  const a = loadAssets();
  const title = `rebuild dashboard — python ${pythonsLabel(report.config.python)}`;
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
<script type="application/json" id="report-data">${scriptJson(report)}</script>
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
export async function writeDashboard(dir: string, report: Report, options: DashboardOptions = {}): Promise<string> {
  const path = join(dir, DASHBOARD_FILE);
  await writeFileAtomic(path, renderDashboard(report, options));
  return path;
}
