// Benchmark — the transmuter against Debian's `cph transmute` on the same files in the same run:
// 1,000 generated .tar.bz2 packages of real shape (40 with --quick), converted to .conda by our
// worker pool (2 threads) and by `cph t --processes 2`, both at zstd level 22 (cph t's default and
// ours). Figure: our wall time ÷ cph's (target ≤ 1: at least as fast on 2 cores).
//
// Package shape (seeded): file count log-uniform in 10–5,000, total size log-normal (median 200 KB,
// σ 1.8) clipped to 10 KB–50 MB (2 MB with --quick), so most packages are small and a few are
// large, as in a real channel; content 60% text (source-like lines from a word list: compresses
// like code) and 40% binary (seeded bytes with repeated runs: compresses like object code).
// Packages are written straight from memory (no prefix on disk) by the package writer's own
// .tar.bz2 writer, info/ first. Total size is printed; the work dir is removed at the end.
import { spawn } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTarBz2 } from '../core/conda/write-package.ts';
import type { TarInput } from '../core/conda/tar-io.ts';
import { TransmutePool } from '../plugins/transmuter/pool.ts';
import { row, seeded, type Benchmark } from './measure.ts';

const LEVEL = 22;
const THREADS = 2;

const WORDS = 'def class return self import from if else elif for in while try except raise with as lambda yield None True False numpy array dtype shape value index result data config path name version build '.split(' ').filter(Boolean);

function textBytes(rand: () => number, size: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  while (n < size) {
    const indent = '    '.repeat(Math.floor(rand() * 3));
    const words = Array.from({ length: 3 + Math.floor(rand() * 8) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    const line = `${indent}${words.join(' ')}(${Math.floor(rand() * 1000)})\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

function binaryBytes(rand: () => number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let i = 0;
  while (i < size) {
    if (rand() < 0.3 && i > 64) {
      // A run copied from earlier (relocations, tables): what makes object code compress ~2-3×.
      const len = Math.min(size - i, 16 + Math.floor(rand() * 200));
      const from = Math.floor(rand() * (i - len > 0 ? i - len : 1));
      buf.copy(buf, i, from, from + len);
      i += len;
    } else {
      const len = Math.min(size - i, 8 + Math.floor(rand() * 64));
      for (let j = 0; j < len; j++) buf[i + j] = Math.floor(rand() * 256);
      i += len;
    }
  }
  return buf;
}

interface Shape { files: number; bytes: number }

function shapes(count: number, maxBytes: number, maxFiles: number, seed: number): Shape[] {
  const rand = seeded(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: count }, () => {
    const bytes = Math.round(Math.min(maxBytes, Math.max(10_000, 200_000 * Math.exp(1.8 * gauss()))));
    const files = Math.round(Math.min(maxFiles, Math.exp(Math.log(10) + rand() * (Math.log(5000) - Math.log(10)))));
    return { bytes, files: Math.max(1, Math.min(files, Math.floor(bytes / 64))) };
  });
}

async function writePackage(dir: string, i: number, shape: Shape, seed: number): Promise<void> {
  const rand = seeded(seed + i);
  const name = `pkg${String(i).padStart(4, '0')}`;
  const stem = `${name}-1.0-py313_0`;
  const pkg: TarInput[] = [];
  const paths: unknown[] = [];
  let left = shape.bytes;
  for (let f = 0; f < shape.files; f++) {
    const size = f === shape.files - 1 ? left : Math.max(1, Math.floor((left / (shape.files - f)) * (0.2 + rand() * 1.6)));
    left -= size;
    const text = rand() < 0.6;
    const path = text ? `lib/python3.13/site-packages/${name}/m${f}.py` : `lib/lib${name}_${f}.so`;
    const data = text ? textBytes(rand, Math.max(0, size)) : binaryBytes(rand, Math.max(0, size));
    pkg.push({ name: path, data, mode: text ? 0o644 : 0o755 });
    paths.push({ _path: path, path_type: 'hardlink', size_in_bytes: data.length });
  }
  pkg.sort((a, b) => (a.name < b.name ? -1 : 1));
  const index = { arch: 'x86_64', build: 'py313_0', build_number: 0, depends: ['python >=3.13,<3.14'], name, platform: 'linux', subdir: 'linux-64', timestamp: 1_700_000_000_000, version: '1.0' };
  const info: TarInput[] = [
    { name: 'info/files', data: Buffer.from(pkg.map((p) => p.name).join('\n') + '\n') },
    { name: 'info/index.json', data: Buffer.from(JSON.stringify(index, null, 2)) },
    { name: 'info/paths.json', data: Buffer.from(JSON.stringify({ paths, paths_version: 1 }, null, 2)) },
  ];
  await writeTarBz2([...info, ...pkg], new Date(1_700_000_000_000), join(dir, `${stem}.tar.bz2`));
}

/** Runs `cph` through bash so that bash's `times` reports the CPU its children used (user + sys, ms). */
function runCph(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const script = 'cph "$@" >/dev/null || exit $?; times >&2';
    const child = spawn('bash', ['-c', script, 'cph', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`cph ${args.join(' ')}: exit ${code}: ${err.slice(-500)}`));
      const lines = err.trim().split('\n');
      const children = lines[lines.length - 1].match(/(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/);
      if (!children) return reject(new Error(`cph: no CPU times in bash's output: ${err.slice(-200)}`));
      resolve(((Number(children[1]) + Number(children[3])) * 60 + Number(children[2]) + Number(children[4])) * 1000);
    });
  });
}

