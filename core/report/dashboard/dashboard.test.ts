import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardData, renderDashboard, writeDashboard } from './dashboard.ts';
import { fixtureReport } from './fixture-report.ts';

const render = suite('renderDashboard');

render('same report, same bytes; another report, other bytes', () => {
  const a = renderDashboard(fixtureReport());
  assert.is(renderDashboard(fixtureReport()), a);
  const r = fixtureReport();
  r.targets[0].packages.find((p) => p.name === 'numpy')!.status = 'failed';
  assert.is.not(renderDashboard(r), a);
});

render('self-contained: uPlot, styles and script inline, nothing fetched from elsewhere', () => {
  const html = renderDashboard(fixtureReport());
  assert.match(html, /var uPlot=function\(\)/);
  assert.match(html, /\.u-legend/, "uPlot's css");
  assert.match(html, /RebuildDashboard/);
  assert.not.match(html, /<script[^>]+src=/);
  assert.not.match(html, /<link[^>]+rel="stylesheet"/);
  assert.not.match(html, /https?:\/\/(?!github\.com\/leeoniya)/, 'no URL but the library licence comment');
  assert.match(html, /Content-Security-Policy" content="default-src 'none';/);
});

render("a package name or reason with '</script>' stays data", () => {
  const r = fixtureReport();
  r.targets[0].packages[0].reason = '</script><script>alert(1)</script>\u2028';
  const html = renderDashboard(r);
  const json = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1];
  assert.not.match(json, /</);
  assert.is(JSON.parse(json).targets[0].packages[0].reason, '</script><script>alert(1)</script>\u2028');
});

render('options fill in what the report lacks, never override it', () => {
  const r = fixtureReport();
  delete r.history;
  delete r.config!.groups;
  const d = dashboardData(r, { history: [{ time: '2026-12-05T00:00:00Z', built: 1, tested: 0, failed: 0, waiting: 2 }], groups: { g: ['numpy'] }, waitingGoal: 99 });
  assert.is(d.history!.length, 1);
  assert.equal(d.config!.groups, { g: ['numpy'] });
  assert.is(d.config!.waitingGoal, 3, "the report's goal wins");
  assert.ok(r.config!.groups === undefined, 'the report is not changed');
});

render('writeDashboard writes dashboard.html', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  try {
    const path = await writeDashboard(dir, fixtureReport(), { pollMs: 1000 });
    assert.is(path, join(dir, 'dashboard.html'));
    assert.match(readFileSync(path, 'utf8'), /data-poll-ms="1000"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

render.run();
