// The dashboard of a real run: the report area's buildout fixture (the real executor, every kind of
// exclusion and failure, a reference channel) collected from its state database and written by the
// report writers, then opened in Chromium from <workDir>/report/dashboard.html.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StateDb } from '../../state/state-db.ts';
import { collectReport } from '../collect.ts';
import { readReference } from '../reference.ts';
import { reportDir, writeReport } from '../writers.ts';
import { runBuildout } from '../fixtures/buildout.ts';
import type { Report } from '../types.ts';
import { launchChromium } from './chromium.ts';
import { chromiumForTests } from './test-chromium.ts';

const executable = chromiumForTests();
const run = suite('dashboard of a real buildout run');

run('every package of the run is a row with its status, no console error, log links reach the logs', async () => {
  if (!executable) return;
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-buildout-'));
  const browser = await launchChromium(executable);
  try {
    const { config } = await runBuildout(dir);
    const db = StateDb.open(config.workDir, { readonly: true });
    let report: Report;
    try {
      report = collectReport(db, config, { reference: (await readReference(config)).reference });
    } finally {
      db.close();
    }
    const out = reportDir(config.workDir);
    const [html] = await writeReport(report, { outDir: out, workDir: config.workDir }, ['html']);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('html[data-rows]');
    assert.equal(problems, []);
    const rows = await page.$$eval('#package-table tbody tr', (trs) => trs.map((tr) => `${tr.getAttribute('data-subdir')}/${tr.getAttribute('data-name')}:${tr.getAttribute('data-status')}`));
    const expected = report.targets.flatMap((t) => t.packages.map((p) => `${t.subdir}/${p.name}:${p.status}`));
    for (const m of report.missing ?? []) if (m.status === 'not-in-aggregate') expected.push(`${m.subdir}/${m.name}:missing`);
    assert.ok(expected.length >= 20, `${expected.length} rows`);
    assert.equal(rows.sort(), expected.sort());
    const links = await page.$$eval('#package-table a', (as) => as.map((a) => a.getAttribute('href')!));
    assert.ok(links.length > 0, 'failed packages link their logs');
    for (const href of links) assert.ok(existsSync(resolve(out, href)), `${href} exists next to the page`);
    const blockers = await page.$$eval('#blockers li[data-blocker]', (li) => li.map((x) => x.getAttribute('data-blocker')));
    // The report's blockers are per arch: the page adds a package's arches up, most first.
    const total = new Map<string, number>();
    for (const b of report.blockers) total.set(b.name, (total.get(b.name) ?? 0) + b.blocks);
    assert.equal(blockers, [...total].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n).slice(0, 10));
    const counts = await page.$$eval('#blockers li .count', (b) => b.map((x) => Number(x.textContent)));
    assert.equal(counts, blockers.map((n) => total.get(n!)));
    assert.ok(await page.$('#tally-chart canvas'), 'tally chart drawn');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

run.run();
