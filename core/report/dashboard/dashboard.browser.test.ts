// dashboard.html in a real headless Chromium (Debian's, through playwright-core), opened from file://.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, type Chromium } from './chromium.ts';
import { writeDashboard } from './dashboard.ts';
import { fixtureReport } from './fixture-report.ts';
import { chromiumForTests } from './test-chromium.ts';

const executable = chromiumForTests();

interface Ctx { dir: string; browser: Chromium; page: Page; problems: string[] }
const page = suite<Ctx>('dashboard.html in Chromium', {} as Ctx);

page.before(async (ctx) => {
  if (!executable) return;
  ctx.dir = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
  const html = await writeDashboard(ctx.dir, fixtureReport());
  ctx.browser = await launchChromium(executable, { viewport: { width: 1280, height: 900 } });
  ctx.page = await ctx.browser.context.newPage();
  ctx.problems = [];
  ctx.page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') ctx.problems.push(`console ${m.type()}: ${m.text()}`); });
  ctx.page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
  ctx.page.on('requestfailed', (r) => ctx.problems.push(`request failed: ${r.url()}`));
  ctx.page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) ctx.problems.push(`network request: ${r.url()}`); });
  await ctx.page.goto(pathToFileURL(html).href);
  await ctx.page.waitForSelector('html[data-rows]', { timeout: 30_000 });
});