export const transmute: Benchmark = async (ctx) => {
  // BENCH_TRANSMUTE_PACKAGES=N: the first N packages of the full run's (same seeded shapes), for a
  // machine where the full run (~64 min of CPU: ~32 min on 2 free cores) does not fit.
  const count = ctx.quick ? 40 : Math.min(1000, Number(process.env.BENCH_TRANSMUTE_PACKAGES) || 1000);
  const shape = shapes(count, ctx.quick ? 2_000_000 : 50_000_000, ctx.quick ? 500 : 5000, 7);
  const total = shape.reduce((s, x) => s + x.bytes, 0);
  const work = join(tmpdir(), `rebuild-bench-transmute-${process.pid}`);
  const src = join(work, 'src');
  await mkdir(src, { recursive: true });
  try {
    ctx.log(`transmute: writing ${count} .tar.bz2 packages (${(total / 1e6).toFixed(0)} MB of files, ${shape.reduce((s, x) => s + x.files, 0)} files)`);
    let next = 0;
    await Promise.all(Array.from({ length: 2 }, async () => {
      while (next < count) {
        const i = next++;
        await writePackage(src, i, shape[i], 7);
      }
    }));
    const files = (await readdir(src)).filter((f) => f.endsWith('.tar.bz2')).sort();

    // Both converters run chunk by chunk, alternating which goes first, so that a change in the
    // machine's load during the run (it takes ~64 min of CPU at 1,000 packages) weighs on both alike.
    const chunkSize = Math.max(1, Number(process.env.BENCH_TRANSMUTE_CHUNK) || 100);
    const ours = join(work, 'ours');
    const theirs = join(work, 'cph');
    await mkdir(ours);
    await mkdir(theirs);
    ctx.log(`transmute: ours (${THREADS} worker threads) and cph t --processes ${THREADS}, zstd level ${LEVEL}, alternating by chunks of ${chunkSize}`);
    const pool = new TransmutePool(THREADS);
    let oursMs = 0;
    let oursCpuMs = 0;
    let cphMs = 0;
    let cphCpuMs = 0;
    try {
      for (let c = 0; c * chunkSize < files.length; c++) {
        const chunk = files.slice(c * chunkSize, (c + 1) * chunkSize);
        const chunkDir = join(src, `chunk${String(c).padStart(3, '0')}`);
        await mkdir(chunkDir);
        await Promise.all(chunk.map((f) => rename(join(src, f), join(chunkDir, f))));
        const runOurs = async () => {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          let k = 0;
          await Promise.all(Array.from({ length: THREADS }, async () => {
            while (k < chunk.length) {
              const f = chunk[k++];
              await pool.convert(join(chunkDir, f), join(ours, f.replace(/\.tar\.bz2$/, '.conda')), { zstdLevel: LEVEL });
            }
          }));
          oursMs += performance.now() - t0;
          const cpu = process.cpuUsage(c0);
          oursCpuMs += (cpu.user + cpu.system) / 1000;
        };
        const runTheirs = async () => {
          const t1 = performance.now();
          cphCpuMs += await runCph(['t', join(chunkDir, '*.tar.bz2'), '.conda', '--out-folder', theirs, '--processes', String(THREADS), '--zstd-compression-level', String(LEVEL)]);
          cphMs += performance.now() - t1;
        };
        if (c % 2 === 0) { await runOurs(); await runTheirs(); } else { await runTheirs(); await runOurs(); }
        const done = Math.min(files.length, (c + 1) * chunkSize);
        ctx.log(`transmute: ${done}/${files.length}: ours ${(oursMs / 1000).toFixed(1)} s (CPU ${(oursCpuMs / 1000).toFixed(1)} s), cph ${(cphMs / 1000).toFixed(1)} s (CPU ${(cphCpuMs / 1000).toFixed(1)} s), ratio ${(oursMs / cphMs).toFixed(2)}`);
      }
    } finally {
      await pool.close();
    }
    const made = (await readdir(theirs)).filter((f) => f.endsWith('.conda')).length;
    if (made !== files.length) throw new Error(`cph t wrote ${made} of ${files.length} .conda files`);

    const note = `${count} packages, ${(total / 1e6).toFixed(0)} MB of files; ours ${(oursMs / 1000).toFixed(1)} s, CPU ${(oursCpuMs / 1000).toFixed(1)} s (read back and verified), cph t ${(cphMs / 1000).toFixed(1)} s, CPU ${(cphCpuMs / 1000).toFixed(1)} s (not verified); CPU ratio ${(oursCpuMs / cphCpuMs).toFixed(2)}; alternating in chunks of ${chunkSize}`;
    return [
      row({
        benchmark: 'transmute', figure: `transmute ${count.toLocaleString('en-US')} packages .tar.bz2 → .conda (${THREADS} threads, level ${LEVEL})`,
        value: oursMs / 1000, unit: 's', baseline: `cph t --processes ${THREADS}`, baselineValue: cphMs / 1000,
        ...(ctx.quick ? { target: '(≤ cph at 1,000)' } : { target: '≤ cph', ok: oursMs <= cphMs }),
        note,
      }),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};
