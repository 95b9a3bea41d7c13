// Validates a plugin's options against the plugin's own JSON schema (ajv), with messages that name
// the plugin and the option's path. Part of the plugin API: every built-in plugin's factory calls it,
// and third-party plugins can too (exported from the package root).
import type { ErrorObject, AnySchema, ValidateFunction } from 'ajv';
import { sharedAjv } from '../config/ajv.ts';

/** Bad options given to a plugin factory: names the plugin and every problem found. */
export class PluginOptionsError extends Error {
  override name = 'PluginOptionsError';
  constructor(
    readonly plugin: string,
    readonly problems: string[],
  ) {
    super(`invalid options for ${plugin}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const compiled = new WeakMap<object, ValidateFunction>();

function describe(e: ErrorObject): string {
  const path = `options${e.instancePath.replace(/\/([^/]+)/g, (_, k: string) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))}`;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${path}: unknown option '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case 'propertyNames':
      return `${path}: key '${(e.params as { propertyName: string }).propertyName}' is not allowed`;
    case 'enum':
      return `${path} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${path} ${e.message ?? 'is invalid'}`;
  }
}

/**
 * The schema compiled by the process's one Ajv instance (../config/ajv.ts). A schema with an `$id` that
 * instance already holds with the same content is the same plugin's schema seen from a second module
 * instance (a config's imports): reuse it, as Ajv refuses a second schema under one `$id`.
 */
function compile(schema: AnySchema & object): ValidateFunction {
  const ajv = sharedAjv();
  const id = (schema as { $id?: unknown }).$id;
  const known = typeof id === 'string' ? ajv.getSchema(id) : undefined;
  if (known && JSON.stringify(known.schema) === JSON.stringify(schema)) return known;
  return ajv.compile(schema);
}

/** Throw PluginOptionsError unless `options` matches `schema`; returns options typed as T. */
export function validatePluginOptions<T>(plugin: string, schema: AnySchema & object, options: unknown): T {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(options)) {
    // propertyNames errors repeat as a generic "property name is invalid": keep the specific one.
    const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'propertyNames' && !('propertyName' in e.params)));
    throw new PluginOptionsError(plugin, [...new Set(errors.map(describe))]);
  }
  return options as T;
}
