import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../conda/atomic-write.ts';
import { launchChromium } from './chromium.ts';
import { writeDashboard } from './dashboard.ts';
import { fixtureReport } from './fixture-report.ts';
import { serveDirs, serveReport } from './serve.ts';
import { chromiumForTests } from './test-chromium.ts';

function workDir() {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-serve-'));
  mkdirSync(join(dir, 'report'));
  mkdirSync(join(dir, 'logs/osx-arm64'), { recursive: true });
  writeFileSync(join(dir, 'logs/osx-arm64/scipy.log'), "error: call to undeclared function '_PyLong_AsInt'\n");
  writeFileSync(join(dir, 'secret.txt'), 'not served\n');
  writeFileSync(join(dir, 'report/report.json'), JSON.stringify(fixtureReport()));
  return dir;
}

const serve = suite('serveReport');

serve('serves the report and the logs on loopback, nothing else of the work dir', async () => {
  const dir = workDir();
  await writeDashboard(join(dir, 'report'), fixtureReport());
  const server = await serveReport(serveDirs(dir));
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/report\/dashboard\.html$/);
    const base = `http://127.0.0.1:${server.port}`;
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    assert.is(root.status, 302);
    assert.is(root.headers.get('location'), '/report/dashboard.html');
    const page = await fetch(server.url);
    assert.is(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /id="report-data"/);
    const json = await fetch(`${base}/report/report.json`);
    assert.is(((await json.json()) as { generated: string }).generated, '2026-12-05T06:00:00.000Z');
    // A row's log link, resolved against the page: ../logs/osx-arm64/scipy.log
    const log = await fetch(new URL('../logs/osx-arm64/scipy.log', server.url));
    assert.match(await log.text(), /_PyLong_AsInt/);
    for (const p of ['/secret.txt', '/report/../secret.txt', '/report/%2e%2e/secret.txt', '/logs/..%2fsecret.txt', '/report/missing.json', '/state.db']) {
      assert.is((await fetch(base + p)).status, 404, p);
    }
    assert.is((await fetch(server.url, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

serve('refresh runs before report.json is sent, once at a time; a failed refresh still serves the last file', async () => {
  const dir = workDir();
  let n = 0;
  const errors: unknown[] = [];
  const server = await serveReport({
    ...serveDirs(dir),
    refresh: async () => {
      n++;
      if (n === 3) throw new Error('state db busy');
      const r = fixtureReport();
      r.generated = `refresh ${n}`;
      writeFileAtomicSync(join(dir, 'report/report.json'), JSON.stringify(r));
    },
    onRefreshError: (e) => errors.push(e),
  });
  try {
    const get = async () => ((await (await fetch(`http://127.0.0.1:${server.port}/report/report.json`)).json()) as { generated: string }).generated;
    assert.is(await get(), 'refresh 1');
    assert.is(await get(), 'refresh 2');
    assert.is(await get(), 'refresh 2', 'the failed third refresh left the file as it was');
    assert.is(errors.length, 1);
    await Promise.all([get(), get(), get()]);
    assert.ok(n >= 4 && n <= 6, `${n} refreshes`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

serve('a client gone mid-body does not stop the server', async () => {
  const dir = workDir();
  writeFileSync(join(dir, 'logs/osx-arm64/big.log'), Buffer.alloc(32 << 20, 'x'));
  const server = await serveReport(serveDirs(dir));
  try {
    await new Promise<void>((resolve, reject) => {
      const req = get(`http://127.0.0.1:${server.port}/logs/osx-arm64/big.log`, (res) => {
        res.once('data', () => { req.destroy(); setTimeout(resolve, 200); });
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    });
    assert.is((await fetch(`http://127.0.0.1:${server.port}/report/report.json`)).status, 200);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

serve('a port in use is an error, not another port', async () => {
  const dir = workDir();
  const a = await serveReport(serveDirs(dir));
  try {
    await serveReport({ ...serveDirs(dir), port: a.port }).then(
      () => assert.unreachable('second server started'),
      (e: NodeJS.ErrnoException) => assert.is(e.code, 'EADDRINUSE'),
    );
  } finally {
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const executable = chromiumForTests();

serve('in Chromium, the served page follows report.json: a changed report redraws it', async () => {
  if (!executable) return;
  const dir = workDir();
  await writeDashboard(join(dir, 'report'), fixtureReport(), { pollMs: 250, logBase: '../../elsewhere/work/' });
  const server = await serveReport(serveDirs(dir));
  const browser = await launchChromium(executable);
  try {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
    await page.goto(server.url);
    await page.waitForSelector('html[data-rows="29"]');
    // Written for another folder (--out elsewhere), the page still links the served logs.
    const href = await page.$eval('#package-table tr[data-name="scipy"][data-subdir="osx-arm64"] a', (a) => (a as any).href as string);
    assert.is(href, new URL('/logs/osx-arm64/scipy.log', server.url).href);
    assert.match(await (await fetch(href)).text(), /_PyLong_AsInt/);
    await page.fill('#search', 'numpy');
    // The run goes on: numpy on linux-64 is published now, and a new package appears.
    const r = fixtureReport();
    r.targets[0].packages.find((p) => p.name === 'numpy')!.status = 'published';
    r.targets[0].packages.push({ ...r.targets[0].packages[0], name: 'numpy-financial', feedstock: 'numpy-financial', outputs: ['numpy-financial'], version: '1.0.0', status: 'building', stage: 'build' });
    r.running = true;
    writeFileSync(join(dir, 'report/report.json'), JSON.stringify(r));
    await page.waitForSelector('html[data-rows="30"]', { timeout: 15_000 });
    assert.is(await page.getAttribute('#package-table tr[data-name="numpy"][data-subdir="linux-64"]', 'data-status'), 'published');
    assert.ok(await page.$('#package-table tr[data-name="numpy-financial"]'), 'the search was kept across the redraw');
    assert.is(await page.inputValue('#search'), 'numpy');
    assert.is(await page.evaluate(() => (globalThis as any).document.activeElement?.id), 'search', 'the search box keeps the focus');
    assert.match(await page.textContent('header') ?? '', /run in progress/);
    assert.match(await page.textContent('#poll-state') ?? '', /live/);
    assert.equal(problems, []);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

serve.run();
