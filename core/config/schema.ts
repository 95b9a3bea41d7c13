// The config schema (schema/rebuild.schema.json, the source of truth) and small readers over it.
import { readFileSync } from 'node:fs';

export type JsonSchema = {
  $ref?: string;
  $id?: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  definitions?: Record<string, JsonSchema>;
  minItems?: number;
  minLength?: number;
  minimum?: number;
  pattern?: string;
  [k: string]: unknown;
};

export const SCHEMA_PATH = new URL('../../schema/rebuild.schema.json', import.meta.url);

export const configSchema: JsonSchema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

/** Follows a local `$ref` (`#/definitions/x`, `#/properties/y`) to its schema; other nodes are returned as is. */
export function deref(node: JsonSchema, root: JsonSchema = configSchema): JsonSchema {
  let cur = node;
  for (let hops = 0; cur.$ref && hops < 10; hops++) {
    if (!cur.$ref.startsWith('#/')) throw new Error(`unsupported $ref ${cur.$ref}`);
    let target: any = root;
    for (const part of cur.$ref.slice(2).split('/')) target = target?.[part];
    if (!target) throw new Error(`dangling $ref ${cur.$ref}`);
    cur = target;
  }
  return cur;
}

/** The known conda subdirs, from the schema's `subdir` enum. */
export const SUBDIRS: readonly string[] = Object.freeze(configSchema.definitions!.subdir.enum as string[]);

/** The keys a profile may set (besides `extends` and `description`): the mergeable keys. */
export const PROFILE_META_KEYS = ['extends', 'description'] as const;

/**
 * Defaults from the schema's `default`s: a property with a default gets it, an object property
 * without one gets the defaults of its own properties (omitted when it has none).
 */
export function schemaDefaults(node: JsonSchema = configSchema, root: JsonSchema = configSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(deref(node, root).properties ?? {})) {
    const p = deref(prop, root);
    if (p.default !== undefined) out[key] = structuredClone(p.default);
    else if (p.properties) {
      const nested = schemaDefaults(p, root);
      if (Object.keys(nested).length) out[key] = nested;
    }
  }
  return out;
}