page.after(async (ctx) => {
  await ctx.browser?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

const visible = (p: Page) => p.$$eval('#package-table tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-name')}/${r.getAttribute('data-subdir')}`));

page('loads from file:// with no console error, no failed or network request', async ({ page: p, problems }) => {
  if (!executable) return;
  assert.equal(problems, []);
  assert.is(await p.title(), 'rebuild dashboard — python 3.13');
});

page("the table shows the run's packages, one row per package per arch (and the missing ones)", async ({ page: p }) => {
  if (!executable) return;
  const rows = await visible(p);
  const r = fixtureReport();
  const expected = [...r.targets.flatMap((t) => t.packages.map((x) => `${x.name}/${t.subdir}`)), 'asynctest/linux-64'];
  assert.equal([...rows].sort(), expected.sort());
  assert.match(await p.textContent('#row-count') ?? '', /^29 rows/);
  const log = await p.getAttribute('#package-table tr[data-name="scipy"][data-subdir="osx-arm64"] a', 'href');
  assert.is(log, '../logs/osx-arm64/scipy.log', 'relative link to the log');
});

page('searching filters the rows; clearing shows them all again', async ({ page: p }) => {
  if (!executable) return;
  await p.fill('#search', 'scipy osx');
  assert.equal((await visible(p)).sort(), ['scikit-learn/osx-arm64', 'scipy/osx-arm64', 'seaborn/osx-arm64', 'statsmodels/osx-arm64']);
  assert.match(await p.textContent('#row-count') ?? '', /^4 of 29 rows/);
  await p.fill('#search', 'exited');
  assert.equal((await visible(p)).sort(), ['aiohttp/linux-64', 'scipy/osx-arm64'], 'the reason is searched too');
  await p.fill('#search', '');
  assert.is((await visible(p)).length, 29);
});

page('filters: status and arch', async ({ page: p }) => {
  if (!executable) return;
  await p.selectOption('#filter-status', 'blocked');
  assert.equal((await visible(p)).sort(), ['keras/linux-64', 'pyobjc-core/linux-64', 'scikit-learn/osx-arm64', 'seaborn/osx-arm64', 'statsmodels/osx-arm64']);
  await p.selectOption('#filter-arch', 'linux-64');
  assert.equal((await visible(p)).sort(), ['keras/linux-64', 'pyobjc-core/linux-64']);
  await p.selectOption('#filter-status', '');
  await p.selectOption('#filter-arch', '');
  assert.is((await visible(p)).length, 29);
});

page('sorting by a column orders the rows, a second click reverses them', async ({ page: p }) => {
  if (!executable) return;
  const durations = () => p.$$eval('#package-table tbody td[data-ms]', (tds) => tds.map((td) => td.getAttribute('data-ms')).filter((x) => x !== '').map(Number));
  await p.click('button[data-sort="durationMs"]');
  const up = await durations();
  assert.ok(up.length >= 10);
  assert.equal(up, [...up].sort((a, b) => a - b));
  assert.is(await p.getAttribute('th[data-col="durationMs"]', 'aria-sort'), 'ascending');
  await p.click('button[data-sort="durationMs"]');
  const down = await durations();
  assert.equal(down, [...up].sort((a, b) => b - a));
  assert.is(await p.getAttribute('th[data-col="durationMs"]', 'aria-sort'), 'descending');
  await p.click('button[data-sort="name"]');
  const names = await p.$$eval('#package-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-name')!));
  assert.equal(names, [...names].sort());
});

page('the charts have drawn: canvases with the series colours in them', async ({ page: p }) => {
  if (!executable) return;
  // Pixels of a colour (±8 per channel) on each chart's canvas: the data was drawn, not just the axes.
  const count = (sel: string, rgb: [number, number, number]) => p.$eval(sel, (c, rgb) => {
    const canvas = c as any; // a <canvas> (no DOM types in this project's tsconfig)
    const d: Uint8ClampedArray = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && Math.abs(d[i] - rgb[0]) < 9 && Math.abs(d[i + 1] - rgb[1]) < 9 && Math.abs(d[i + 2] - rgb[2]) < 9) n++;
    return n;
  }, rgb);
  assert.ok(await count('#progress-chart canvas', [0xe5, 0x39, 0x35]) > 20, 'failed line (red) drawn');
  assert.ok(await count('#progress-chart canvas', [0xef, 0x6c, 0x00]) > 20, 'waiting goal line drawn');
  assert.ok(await count('#tally-chart canvas', [0xfb, 0x8c, 0x00]) > 50, 'blocked bar segment drawn');
  assert.ok(await count('#tally-chart canvas', [0x43, 0xa0, 0x47]) > 50, 'tested bar segment drawn');
});

page('blockers and groups: counts and states shown', async ({ page: p }) => {
  if (!executable) return;
  assert.equal(await p.$$eval('#blockers li[data-blocker]', (li) => li.map((x) => `${x.getAttribute('data-blocker')} ${x.querySelector('.count')!.textContent}`)),
    ['scipy 3', 'libffi-dev 1', 'tensorflow 1']);
  assert.equal(await p.$$eval('#groups [data-group]', (g) => g.map((x) => `${x.getAttribute('data-group')}:${x.getAttribute('data-state')}`)), ['core:failed', 'web:failed']);
  assert.match(await p.textContent('[data-kpi="waiting"]') ?? '', /goal ≤ 3/);
});

page('the search, filters and sort are in the #fragment: a linked view opens as it was', async ({ page: p }) => {
  if (!executable) return;
  await p.fill('#search', 'scipy');
  await p.selectOption('#filter-arch', 'osx-arm64');
  await p.click('button[data-sort="version"]');
  await p.click('button[data-sort="name"]');
  await p.click('button[data-sort="name"]');
  const url = p.url();
  assert.match(url, /#search=scipy&subdir=osx-arm64&sort=name&desc=1$/);
  const before = await visible(p);
  const other = await p.context().newPage();
  try {
    await other.goto(url);
    await other.waitForSelector('html[data-rows]');
    assert.equal(await visible(other), before);
    assert.is(await other.inputValue('#search'), 'scipy');
    assert.is(await other.inputValue('#filter-arch'), 'osx-arm64');
    assert.is(await other.getAttribute('th[data-col="name"]', 'aria-sort'), 'descending');
  } finally {
    await other.close();
  }
  await p.fill('#search', '');
  await p.selectOption('#filter-arch', '');
  assert.is((await visible(p)).length, 29);
});

page('readable on a phone: at 390 px the page does not scroll sideways (wide tables scroll in their box)', async ({ page: p }) => {
  if (!executable) return;
  await p.setViewportSize({ width: 390, height: 844 });
  await p.waitForTimeout(300); // the charts resize after a debounce
  const overflow = await p.evaluate(() => { const el = (globalThis as any).document.documentElement; return el.scrollWidth - el.clientWidth; });
  assert.is(overflow, 0);
  const chartWidth = await p.$eval('#progress-chart canvas', (c) => c.getBoundingClientRect().width);
  assert.ok(chartWidth <= 390, `chart ${chartWidth}px wide`);
});

page.run();
