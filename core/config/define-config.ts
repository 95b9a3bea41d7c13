// defineConfig: a typed identity function for rebuild.config.ts.
import type { Profile, Python, RebuildConfig } from './config.generated.ts';
import type { Plugin } from '../model/plugin.ts';

/**
 * A profile: any config key (merged as core/config/merge-table.ts says), plus `extends`. `python`
 * merges per key, so a profile may set only `python.to` (one version, or a list: `['3.13', '3.14']`).
 */
export type UserProfile = Omit<Profile, 'plugins' | 'python'> & { plugins?: Plugin[]; python?: Partial<Python> };
export type UserConfig = Omit<RebuildConfig, 'plugins' | 'profiles'> & {
  plugins?: Plugin[];
  profiles?: Record<string, UserProfile>;
};

export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
