// What every command starts from: the config (found or --config, --profile, CLI flags, the
// built-in plugins) resolved and frozen, and the Engine made from it.
import type { GlobalOptions } from './options.ts';
import { cliOverrides } from './options.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../config/errors.ts';
import { configPathIssues } from '../config/check-paths.ts';
import { printWarnings, unreadKeyIssues } from './config-warnings.ts';
import { resolveConfig } from '../config/resolve.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import { Engine } from '../engine/engine.ts';
// The CLI's composition root: the only core module that knows the built-in plugins.
import { defaultPlugins } from '../../plugins/defaults.ts';
import { PLUGIN_NAME as PROGRESS, progress } from '../../plugins/progress/index.ts';
import { tapChannelSource } from '../../plugins/source-channel/index.ts';
import type { Run } from '../engine/run.ts';

export { defaultPlugins };

export interface ConfigContext {
  /** Absolute path of the config file. */
  file: string;
  /** The file's value as loaded (unvalidated, with its profiles). */
  raw: unknown;
  config: ResolvedConfig;
}

export async function loadConfigContext(opts: GlobalOptions, cwd = process.cwd()): Promise<ConfigContext> {
  const { file, config: raw } = await loadConfig({ config: opts.config, cwd });
  const config = resolveConfig(raw, {
    configFile: file,
    profile: opts.profile,
    overrides: cliOverrides(opts, cwd),
    defaultPlugins: defaultPlugins(),
    cwd,
  });
  return { file, raw, config };
}

export async function loadResolvedConfig(opts: GlobalOptions, cwd = process.cwd()): Promise<ResolvedConfig> {
  return (await loadConfigContext(opts, cwd)).config;
}

/**
 * The Engine of a command that reads the config's paths (aggregate, variant files, recipes,
 * channels): a missing one is a ConfigError (exit 78) before anything runs. `paths: false` for a
 * command that reads none of them (`plan --channel`).
 */
export async function loadEngine(opts: GlobalOptions, cwd = process.cwd(), { paths = true } = {}): Promise<Engine> {
  const { file, raw, config } = await loadConfigContext(opts, cwd);
  if (paths) {
    const issues = configPathIssues(config);
    if (issues.length) throw new ConfigError(issues);
  }
  const engine = new Engine(config);
  // Keys set in the file's base or the applied profile that nothing reads: a warning, the command goes on.
  printWarnings(unreadKeyIssues(engine, raw, file, [null, config.profile]));
  return engine;
}

/** `rebuild run` on an engine made without the progress plugin (tests, embedders): add it, writing to `stream`. */
export function ensureProgress(engine: Engine, stream?: NodeJS.WritableStream): void {
  if (!engine.config.plugins.some((p) => p.name === PROGRESS)) progress({ stream }).apply(engine);
}

/** `plan --channel`: the channel's package names stand for recipes in this run. */
export function useChannelSource(run: Run, channel: string): void {
  tapChannelSource(run, { channel });
}
