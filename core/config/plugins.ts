// Plugin list checks: every entry must be `{ name: string, apply: function }`, names unique per list.
import type { ConfigIssue } from './errors.ts';
import type { Plugin } from '../model/plugin.ts';
import { show } from './validate-schema.ts';

/** Checks one layer's `plugins` value (base config or one profile); returns its issues. */
export function checkPlugins(plugins: unknown, file: string | null, profile: string | null): ConfigIssue[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) return [{ file, profile, path: '/plugins', message: `must be an array of plugins, got ${show(plugins)}` }];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  plugins.forEach((p, i) => {
    const path = `/plugins/${i}`;
    if (!isPlugin(p)) {
      const got = p !== null && typeof p === 'object' && typeof (p as any).name === 'string' ? `'${(p as any).name}' without an apply function` : show(p);
      issues.push({ file, profile, path, message: `a plugin must be an object with a string name and an apply function, got ${got}` });
      return;
    }
    const before = seen.get(p.name);
    if (before !== undefined) issues.push({ file, profile, path, message: `duplicate plugin name '${p.name}' (also at /plugins/${before})` });
    else seen.set(p.name, i);
  });
  return issues;
}

export function isPlugin(p: unknown): p is Plugin {
  return p !== null && typeof p === 'object' && typeof (p as any).name === 'string' && (p as any).name !== '' && typeof (p as any).apply === 'function';
}
