// Installing conda packages into a prefix: solve the specs (solve.ts), then extract each solved
// archive into the prefix with conda's placeholder replacement and the noarch: python layout
// (read-package.ts, through the SafeExtractor). Local archives are read in place; remote ones are
// downloaded and checked against the channel's sha256. Shared by the script builder (build and host
// environments) and the tester (test environments).
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FailureClass } from '../model/types.ts';
import { downloadFailureClass } from '../model/failure.ts';
import { extractPackage } from './read-package.ts';
import { ArchiveError } from './safe-extract.ts';
import { sha256File } from './file-hash.ts';
import { solve, SolveError, type OpenChannels, type SolvedRecord, type VirtualPackage } from './solve.ts';

/** An environment could not be made; `failure` classes it (`build`: bad input, `network`, `cancelled`). */
export class InstallError extends Error {
  override name = 'InstallError';
  constructor(
    message: string,
    readonly failure: FailureClass,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface InstalledPackage {
  name: string;
  version: string;
  build: string;
  filename: string;
}

export interface InstallRecordsOptions {
  /** What the environment is for ('host', 'build', 'test'), for messages. */
  label: string;
  prefix: string;
  /** Where remote archives are downloaded to. */
  downloadDir: string;
  /** python (major.minor) for noarch: python packages when python itself is not among the records. */
  pythonVersion: string;
  log(line: string): void;
  signal?: AbortSignal;
}

export interface InstallOptions extends InstallRecordsOptions {
  specs: string[];
  /** Target subdir (noarch is solved with it). */
  subdir: string;
  /** Channels in priority order, or channels already opened (solve.ts openChannels). */
  channels: string[] | OpenChannels;
  virtualPackages?: VirtualPackage[];
}

async function fetchArchive(url: string, to: string, sha256: string | undefined, signal?: AbortSignal): Promise<void> {
  const res = await fetch(url, { signal }).catch((err) => {
    throw new InstallError(`cannot download ${url}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`, 'network');
  });
  if (!res.ok || !res.body) throw new InstallError(`cannot download ${url}: HTTP ${res.status}`, downloadFailureClass(res.status, false));
  await pipeline(Readable.fromWeb(res.body as any), createWriteStream(to));
  if (sha256 && (await sha256File(to)) !== sha256) {
    await rm(to, { force: true });
    throw new InstallError(`${url}: sha256 does not match the channel's repodata`, 'network');
  }
}

/** Extract solved records into `prefix`, in the solver's order. */
export async function installRecords(records: SolvedRecord[], opts: InstallRecordsOptions): Promise<InstalledPackage[]> {
  await mkdir(opts.prefix, { recursive: true });
  const python = records.find((r) => r.name === 'python');
  const pythonVersion = python ? python.version.split('.').slice(0, 2).join('.') : opts.pythonVersion;
  await mkdir(opts.downloadDir, { recursive: true });
  for (const r of records) {
    if (opts.signal?.aborted) throw new InstallError(`${opts.label} environment: cancelled`, 'cancelled');
    let file = r.file;
    if (file !== null && !(await stat(file).catch(() => null))) {
      // Listed by one of our channels' index but not on disk: a stale index, not a network failure.
      throw new InstallError(
        `${opts.label} environment: ${r.filename} is listed in the index of local channel ${dirname(dirname(file))} but ${file} does not exist (stale index: the next run reconciles it)`,
        downloadFailureClass(null, true),
      );
    }
    if (file === null) {
      file = join(opts.downloadDir, r.filename);
      await fetchArchive(r.url, file, r.sha256, opts.signal);
    }
    opts.log(`${opts.label} environment: install ${r.name} ${r.version} ${r.build}`);
    try {
      await extractPackage(file, opts.prefix, { pythonVersion });
    } catch (err) {
      // A package that cannot be read or is refused (it would write outside the prefix) is bad
      // input: retrying cannot help.
      if (!(err instanceof ArchiveError)) throw err;
      throw new InstallError(`${opts.label} environment: cannot install ${r.name} ${r.version} ${r.build}: ${err.message}`, 'build', { cause: err });
    }
  }
  return records.map(({ name, version, build, filename }) => ({ name, version, build, filename }));
}

/**
 * Solve `specs` and install the result into `prefix` (created empty when there is nothing to
 * install). An unsolvable environment is an InstallError (`build`) whose cause is the SolveError.
 */
export async function installEnvironment(opts: InstallOptions): Promise<InstalledPackage[]> {
  await mkdir(opts.prefix, { recursive: true });
  if (!opts.specs.length) {
    opts.log(`${opts.label} environment: no requirements`);
    return [];
  }
  opts.log(`${opts.label} environment: solving ${opts.specs.join(', ')} for ${opts.subdir}`);
  let records: SolvedRecord[];
  try {
    // The virtual packages' throwaway channel beside the prefix (the task's scratch dir in a run).
    records = await solve(opts.specs, { channels: opts.channels, subdir: opts.subdir, virtualPackages: opts.virtualPackages, tmpDir: dirname(opts.prefix) });
  } catch (err) {
    if (!(err instanceof SolveError)) throw err;
    throw new InstallError(`cannot solve the ${opts.label} environment (${opts.specs.join(', ')}): ${err.solverMessage}`, 'build', { cause: err });
  }
  return installRecords(records, opts);
}
