// Who reads which config key: the core declares its own keys, each plugin declares the keys it reads
// when it is applied (`engine.configReaders.declare(PLUGIN_NAME, ['channels.staging'])`). A key the
// user set that nobody declared is a silent no-op (e.g. `channels.staging` while no publisher plugin
// is configured): `rebuild` warns about it, and `rebuild validate --strict` fails.

/** Keys the core itself reads (dotted; a key covers its sub-keys). */
export const CORE_CONFIG_KEYS: readonly string[] = Object.freeze([
  '$schema', 'python', 'arches', 'aggregate', 'workDir', 'concurrency', 'limits', 'timeouts', 'retry', 'failFast',
  'plugins', 'profiles', 'defaultProfile', 'extraVersions', 'variantConfigs', 'bootstrap', 'environment',
  'selection.prefer', 'selection.only', 'channels.reference', 'channels.build',
  // The stage machinery (core/engine/execute.ts, stage-runner.ts, run.ts): which stages run and their limits.
  'tests', 'publish.enabled', 'publish.requireArches', 'publish.archExceptions',
  // Distributed builds (core/queue: `rebuild run --queue`, `rebuild worker`).
  'queue',
]);

/** Profile keys that are about the profile itself, not config. */
const PROFILE_OWN_KEYS: ReadonlySet<string> = new Set(['extends', 'description']);

export class ConfigReaders {
  private readonly byKey = new Map<string, Set<string>>();

  /** `reader` (a plugin name, or 'rebuild' for the core) reads these keys (dotted: 'channels.staging'; 'limits' covers 'limits.arch'). */
  declare(reader: string, keys: readonly string[]): void {
    for (const key of keys) {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(reader);
    }
  }

  /** Who reads `key` (a declared key equal to it or one of its parents), sorted. */
  readers(key: string): string[] {
    const out = new Set<string>();
    const parts = key.split('.');
    for (let i = 1; i <= parts.length; i++) for (const r of this.byKey.get(parts.slice(0, i).join('.')) ?? []) out.add(r);
    return [...out].sort();
  }
}

export interface UnreadKey {
  /** The profile that sets it, or null for the file's base. */
  profile: string | null;
  /** Dotted key, e.g. 'channels.staging'. */
  key: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Dotted keys set in one config object: a top-level key, or `key.sub` for an object value (one level). */
function setKeys(value: Record<string, unknown>, skip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (skip.has(k) || v === undefined) continue;
    if (isObject(v) && k !== 'profiles' && Object.keys(v).length) for (const sub of Object.keys(v)) out.push(`${k}.${sub}`);
    else out.push(k);
  }
  return out;
}

/** Keys set in the config file (its base and every profile) that no reader declared. */
export function unreadConfigKeys(readers: ConfigReaders, raw: unknown): UnreadKey[] {
  if (!isObject(raw)) return [];
  const out: UnreadKey[] = [];
  for (const key of setKeys(raw)) if (!readers.readers(key).length) out.push({ profile: null, key });
  const profiles = isObject(raw.profiles) ? raw.profiles : {};
  for (const [name, profile] of Object.entries(profiles)) {
    if (!isObject(profile)) continue;
    for (const key of setKeys(profile, PROFILE_OWN_KEYS)) if (!readers.readers(key).length) out.push({ profile: name, key });
  }
  return out;
}
