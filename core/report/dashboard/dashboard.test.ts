import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { renderDashboard, writeDashboard } from './dashboard.ts';
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
  const code = html.replace(/<script type="application\/json" id="report-data">.*?<\/script>/s, '');
  assert.not.match(code, /https?:\/\/(?!github\.com\/leeoniya)/, "no URL outside the report's data but uPlot's licence comment");
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

render("the tests' report is a report: valid against schema/report.schema.json", () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../../schema/report.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  assert.ok(validate(fixtureReport()), JSON.stringify(validate.errors, null, 1));
});

render('log links: the page carries the work dir relative to itself', () => {
  assert.match(renderDashboard(fixtureReport()), /data-log-base="\.\.\/"/);
  assert.match(renderDashboard(fixtureReport(), { logBase: '../../work/' }), /data-log-base="\.\.\/\.\.\/work\/"/);
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
