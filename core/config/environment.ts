// What recipes and builds see of this process's environment: conda-build's `script_env` semantics.
// The config's `environment.allow` says which variables may pass at all; a render sees those, and a
// build sees its builder's own fixed variables (PATH, HOME, PREFIX, ...) plus the variables its
// recipe asks for (`build: script_env`, recipe.yaml `build: script: secrets`) that are allowed.
// A secret (an env() handle's variable, or one matched by `environment.secrets`) passes only when
// `allow` names it exactly: a prefix such as `CI_*` never lets a token through by accident.
// Every runner (host, container) applies the same rule through `isAllowedVariable`.
import type { ResolvedConfig } from './resolved.ts';
import { addSecretVariable, secretVariables } from './redactor.ts';

export type EnvironmentPolicy = Readonly<ResolvedConfig['environment']>;

/** A name matches a pattern list: exact names, or prefixes ending in `*`. */
export const matchesName = (name: string, patterns: readonly string[]): boolean =>
  patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));

/** Whether `name` holds a secret: an env() handle's variable, or one the config lists as secret. */
export function isSecretVariable(name: string, policy: EnvironmentPolicy): boolean {
  return secretVariables().has(name) || matchesName(name, policy.secrets);
}

/** Whether recipes and builds may see `name`: the config allows it, and a secret only by its exact name. */
export function isAllowedVariable(name: string, policy: EnvironmentPolicy): boolean {
  return isSecretVariable(name, policy) ? policy.allow.includes(name) : matchesName(name, policy.allow);
}

/** The allowed variables of `env`: what `environ` / `env.get()` see in a render. */
export function allowedEnvironment(policy: EnvironmentPolicy, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && isAllowedVariable(name, policy)) out[name] = value;
  }
  return out;
}

export interface ScriptEnvironment {
  /** Variables to add to the build's environment. */
  env: Record<string, string>;
  /** Names the recipe asked for that the config does not allow (names only: values may be secrets). */
  refused: string[];
}

/**
 * What a recipe's `script_env` list adds to its build: `NAME` passes this process's value when the
 * config allows NAME (and it is set); `NAME=value` sets the recipe's own value.
 */
export function scriptEnvironment(requested: readonly string[], policy: EnvironmentPolicy, env: NodeJS.ProcessEnv = process.env): ScriptEnvironment {
  const out: Record<string, string> = {};
  const refused: string[] = [];
  for (const entry of requested) {
    const eq = entry.indexOf('=');
    if (eq > 0) {
      out[entry.slice(0, eq)] = entry.slice(eq + 1);
      continue;
    }
    if (!isAllowedVariable(entry, policy)) refused.push(entry);
    else if (env[entry] !== undefined) out[entry] = env[entry]!;
  }
  return { env: out, refused: [...new Set(refused)].sort() };
}

/** scriptEnvironment, logging (names only: values may be secrets) what passes and what the config refused. */
export function logScriptEnvironment(requested: readonly string[], policy: EnvironmentPolicy, log: (line: string) => void): Record<string, string> {
  const { env, refused } = scriptEnvironment(requested, policy);
  if (Object.keys(env).length) log(`script_env: passing ${Object.keys(env).sort().join(' ')}`);
  if (refused.length) log(`script_env: not passed (not allowed by the config's environment.allow): ${refused.join(' ')}`);
  return env;
}

/** Register the variables of `env` that the config marks secret (exact names or prefixes) with the redactor. */
export function registerSecretVariables(policy: EnvironmentPolicy, env: NodeJS.ProcessEnv = process.env): void {
  for (const pattern of policy.secrets) if (!pattern.endsWith('*')) addSecretVariable(pattern, env);
  for (const name of Object.keys(env)) if (matchesName(name, policy.secrets)) addSecretVariable(name, env);
}
