// rebuild report --screenshot / --serve [--port N] on the report area's buildout fixture (a real
// executor run), the page in Debian's Chromium.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand, type ReportCommandOptions } from './report.ts';
import { runBuildout, TENSORFLOW } from '../../report/fixtures/buildout.ts';
import { launchChromium } from '../../report/dashboard/chromium.ts';
import { chromiumForTests } from '../../report/dashboard/test-chromium.ts';

function writeConfig(dir: string): string {
  const file = join(dir, 'rebuild.config.json');
  writeFileSync(file, JSON.stringify({
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'osx-arm64'], aggregate: '.', workDir: 'work',
    channels: { reference: 'reference' }, blocklist: [TENSORFLOW], report: { waitingGoal: 5, groups: { core: ['python', 'numpy', 'scipy'] } },
  }));
  return file;
}

function report(dir: string, opts: Partial<ReportCommandOptions>, signal?: AbortSignal) {
  const io = { out: '', write(t: string) { io.out += t; }, signal };
  return { io, done: reportCommand([], { config: join(dir, 'rebuild.config.json'), ...opts }, io, dir) };
}

const executable = chromiumForTests();
const flags = suite('rebuild report --screenshot / --serve / --port');

flags('--port needs --serve and a port number; --serve or --screenshot with --failures is a usage error', async () => {
  for (const opts of [{ port: '8080' }, { serve: true, port: 'http' }, { serve: true, failures: true }, { screenshot: true, failures: true }]) {
    await report('/nonexistent', opts).done.then(
      () => assert.unreachable(JSON.stringify(opts)),
      (e) => assert.is(e.exitCode, 64, `${JSON.stringify(opts)}: ${e.message}`),
    );
  }
});

flags('--screenshot: dashboard.html and dashboard.png next to the other formats', async () => {
  if (!executable) return;
  const dir = mkdtempSync(join(tmpdir(), 'report-shot-'));
  try {
    await runBuildout(dir);
    writeConfig(dir);
    const { io, done } = report(dir, { screenshot: true, format: ['md'] });
    assert.is(await done, 0);
    const out = join(dir, 'work', 'report');
    for (const f of ['report.md', 'dashboard.html', 'dashboard.png']) assert.ok(existsSync(join(out, f)), f);
    assert.not.ok(existsSync(join(out, 'report.json')), 'only the formats asked for, plus the page');
    assert.match(io.out, /wrote .*dashboard\.png/);
    assert.equal([...readFileSync(join(out, 'dashboard.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

flags('--serve during a run: the page in Chromium follows the run to its end', async () => {
  if (!executable) return;
  const dir = mkdtempSync(join(tmpdir(), 'report-serve-'));
  let release!: () => void;
  let started!: () => void;
  const building = new Promise<void>((r) => (started = r));
  const hold = { id: 'scipy', until: new Promise<void>((r) => (release = r)), started: () => started() };
  const ac = new AbortController();
  const browser = await launchChromium(executable);
  let run: Promise<unknown> | undefined;
  let served: Promise<number> | undefined;
  try {
    writeConfig(dir);
    run = runBuildout(dir, { hold });
    await building;
    const r = report(dir, { serve: true, port: '0' }, ac.signal);
    served = r.done;
    while (!/serving the report at (\S+)/.test(r.io.out)) {
      if (await Promise.race([served.then(() => true), new Promise((t) => setTimeout(() => t(false), 50))])) assert.unreachable(r.io.out);
    }
    const url = r.io.out.match(/serving the report at (\S+)/)![1];
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/report\/dashboard\.html$/);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    await page.goto(url);
    const scipy = '#package-table tr[data-name="scipy"][data-subdir="linux-64"]';
    await page.waitForSelector(`${scipy}[data-status="building"]`);
    assert.match(await page.textContent('header') ?? '', /run in progress/);
    release();
    await run;
    // The run ended (scipy fails on linux-64 in this buildout): the next poll brings the new report.
    await page.waitForSelector(`${scipy}[data-status="failed"]`, { timeout: 30_000 });
    assert.not.match(await page.textContent('header') ?? '', /run in progress/);
    assert.equal(problems, []);
    const json = JSON.parse(readFileSync(join(dir, 'work', 'report', 'report.json'), 'utf8'));
    assert.is(json.running, false, 'report.json on disk rewritten too');
  } finally {
    release();
    await run?.catch(() => {});
    ac.abort();
    if (served) assert.is(await served, 0);
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

flags.run();
