// The installability matrix: for every package to check (packages.ts) on every subdir, can
// `<name>` be installed together with `python <to>.*` from the channels? Each solve runs on a worker
// thread (solve-pool.ts) against only the records it can use, as one channel (prune.ts, served by solve-server.ts),
// and its outcome is cached by (name, channel index hashes) in the work dir (cache.ts).
import { mapLimit } from '../recipes/map-limit.ts';
import { SolveCache } from './cache.ts';
import { loadChannelIndex } from './channel-index.ts';
import { packagesToCheck, type PackageSource } from './packages.ts';
import { prunedChannel } from './prune.ts';
import { SolvePool, defaultSolveThreads, type SolveOutcome } from './solve-pool.ts';
import { startSolveServer } from './solve-server.ts';

export interface InstallabilityOptions {
  /** The new python (`python.to`): every solve has `python <python>.*`. */
  python: string;
  /** The old python (`python.from`): the reference channel's list is what it built for it. */
  pythonFrom: string;
  subdirs: string[];
  /** The tested channel (its packages are checked; it is also the first solve channel); null: none. */
  tested: string | null;
  /** The reference channel (its package list is checked; it is not a solve channel); null: none. */
  reference: string | null;
  /** The channels solved against, in priority order (after the tested channel). */
  channels: string[];
  /** Where solves are cached (`installabilityCacheDir(workDir)`); null: no cache. */
  cacheDir: string | null;
  /** Worker threads (default: one per core, at most 8). */
  threads?: number;
  /** The solver (default: a SolvePool of `threads` workers, closed at the end); tests hand in one that fails. */
  solver?: Pick<SolvePool, 'solve' | 'close'>;
}

export interface InstallabilityCase {
  name: string;
  subdir: string;
  sources: PackageSource[];
  outcome: SolveOutcome;
  /** The outcome came from the cache. */
  cached: boolean;
}

export interface InstallabilityResult {
  python: string;
  subdirs: string[];
  /** The solve channels, in priority order (the tested channel first when given). */
  channels: string[];
  /** Sorted by subdir (in `subdirs` order), then name. */
  cases: InstallabilityCase[];
  /** Figures of this computation (not part of the written files: they vary between runs). */
  stats: { solves: number; cacheHits: number; solveMs: number; wallMs: number };
}

export async function installabilityMatrix(opts: InstallabilityOptions): Promise<InstallabilityResult> {
  const started = performance.now();
  const channels = [...new Set([...(opts.tested ? [opts.tested] : []), ...opts.channels])];
  const extraSpecs = [`python ${opts.python}.*`];
  const stats = { solves: 0, cacheHits: 0, solveMs: 0, wallMs: 0 };
  const cases: InstallabilityCase[] = [];
  const threads = opts.threads ?? defaultSolveThreads();
  let pool: Pick<SolvePool, 'solve' | 'close'> | null = opts.solver ?? null;
  const server = await startSolveServer();
  try {
    for (const subdir of opts.subdirs) {
      const packages = await packagesToCheck({ tested: opts.tested, reference: opts.reference, pythonFrom: opts.pythonFrom, subdir });
      if (!packages.length) continue;
      // A local channel dir that does not exist yet (the output channel before any build) is empty;
      // the config's build channels were checked when the config was read (core/config/check-paths.ts).
      const indexes = await Promise.all(channels.map((c) => loadChannelIndex(c, subdir, { missingOk: true })));
      const cache = new SolveCache(opts.cacheDir, { subdir, extraSpecs, channels: indexes.map((i) => ({ channel: i.channel, hash: i.hash })) });
      const done = await mapLimit(packages, threads * 2, async (p): Promise<InstallabilityCase> => {
        const hit = cache.get(p.name);
        if (hit) {
          stats.cacheHits++;
          return { name: p.name, subdir, sources: p.sources, outcome: hit, cached: true };
        }
        const specs = [p.name, ...extraSpecs];
        const served = server.register(prunedChannel(indexes, subdir, specs));
        try {
          pool ??= new SolvePool(threads);
          let solved: Awaited<ReturnType<SolvePool['solve']>>;
          try {
            solved = await pool.solve(specs, [served.url], subdir);
          } catch (err) {
            // Not the solver's answer (a worker died, a channel could not be served): not cached.
            return { name: p.name, subdir, sources: p.sources, outcome: { ok: false, message: `the solve did not run: ${(err as Error).message}` }, cached: false };
          }
          stats.solves++;
          stats.solveMs += solved.ms;
          cache.set(p.name, solved.outcome);
          return { name: p.name, subdir, sources: p.sources, outcome: solved.outcome, cached: false };
        } finally {
          served.release();
        }
      });
      cases.push(...done);
      await cache.save();
    }
  } finally {
    await (pool as Pick<SolvePool, 'close'> | null)?.close();
    await server.close();
  }
  stats.wallMs = performance.now() - started;
  return { python: opts.python, subdirs: [...opts.subdirs], channels, cases, stats };
}
