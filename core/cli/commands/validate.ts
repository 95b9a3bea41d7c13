// `rebuild validate [--profile P] [--strict] [--json]`: resolves the base config and every profile
// (or the one given) and lists, per profile, its errors (schema, profiles, paths that do not exist)
// and its warnings (keys nothing reads, blocklist entries that match no package). Exit codes: 0 every
// profile valid (warnings allowed unless --strict); 78 (EX_CONFIG) any invalid, or any warning under --strict.
import type { GlobalOptions } from '../options.ts';
import { cliOverrides } from '../options.ts';
import { loadConfig } from '../../config/load.ts';
import { resolveConfig } from '../../config/resolve.ts';
import type { ResolvedConfig } from '../../config/resolved.ts';
import { configPathIssues } from '../../config/check-paths.ts';
import { ConfigError, displayPath, formatIssue, type ConfigIssue } from '../../config/errors.ts';
import { Engine } from '../../engine/engine.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { planRun } from '../../graph/plan-target.ts';
import { type UnmatchedBlocklistEntry, unmatchedBlocklist, unmatchedBlocklistMessage, unmatchedBlocklistPointer } from '../../graph/blocklist-unmatched.ts';
import { unreadKeyIssues } from '../config-warnings.ts';
import { defaultPlugins } from '../context.ts';

export interface ValidateOptions extends GlobalOptions {
  /** Warnings fail the profile too. */
  strict?: boolean;
}

export interface ProfileValidation {
  /** null: the base config with no profile applied. */
  profile: string | null;
  ok: boolean;
  errors: string[];
  issues: ConfigIssue[];
  /** Settings that do nothing (errors under --strict). */
  warnings: string[];
}

/** Blocklist entries of this config that match no package or feedstock on any of its targets (one issue per entry). */
async function blocklistIssues(config: ResolvedConfig, engine: Engine, file: string): Promise<ConfigIssue[]> {
  if (!config.blocklist.length) return [];
  const plans = await planRun(engine.createRun());
  // Per entry, the subdirs it matches nothing on.
  const byIndex = new Map<number, { u: UnmatchedBlocklistEntry; subdirs: string[] }>();
  for (const plan of plans) {
    for (const u of unmatchedBlocklist(config.blocklist, plan.graph, plan.target)) {
      const seen = byIndex.get(u.index) ?? { u, subdirs: [] };
      if (!seen.subdirs.includes(plan.target.subdir)) seen.subdirs.push(plan.target.subdir);
      byIndex.set(u.index, seen);
    }
  }
  return [...byIndex.values()]
    .sort((a, b) => a.u.index - b.u.index)
    .map(({ u, subdirs }) => ({ file: displayPath(file), profile: null, path: unmatchedBlocklistPointer(u), message: unmatchedBlocklistMessage(u, subdirs) }));
}

export async function validateProfiles(opts: ValidateOptions, cwd = process.cwd()): Promise<{ file: string; results: ProfileValidation[] }> {
  const { file, config: raw } = await loadConfig({ config: opts.config, cwd });
  const profiles = raw && typeof raw === 'object' ? (raw as { profiles?: unknown }).profiles : undefined;
  const names: (string | null)[] =
    opts.profile !== undefined ? [opts.profile] : [null, ...(profiles && typeof profiles === 'object' ? Object.keys(profiles) : [])];
  const results: ProfileValidation[] = [];
  for (const profile of names) {
    let config: ResolvedConfig;
    try {
      config = resolveConfig(raw, { configFile: file, profile, overrides: cliOverrides(opts, cwd), defaultPlugins: defaultPlugins(), cwd });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      results.push({ profile, ok: false, errors: err.issues.map(formatIssue), issues: err.issues, warnings: [] });
      continue;
    }
    const issues = configPathIssues(config);
    const warnings: ConfigIssue[] = [];
    if (!issues.length) {
      const engine = new Engine(config);
      warnings.push(...unreadKeyIssues(engine, raw, file, [profile]), ...(await blocklistIssues(config, engine, file)));
    }
    const failing = opts.strict ? [...issues, ...warnings] : issues;
    results.push({ profile, ok: !failing.length, errors: failing.map(formatIssue), issues: failing, warnings: opts.strict ? [] : warnings.map(formatIssue) });
  }
  return { file, results };
}

export async function validateCommand(_args: string[], opts: ValidateOptions): Promise<number> {
  const { file, results } = await validateProfiles(opts);
  const ok = results.every((r) => r.ok);
  const code = ok ? EXIT.OK : EXIT.CONFIG;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, ok, profiles: results }, null, 2)}\n`);
    return code;
  }
  const lines = [`${displayPath(file)}:`];
  for (const r of results) {
    lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.profile ?? '(no profile)'}`);
    for (const e of r.errors) lines.push(`       ${e}`);
    for (const w of r.warnings) lines.push(`       warning: ${w}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  const warned = results.filter((r) => r.warnings.length).length;
  lines.push(
    (ok ? `${results.length} valid` : `${failed} of ${results.length} invalid`) +
      (warned ? ` (${warned} with warnings; --strict makes them errors)` : ''),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return code;
}
