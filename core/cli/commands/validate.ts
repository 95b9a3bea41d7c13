// `rebuild validate [--profile P] [--json]`: resolves the base config and every profile (or the one
// given), lists each one's errors, exits 1 when any failed.
import type { GlobalOptions } from '../options.ts';
import { cliOverrides } from '../options.ts';
import { loadConfig } from '../../config/load.ts';
import { resolveConfig } from '../../config/resolve.ts';
import { ConfigError, displayPath, formatIssue, type ConfigIssue } from '../../config/errors.ts';
import { defaultPlugins } from '../../../plugins/defaults.ts';

export interface ProfileValidation {
  /** null: the base config with no profile applied. */
  profile: string | null;
  ok: boolean;
  errors: string[];
  issues: ConfigIssue[];
}

export async function validateProfiles(opts: GlobalOptions, cwd = process.cwd()): Promise<{ file: string; results: ProfileValidation[] }> {
  const { file, config } = await loadConfig({ config: opts.config, cwd });
  const profiles = config && typeof config === 'object' ? (config as { profiles?: unknown }).profiles : undefined;
  const names: (string | null)[] =
    opts.profile !== undefined ? [opts.profile] : [null, ...(profiles && typeof profiles === 'object' ? Object.keys(profiles) : [])];
  const results = names.map((profile): ProfileValidation => {
    try {
      resolveConfig(config, { configFile: file, profile, overrides: cliOverrides(opts, cwd), defaultPlugins: defaultPlugins(), cwd });
      return { profile, ok: true, errors: [], issues: [] };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { profile, ok: false, errors: err.issues.map(formatIssue), issues: err.issues };
    }
  });
  return { file, results };
}

export async function validateCommand(_args: string[], opts: GlobalOptions): Promise<number> {
  const { file, results } = await validateProfiles(opts);
  const ok = results.every((r) => r.ok);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, ok, profiles: results }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const lines = [`${displayPath(file)}:`];
  for (const r of results) {
    lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.profile ?? '(no profile)'}`);
    for (const e of r.errors) lines.push(`       ${e}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(ok ? `${results.length} valid` : `${failed} of ${results.length} invalid`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
