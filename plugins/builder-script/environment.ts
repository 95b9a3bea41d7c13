// Build and host environments: solve requirements with rattler against the task's channels (local
// channel dirs are served on loopback, since rattler fetches over HTTP), then install the solved
// packages' archives into the prefix. Local archives are read in place; remote ones are downloaded.
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { simpleSolve, type Platform } from '@conda-org/rattler';
import { channelDir } from '../../core/conda/repodata.ts';
import { serveChannels, type ChannelServer } from '../../core/conda/channel-server.ts';
import { extractPackage } from '../../core/conda/read-package.ts';
import { ArchiveError } from '../../core/conda/safe-extract.ts';
import { sha256File } from '../../core/conda/file-hash.ts';
import { ScriptBuildError } from './errors.ts';
import { downloadFailureClass } from '../../core/model/failure.ts';

export interface TaskChannels {
  /** Channel URLs for the solver, in priority order. */
  urls: string[];
  /** Local channel dirs (served on loopback), for mounts. */
  dirs: string[];
  /** The local archive behind a solved package's URL, or null when it is remote. */
  localFile(url: string): string | null;
  close(): Promise<void>;
}

/** Serve the task's local channels; http(s) channels are passed to the solver as they are. */
export async function openChannels(channels: string[]): Promise<TaskChannels> {
  const dirs: string[] = [];
  const entries = channels.map((c) => {
    const dir = channelDir(c);
    if (dir !== null) dirs.push(dir);
    return { channel: c, dir };
  });
  const server: ChannelServer | null = dirs.length ? await serveChannels(dirs) : null;
  const urls = entries.map((e) => (e.dir !== null ? server!.urlFor(e.dir) : e.channel.replace(/\/+$/, '')));
  return {
    urls,
    dirs,
    localFile(url: string) {
      if (!server || !url.startsWith(`${server.baseUrl}/`)) return null;
      const [index, ...rest] = new URL(url).pathname.split('/').filter(Boolean);
      const dir = dirs[Number(index)];
      return dir ? join(dir, ...rest.map(decodeURIComponent)) : null;
    },
    close: () => server?.close() ?? Promise.resolve(),
  };
}

export interface InstalledPackage {
  name: string;
  version: string;
  build: string;
  filename: string;
}

export interface InstallOptions {
  /** 'host' or 'build', for messages. */
  label: string;
  specs: string[];
  platforms: string[];
  prefix: string;
  channels: TaskChannels;
  /** Where remote archives are downloaded to. */
  downloadDir: string;
  /** python (major.minor) for noarch: python packages when python itself is not in the environment. */
  pythonVersion: string;
  log(line: string): void;
  signal?: AbortSignal;
}

async function fetchArchive(url: string, to: string, sha256: string | undefined, signal?: AbortSignal): Promise<void> {
  const res = await fetch(url, { signal }).catch((err) => {
    throw new ScriptBuildError(`cannot download ${url}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`, 'network');
  });
  if (!res.ok || !res.body) throw new ScriptBuildError(`cannot download ${url}: HTTP ${res.status}`, downloadFailureClass(res.status, false));
  await pipeline(Readable.fromWeb(res.body as any), createWriteStream(to));
  if (sha256 && (await sha256File(to)) !== sha256) {
    await rm(to, { force: true });
    throw new ScriptBuildError(`${url}: sha256 does not match the channel's repodata`, 'network');
  }
}

/** Solve `specs` and install the result into `prefix` (created empty when there is nothing to install). */
export async function installEnvironment(opts: InstallOptions): Promise<InstalledPackage[]> {
  await mkdir(opts.prefix, { recursive: true });
  if (!opts.specs.length) {
    opts.log(`${opts.label} environment: no requirements`);
    return [];
  }
  opts.log(`${opts.label} environment: solving ${opts.specs.join(', ')} on ${opts.platforms.join(', ')}`);
  let solved;
  try {
    solved = await simpleSolve(opts.specs, opts.channels.urls, opts.platforms as Platform[], []);
  } catch (err) {
    const msg = String((err as Error)?.message ?? err).trim();
    throw new ScriptBuildError(`cannot solve the ${opts.label} environment (${opts.specs.join(', ')}): ${msg}`, 'build');
  }
  const records = solved.map((p) => ({
    name: p.packageName,
    version: p.version,
    build: p.build,
    filename: p.filename,
    url: p.url,
    sha256: p.sha256,
  }));
  solved.forEach((p) => p.free());
  const python = records.find((r) => r.name === 'python');
  const pythonVersion = python ? python.version.split('.').slice(0, 2).join('.') : opts.pythonVersion;
  await mkdir(opts.downloadDir, { recursive: true });
  for (const r of records) {
    if (opts.signal?.aborted) throw new ScriptBuildError('build cancelled', 'cancelled');
    let file = opts.channels.localFile(r.url);
    if (file !== null && !(await stat(file).catch(() => null))) {
      // Listed by one of our channels' index but not on disk: a stale index, not a network failure.
      throw new ScriptBuildError(
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
      // A package that cannot be read or is refused (it would write outside the prefix) fails this
      // build as bad input: retrying cannot help.
      if (!(err instanceof ArchiveError)) throw err;
      throw new ScriptBuildError(`${opts.label} environment: cannot install ${r.name} ${r.version} ${r.build}: ${err.message}`, 'build');
    }
  }
  return records.map(({ name, version, build, filename }) => ({ name, version, build, filename }));
}
