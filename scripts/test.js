#!/usr/bin/env node
// Runs every *.test.ts (uvu suites) under core/, plugins/, examples/, scripts/, bench/, data/ and tests/, each in its
// own node process with the tsx loader, a few at a time. Prints each file's outcome, the failures'
// output, and a last line `N passed, N failed`. Usage: node scripts/test.js [filter...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const dirs = ['core', 'plugins', 'examples', 'scripts', 'bench', 'data', 'tests'];

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = dirs
  .flatMap((d) => walk(join(root, d), []))
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();

/** A file still running after this long is stopped and counted as failed (TEST_FILE_TIMEOUT_S, default 15 min). */
const fileTimeoutMs = (Number(process.env.TEST_FILE_TIMEOUT_S) || 900) * 1000;

/** Running files' process groups, stopped with the runner (they are detached from its group). */
const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a hung file is stopped with what it started (servers, builds).
      detached: true,
    });
    running.add(child.pid);
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      output += `\ntest.js: ${relative(root, file)} still running after ${fileTimeoutMs / 1000} s: stopped (TEST_FILE_TIMEOUT_S)\n`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, fileTimeoutMs);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child.pid);
      if (timedOut) code = code || 1;
      const num = (label) => Number((output.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? NaN);
      const total = num('Total');
      let passed = num('Passed');
      const skipped = num('Skipped') || 0;
      let failed = Number.isNaN(total) ? NaN : total - passed - skipped;
      if (Number.isNaN(total)) {
        // The file crashed before uvu printed its summary: count it as one failure.
        passed = 0;
        failed = 1;
      } else if (code !== 0 && failed === 0) failed = 1;
      resolve({ file, code, output, passed, failed, skipped, ms: Date.now() - started });
    });
  });
}

const width = Math.max(1, Math.min(Number(process.env.TEST_JOBS) || availableParallelism(), 4));
const queue = [...files];
const results = [];
await Promise.all(
  Array.from({ length: width }, async () => {
    while (queue.length) {
      const file = queue.shift();
      const r = await runFile(file);
      results.push(r);
      const mark = r.failed ? 'FAIL' : 'ok  ';
      console.log(`${mark} ${relative(root, file)}  (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)}s)`);
      if (r.failed) console.log(r.output.replace(/^/gm, '    | '));
    }
  }),
);

const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
const skipped = results.reduce((s, r) => s + r.skipped, 0);
if (!files.length) console.log('no test files found');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed || !files.length ? 1 : 0;
