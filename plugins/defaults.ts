// The built-in plugins a config gets unless it names a plugin of the same name (merged by name).
import type { Plugin } from '../core/engine/plugin.ts';

export function defaultPlugins(): Plugin[] {
  return [];
}
