// Shared by the benchmarks: the result row, timing, a seeded random source, child processes that
// report their peak RSS, and the table printer.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = join(BENCH_DIR, '..');

/**
 * Build the plain-JS bundles (core/threads/bundle.ts) of these modules of the repo (paths from its
 * root) unless fresh ones exist: untimed, before a measurement, as any earlier use since the last
 * source change leaves them.
 */
export async function freshBundles(...entries: string[]): Promise<void> {
  // Imported here: the bench's child scripts import this module too, and need none of it.
  const { buildBundle, freshBundle } = await import('../core/threads/bundle.ts');
  for (const entry of entries) if (!freshBundle(join(REPO_DIR, entry))) await buildBundle(join(REPO_DIR, entry));
}

/** One figure of the table. `ok` is null when the figure has no target. */
export interface Row {
  benchmark: string;
  figure: string;
  value: number;
  unit: string;
  /** Human target, e.g. "< 3 s"; '' when none. */
  target: string;
  ok: boolean | null;
  /** What the ratio compares against, with its value. */
  baseline: string;
  baselineValue: number | null;
  /** value ÷ baselineValue (or the inverse when said so in the figure). */
  ratio: number | null;
  note?: string;
  /** The value is a lower bound (the measurement stopped at a time limit). */
  atLeast?: boolean;
}

export interface BenchContext {
  quick: boolean;
  /** Progress lines (stderr), so stdout stays the table. */
  log(message: string): void;
}

export type Benchmark = (ctx: BenchContext) => Promise<Row[]>;

export function row(init: Omit<Row, 'ok' | 'baseline' | 'baselineValue' | 'ratio' | 'target'> & Partial<Row> & { max?: number; min?: number }): Row {
  const { max, min, ...rest } = init;
  let ok: boolean | null = null;
  let target = init.target ?? '';
  if (max !== undefined) {
    ok = init.value <= max;
    target ||= `≤ ${max} ${init.unit}`.trim();
  }
  if (min !== undefined) {
    ok = (ok ?? true) && init.value >= min;
    target ||= `≥ ${min} ${init.unit}`.trim();
  }
  const baselineValue = init.baselineValue ?? null;
  const ratio = init.ratio ?? (baselineValue ? init.value / baselineValue : null);
  return { baseline: '', ...rest, target, ok, baselineValue, ratio };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The median item by `key` (the upper one of an even count): the run whose figures are reported. */
export function medianRun<T>(items: readonly T[], key: (item: T) => number): T {
  if (!items.length) throw new RangeError('medianRun: no runs');
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)];
}

export async function time<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate (Box–Muller) from a uniform source. */
export function normal(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export class ChildBenchError extends Error {
  override name = 'ChildBenchError';
}

/** A child stopped at its time limit, with the last progress it reported (`progress <done> <ms>` on stderr). */
export class ChildTimeoutError extends Error {
  override name = 'ChildTimeoutError';
  constructor(
    readonly script: string,
    readonly limitMs: number,
    readonly progress: { done: number; ms: number } | null,
  ) {
    super(`${script} stopped at its ${Math.round(limitMs / 1000)} s limit${progress ? ` after ${progress.done} done in ${Math.round(progress.ms)} ms` : ''}`);
  }
}

/** A child's progress line: what a parent reads when the child runs out of time. */
export function reportProgress(done: number, ms: number): void {
  process.stderr.write(`progress ${done} ${ms.toFixed(0)}\n`);
}

/**
 * Run `bench/<script>` in a fresh node (with tsx) and return the JSON it prints on its last stdout
 * line. The child reports its own peak RSS (process.resourceUsage().maxRSS) in that JSON.
 */
export function runChild<T>(script: string, args: string[], options: { maxOldSpaceMb?: number; timeoutMs?: number } = {}): Promise<T> {
  const nodeArgs = ['--import', 'tsx', ...(options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : []), join(BENCH_DIR, script), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        const m = [...err.matchAll(/^progress (\d+) (\d+)$/gm)].at(-1);
        return reject(new ChildTimeoutError(script, options.timeoutMs!, m ? { done: Number(m[1]), ms: Number(m[2]) } : null));
      }
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new ChildBenchError(`${script} ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-8).join('\n')}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new ChildBenchError(`${script}: no JSON result on stdout (${last.slice(0, 200)})`));
      }
    });
  });
}

/** Peak resident set size of this process so far, in MB (maxRSS is in KB). */
export const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function fmt(n: number | null, digits = 3): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n.toPrecision(digits);
}

/** The table: figure | value | target | baseline | ratio, with a MISSED mark on targets not met. */
export function formatTable(rows: Row[]): string {
  const header = ['figure', 'value', 'target', 'baseline', 'ratio'];
  const body = rows.map((r) => [
    r.figure,
    `${r.atLeast ? '≥ ' : ''}${fmt(r.value)} ${r.unit}`.trim(),
    r.target ? `${r.target} ${r.ok === null ? '' : r.ok ? 'met' : 'NOT MET'}`.trim() : '',
    r.baseline ? `${r.baseline}${r.baselineValue !== null ? ` = ${fmt(r.baselineValue)}` : ''}` : '',
    r.ratio === null ? '' : `${r.atLeast ? '≥ ' : ''}${fmt(r.ratio)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
