import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePort, screenshotReport, serveCommand, stateSignature } from './cli.ts';
import { writeDashboard } from './dashboard.ts';
import { fixtureReport } from './fixture-report.ts';
import { chromiumForTests } from './test-chromium.ts';

const cli = suite('report --screenshot / --serve');

cli('--port: a number from 0 to 65535, else a usage error naming the flag', () => {
  assert.is(parsePort(undefined), 0);
  assert.is(parsePort('8080'), 8080);
  for (const bad of ['-1', '65536', 'http', '80.5', '']) {
    try {
      parsePort(bad);
      assert.unreachable(bad);
    } catch (e: any) {
      assert.is(e.exitCode, 64, bad);
      assert.match(e.message, /^--port /);
    }
  }
});

cli('--screenshot with no Chromium: says how to get one, writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shot-'));
  try {
    const html = await writeDashboard(dir, fixtureReport());
    let out = '';
    const png = await screenshotReport(html, { write: (t) => (out += t) }, { REBUILD_CHROMIUM: join(dir, 'no-chromium'), PATH: '' });
    assert.is(png, null);
    assert.match(out, /no Chromium found for --screenshot .*apt-get install chromium/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli('--screenshot: dashboard.png next to the page', async () => {
  if (!chromiumForTests()) return;
  const dir = mkdtempSync(join(tmpdir(), 'shot-'));
  try {
    const html = await writeDashboard(dir, fixtureReport());
    let out = '';
    const png = await screenshotReport(html, { write: (t) => (out += t) });
    assert.is(png, join(dir, 'dashboard.png'));
    const bytes = readFileSync(png!);
    assert.equal([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.ok(bytes.readUInt32BE(16) === 1280 && bytes.readUInt32BE(20) > 900, 'full page at 1280 px');
    assert.match(out, /wrote .*dashboard\.png/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli('--serve: the report is rewritten before a poll only when the state database changed', async () => {
  const work = mkdtempSync(join(tmpdir(), 'serve-cmd-'));
  const out = join(work, 'report');
  mkdirSync(out);
  writeFileSync(join(work, 'state.db'), 'v1');
  writeFileSync(join(out, 'report.json'), '{"n":0}');
  let rewrites = 0;
  let printed = '';
  const ac = new AbortController();
  const done = serveCommand({
    workDir: work, outDir: out, port: 0, signal: ac.signal, io: { write: (t) => (printed += t) },
    rewrite: async () => { rewrites++; writeFileSync(join(out, 'report.json'), JSON.stringify({ n: rewrites })); },
  });
  try {
    while (!printed.includes('serving')) await new Promise((r) => setTimeout(r, 20));
    const url = printed.match(/http:\S+/)![0].replace('dashboard.html', 'report.json');
    const get = async () => ((await (await fetch(url)).json()) as { n: number }).n;
    assert.is(await get(), 0, 'state unchanged since the report was written');
    appendFileSync(join(work, 'state.db'), 'v2 with more bytes');
    assert.is(await get(), 1);
    assert.is(await get(), 1);
    writeFileSync(join(work, 'state.db-wal'), 'a commit');
    assert.is(await get(), 2);
    assert.is(rewrites, 2);
    assert.is.not(stateSignature(work), '-|-');
  } finally {
    ac.abort();
    assert.is(await done, 0);
    rmSync(work, { recursive: true, force: true });
  }
});

cli('--serve: a commit between the report\'s read of the database and the serve start is refreshed by the first poll', async () => {
  const work = mkdtempSync(join(tmpdir(), 'serve-since-'));
  const out = join(work, 'report');
  mkdirSync(out);
  writeFileSync(join(work, 'state.db'), 'v1');
  const since = stateSignature(work); // taken before the report was read
  writeFileSync(join(out, 'report.json'), '{"n":0}');
  writeFileSync(join(work, 'state.db-wal'), 'a commit after the read'); // a run's commit meanwhile
  let rewrites = 0;
  let printed = '';
  const ac = new AbortController();
  const done = serveCommand({
    workDir: work, outDir: out, port: 0, signal: ac.signal, io: { write: (t) => (printed += t) }, since,
    rewrite: async () => { rewrites++; writeFileSync(join(out, 'report.json'), JSON.stringify({ n: rewrites })); },
  });
  try {
    while (!printed.includes('serving')) await new Promise((r) => setTimeout(r, 20));
    const url = printed.match(/http:\S+/)![0].replace('dashboard.html', 'report.json');
    assert.is(((await (await fetch(url)).json()) as { n: number }).n, 1);
    assert.is(rewrites, 1);
  } finally {
    ac.abort();
    assert.is(await done, 0);
    rmSync(work, { recursive: true, force: true });
  }
});

cli.run();
