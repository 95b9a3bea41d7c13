// What every command starts from: the config (found or --config, --profile, CLI flags, the
// built-in plugins) resolved and frozen, and the Engine made from it.
import type { GlobalOptions } from './options.ts';
import { cliOverrides } from './options.ts';
import { loadConfig } from '../config/load.ts';
import { resolveConfig } from '../config/resolve.ts';
import type { ResolvedConfig } from '../config/resolved.ts';
import { Engine } from '../engine/engine.ts';
import { defaultPlugins } from '../../plugins/defaults.ts';

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

export async function loadEngine(opts: GlobalOptions, cwd = process.cwd()): Promise<Engine> {
  return new Engine(await loadResolvedConfig(opts, cwd));
}
