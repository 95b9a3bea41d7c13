// Options every command understands, and how they become config overrides.
export interface GlobalOptions {
  config?: string;
  profile?: string;
  arch?: string[];
  concurrency?: string;
  workDir?: string;
  json?: boolean;
}

/** CLI flags that override the resolved config (they beat the profile and the file). */
export function cliOverrides(opts: GlobalOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.concurrency !== undefined) out.concurrency = Number(opts.concurrency);
  if (opts.workDir !== undefined) out.workDir = opts.workDir;
  return out;
}
