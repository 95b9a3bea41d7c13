// `npm run bench [-- --quick] [-- name ...]`: every benchmark (or those named), one table
// (figure / value / target / baseline / ratio), and bench/results.json with the machine it ran on.
// --quick: small sizes, a CI smoke run under a minute.
import { writeFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, formatTable, type Benchmark, type Row } from './measure.ts';
import { planning } from './planning.ts';
import { realMetadata } from './real-metadata.ts';
import { scheduling } from './scheduling.ts';
import { engineOverhead } from './engine-overhead.ts';
import { queue } from './queue.ts';
import { resume } from './resume.ts';
import { render } from './render.ts';
import { report } from './report.ts';
import { installability } from './installability.ts';
import { transmute } from './transmute.ts';

// Order matters: scheduling (and queue's scheduling figure) reuse the plans of planning and real-metadata when they ran.
const BENCHMARKS: Record<string, Benchmark> = {
  planning,
  'real-metadata': realMetadata,
  scheduling,
  'engine-overhead': engineOverhead,
  queue,
  resume,
  render,
  installability,
  transmute,
  report,
};

function cpuModel(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')} (one of ${Object.keys(BENCHMARKS).join(', ')})\n`);
    return 2;
  }
  const selected = names.length ? Object.keys(BENCHMARKS).filter((n) => names.includes(n)) : Object.keys(BENCHMARKS);
  const machine = {
    nproc: cpus().length,
    cpu: cpuModel(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  log(`${quick ? 'quick' : 'full'} run on ${machine.nproc} × ${machine.cpu}, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  const started = performance.now();
  const rows: Row[] = [];
  const timings: Record<string, number> = {};
  for (const name of selected) {
    const t = performance.now();
    rows.push(...(await BENCHMARKS[name]({ quick, log })));
    timings[name] = (performance.now() - t) / 1000;
  }
  const totalS = (performance.now() - started) / 1000;
  const missed = rows.filter((r) => r.ok === false);
  process.stdout.write(`${formatTable(rows)}\n\n`);
  for (const r of rows.filter((x) => x.note)) process.stdout.write(`- ${r.figure}: ${r.note}\n`);
  process.stdout.write(`\n${missed.length ? `targets NOT met (${missed.length}): ${missed.map((r) => r.figure).join('; ')}` : 'every target met'}\n`);
  process.stdout.write(`bench took ${totalS.toFixed(0)} s; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  writeFileSync(
    join(BENCH_DIR, quick ? 'results.quick.json' : 'results.json'),
    JSON.stringify({ date: new Date().toISOString(), quick, machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) }, seconds: { total: totalS, ...timings }, rows }, null, 2) + '\n',
  );
  return 0;
}

process.exitCode = await main();
