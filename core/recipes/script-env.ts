// The environment variables a recipe asks its build to receive from this process, in one list:
// meta.yaml `build: script_env` (names, or `NAME=value` entries), recipe.yaml `build: script:`
// `secrets` (names) and `env` (a mapping, kept as `NAME=value`). Whether a name passes is decided
// when building, by the config's allow-list (core/config/environment.ts).

const names = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v])
    .filter((x) => x !== null && x !== undefined && typeof x !== 'object')
    .map((x) => String(x).trim())
    .filter(Boolean);

/** `{ scriptEnv }` for a RenderedVariant, or nothing when the recipe asks for no variable. */
const field = (list: string[]): { scriptEnv?: string[] } => (list.length ? { scriptEnv: [...new Set(list)] } : {});

/** meta.yaml: the rendered `build:` mapping's `script_env`. */
export function metaYamlScriptEnv(build: Record<string, unknown>): { scriptEnv?: string[] } {
  return field(names(build.script_env));
}

/** recipe.yaml: the rendered `build: script:` when it is a mapping (`secrets:` names, `env:` values). */
export function recipeYamlScriptEnv(script: unknown): { scriptEnv?: string[] } {
  if (script === null || typeof script !== 'object' || Array.isArray(script)) return {};
  const s = script as Record<string, unknown>;
  const env = s.env !== null && typeof s.env === 'object' && !Array.isArray(s.env) ? Object.entries(s.env as Record<string, unknown>) : [];
  return field([...names(s.secrets), ...env.filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`)]);
}
