// What a config sets that does nothing: keys no plugin (nor the core) reads (core/engine/config-readers.ts)
// and blocklist entries that match no package (core/graph/blocklist-unmatched.ts). Warnings for
// every command; errors under `rebuild validate --strict`.
import type { Engine } from '../engine/engine.ts';
import { unreadConfigKeys } from '../engine/config-readers.ts';
import { displayPath, formatIssue, type ConfigIssue } from '../config/errors.ts';

/** One issue per key set in the file (base or `profiles`, all of them or only `onlyProfiles`) that nothing reads. */
export function unreadKeyIssues(engine: Engine, raw: unknown, file: string, onlyProfiles?: readonly (string | null)[]): ConfigIssue[] {
  engine.initialize();
  return unreadConfigKeys(engine.configReaders, raw)
    .filter((u) => !onlyProfiles || onlyProfiles.includes(u.profile))
    .map((u) => ({
      file: displayPath(file),
      profile: u.profile,
      path: `/${u.key.split('.').join('/')}`,
      message: `set, but nothing reads it (no plugin declares '${u.key}'); remove it, or add the plugin that uses it`,
    }));
}

/** Print the issues as warnings on stderr, one line each. */
export function printWarnings(issues: readonly ConfigIssue[], write: (text: string) => void = (t) => void process.stderr.write(t)): void {
  for (const i of issues) write(`rebuild: warning: ${formatIssue(i)}\n`);
}
