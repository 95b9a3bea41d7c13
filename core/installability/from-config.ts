// The matrices a config asks for: one per python of `to` (the reference list read for `from`), its
// arches, the tested channel, the reference channel, and the run's channels (the output channel
// `<workDir>/channel`, then channels.build), cached in the work dir; files go to `<workDir>/report`.
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/resolved.ts';
import { targetPythons } from '../config/pythons.ts';
import { installabilityCacheDir } from './cache.ts';
import type { InstallabilityOptions } from './matrix.ts';

export type InstallabilityConfig = Pick<ResolvedConfig, 'python' | 'arches' | 'channels' | 'workDir'>;

/** One matrix per python of `python.to`, in the config's order. */
export function installabilityOptions(config: InstallabilityConfig, over: { subdirs?: string[]; threads?: number } = {}): InstallabilityOptions[] {
  return targetPythons(config.python).map((python) => ({
    python,
    pythonFrom: config.python.from,
    subdirs: over.subdirs ?? [...config.arches],
    tested: config.channels.tested ?? join(config.workDir, 'tested'),
    reference: config.channels.reference,
    channels: [join(config.workDir, 'channel'), ...config.channels.build],
    cacheDir: installabilityCacheDir(config.workDir),
    ...(over.threads ? { threads: over.threads } : {}),
  }));
}

/** `rebuild report --installability` and the end of `run` write here unless told otherwise. */
export function installabilityOutDir(workDir: string): string {
  return join(workDir, 'report');
}
