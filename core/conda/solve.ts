// Solving match specs against an ordered list of channels with rattler's solver
// (`@conda-org/rattler` simpleSolve). rattler fetches repodata over HTTP only, so local channel dirs
// are served on a loopback server (channel-server.ts) for the solve; every solved record says which
// local archive it is (`file`), so an installer reads it in place. The channel order is the priority
// order (strict channel priority: a name found in an earlier channel is taken from there).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleSolve, type Platform } from './rattler.ts';
import type { FailureClass } from '../model/types.ts';
import { channelDir, emptyRepodata } from './repodata-read.ts';
import { serveChannels, type ChannelServer } from './channel-server.ts';

/** Channels made ready for the solver: local dirs served on loopback, URLs as they are. Close it when done. */
export interface OpenChannels {
  /** Channel URLs for the solver, in priority order. */
  urls: string[];
  /** The local channel dirs among them (for mounts). */
  dirs: string[];
  /** The local archive behind a solved package's URL, or null when it is remote. */
  localFile(url: string): string | null;
  close(): Promise<void>;
}

/** Serve the local channels among `channels` (dirs or file:// URLs); http(s) channels are passed as they are. */
export async function openChannels(channels: string[]): Promise<OpenChannels> {
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

/** A virtual package the target system provides (`__glibc 2.28`, `__unix`): solvable, never installed. */
export interface VirtualPackage {
  name: string;
  version: string;
  build?: string;
}

export interface SolveOptions {
  /** Channels in priority order (dirs, file:// or http(s) URLs), or channels already opened with openChannels. */
  channels: string[] | OpenChannels;
  /** Target subdir; `noarch` is always solved with it. */
  subdir: string;
  /** Virtual packages of the target (names start with `__`); none by default. */
  virtualPackages?: VirtualPackage[];
  /**
   * Where the virtual packages' throwaway channel is made (removed after the solve; default the OS
   * temp dir). A run's builder and tester give their task's scratch dir: a process killed
   * mid-solve leaves it there, where the run's sweep removes it, not in the temp dir.
   */
  tmpDir?: string;
}

/** One package of a solution. */
export interface SolvedRecord {
  name: string;
  version: string;
  build: string;
  buildNumber: number;
  filename: string;
  subdir: string;
  depends: string[];
  url: string;
  sha256?: string;
  md5?: string;
  size?: number;
  /** The archive on disk when the package comes from a local channel, else null (download `url`). */
  file: string | null;
}

/** The specs cannot be solved: `solverMessage` is rattler's explanation, as it gave it. */
export class SolveError extends Error {
  override name = 'SolveError';
  /** Bad input (a requirement nothing provides): retrying cannot help. */
  readonly failure: FailureClass = 'build';
  constructor(
    readonly specs: string[],
    readonly subdir: string,
    readonly solverMessage: string,
  ) {
    super(`cannot solve ${specs.join(', ')} for ${subdir}: ${solverMessage}`);
  }
}

const platformsOf = (subdir: string): Platform[] => (subdir === 'noarch' ? ['noarch'] : [subdir as Platform, 'noarch']);

/** A throwaway channel holding the virtual packages' records (rattler's JS solve takes no virtual packages). */
async function virtualChannel(subdir: string, packages: VirtualPackage[], parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, 'rebuild-virtual-'));
  try {
    for (const s of platformsOf(subdir)) {
      const repodata = emptyRepodata(s);
      if (s === subdir)
        for (const p of packages) {
          const build = p.build ?? '0';
          repodata.packages[`${p.name}-${p.version}-${build}.tar.bz2`] = { name: p.name, version: p.version, build, build_number: 0, depends: [], subdir: s };
        }
      await mkdir(join(dir, s), { recursive: true });
      await writeFile(join(dir, s, 'repodata.json'), JSON.stringify(repodata));
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true }); // not made whole: not left behind
    throw err;
  }
  return dir;
}

/**
 * Solve `specs` for `subdir` (+ noarch) against `channels`, in their order. Throws `SolveError` with
 * the solver's message when no solution exists; channel errors (unreadable index) pass through.
 * Virtual packages appear in no result.
 */
export async function solve(specs: string[], opts: SolveOptions): Promise<SolvedRecord[]> {
  const given = Array.isArray(opts.channels) ? opts.channels : null;
  let virtual: string | null = null;
  let opened: OpenChannels | null = null;
  let extra: OpenChannels | null = null;
  try {
    // In the try: a channel that cannot be opened still has the throwaway channel removed.
    virtual = opts.virtualPackages?.length ? await virtualChannel(opts.subdir, opts.virtualPackages, opts.tmpDir) : null;
    const channels = given ? (opened = await openChannels(virtual ? [...given, virtual] : given)) : (opts.channels as OpenChannels);
    let urls = channels.urls;
    if (virtual && !given) {
      extra = await openChannels([virtual]);
      urls = [...urls, ...extra.urls];
    }
    let solved;
    try {
      solved = await simpleSolve(specs, urls, platformsOf(opts.subdir), []);
    } catch (err) {
      throw new SolveError(specs, opts.subdir, String((err as Error)?.message ?? err).trim());
    }
    const records: SolvedRecord[] = [];
    for (const p of solved) {
      if (!p.packageName.startsWith('__'))
        records.push({
          name: p.packageName,
          version: p.version,
          build: p.build,
          buildNumber: Number(p.buildNumber ?? 0),
          filename: p.filename,
          subdir: p.subdir ?? opts.subdir,
          depends: p.depends ?? [],
          url: p.url,
          sha256: p.sha256,
          md5: p.md5,
          size: p.size === undefined ? undefined : Number(p.size),
          file: channels.localFile(p.url),
        });
      p.free();
    }
    return records;
  } finally {
    await opened?.close();
    await extra?.close();
    if (virtual) await rm(virtual, { recursive: true, force: true });
  }
}
