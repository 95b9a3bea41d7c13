// The resolved config as plain data for `rebuild config`: plugins by name (plus their `options`
// when a plugin exposes them), secrets redacted. Secrets are `env()` handles; their values are also
// scrubbed from the final text by the one redactor, in case a plugin copied one into a plain string.
import type { ResolvedConfig } from './resolved.ts';
import { addSecretVariable, redact } from './redactor.ts';

/** A Secret handle from any copy of core/config/secret.ts (a config may load its own instance). */
export function isSecret(v: unknown): v is { variable: string; reveal(): string; toJSON(): string } {
  return v !== null && typeof v === 'object' && typeof (v as any).variable === 'string' && typeof (v as any).reveal === 'function';
}

export interface Printable {
  data: Record<string, unknown>;
  /** Env variable names of every secret met, for scrubbing text. */
  secrets: string[];
}

export function printableConfig(config: ResolvedConfig): Printable {
  const secrets = new Set<string>();
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (isSecret(v)) {
      secrets.add(v.variable);
      return v.toJSON();
    }
    if (typeof v === 'function') return '[function]';
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map(walk);
      if (v instanceof Date) return v.toISOString();
      if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), walk(x)]));
      if (v instanceof Set) return [...v].map(walk);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  const { plugins, ...rest } = config;
  const data = walk(rest) as Record<string, unknown>;
  data.plugins = plugins.map((p) => {
    const options = (p as { options?: unknown }).options;
    return options === undefined ? { name: p.name } : { name: p.name, options: walk(options) };
  });
  return { data, secrets: [...secrets] };
}

/** `text` with the values of the named variables, and every other known secret, redacted (redactor.ts). */
export function scrubSecrets(text: string, variables: string[], env: NodeJS.ProcessEnv = process.env): string {
  for (const name of variables) addSecretVariable(name, env);
  return redact(text);
}
