// Options every command understands, and how they become config overrides.
import { resolve } from 'node:path';
import type { ConfigOverrides } from '../config/resolve.ts';

export interface GlobalOptions {
  config?: string;
  profile?: string;
  arch?: string[];
  concurrency?: string;
  workDir?: string;
  json?: boolean;
}

/**
 * CLI flags that override the resolved config (they beat the profile and the file). Values are
 * checked by resolveConfig, so errors name the flag; --work-dir is relative to the working dir.
 */
export function cliOverrides(opts: GlobalOptions, cwd = process.cwd()): ConfigOverrides {
  const out: ConfigOverrides = {};
  if (opts.arch?.length) out.arches = opts.arch;
  if (opts.concurrency !== undefined) out.concurrency = opts.concurrency;
  if (opts.workDir !== undefined) out.workDir = opts.workDir === '' ? '' : resolve(cwd, opts.workDir);
  return out;
}
