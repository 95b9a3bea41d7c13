// defineConfig: a typed identity function for rebuild.config.ts.
import type { Profile, RebuildConfig } from './config.generated.ts';
import type { Plugin } from '../engine/plugin.ts';

export type UserProfile = Omit<Profile, 'plugins'> & { plugins?: Plugin[] };
export type UserConfig = Omit<RebuildConfig, 'plugins' | 'profiles'> & {
  plugins?: Plugin[];
  profiles?: Record<string, UserProfile>;
};

export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
