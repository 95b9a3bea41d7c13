// The time a package records (index.json `timestamp`, tar mtimes, the script's SOURCE_DATE_EPOCH):
// derived from the inputs, never the wall clock, so the same recipe gives the same bytes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEFAULT_TIMESTAMP_MS } from '../../core/conda/write-package.ts';
import { ScriptBuildError } from './errors.ts';

export interface BuildTime {
  /** Seconds since the epoch. */
  epoch: number;
  /** Where it came from, for the log. */
  source: string;
}

/**
 * 1. `SOURCE_DATE_EPOCH` in rebuild's own environment (the reproducible-builds convention: whole
 *    seconds), when set;
 * 2. else the committer time of the last commit that touched the recipe dir, when it is in a git
 *    checkout (a changed recipe gets a newer time, so conda's solver prefers the newer build on ties);
 * 3. else DEFAULT_TIMESTAMP_MS (1980-01-01T00:00:00Z).
 */
export async function buildTime(recipeDir: string, env: NodeJS.ProcessEnv = process.env): Promise<BuildTime> {
  const given = env.SOURCE_DATE_EPOCH;
  if (given !== undefined && given !== '') {
    if (!/^\d{1,12}$/.test(given)) {
      throw new ScriptBuildError(`SOURCE_DATE_EPOCH='${given}' is not a whole number of seconds since 1970: unset it or set e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`, 'build');
    }
    return { epoch: Number(given), source: 'SOURCE_DATE_EPOCH' };
  }
  try {
    // No hook or fsmonitor of the aggregate's git config runs: `log` reads history only.
    const { stdout } = await promisify(execFile)('git', ['-c', 'core.fsmonitor=false', '-C', recipeDir, 'log', '-1', '--format=%ct', '--', '.'], {
      env: { PATH: env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? '/', LANG: 'C' },
    });
    const text = stdout.trim();
    if (/^\d+$/.test(text)) return { epoch: Number(text), source: `last commit of ${recipeDir}` };
  } catch {
    // not a git checkout, no git, or a checkout git refuses to read: the fixed default
  }
  return { epoch: DEFAULT_TIMESTAMP_MS / 1000, source: 'default (no SOURCE_DATE_EPOCH, recipe not in a git checkout)' };
}
