// Validates config objects against schema/rebuild.schema.json with ajv and turns ajv's errors into
// messages for humans: the JSON path, what is wrong, and the closest valid key or value.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { sharedAjv } from './ajv.ts';
import { configSchema, deref, type JsonSchema } from './schema.ts';
import { didYouMean } from './did-you-mean.ts';
import { MERGE_TABLE, type MergeStrategy } from './merge-table.ts';

/** A schema problem: JSON pointer and message (file and profile are added by the caller). */
export interface SchemaIssue {
  path: string;
  message: string;
}

/**
 * What is validated: the whole resolved config, a file's base config, or one profile. A layer (base
 * or profile) may leave required keys to another layer: its `required` errors are dropped where the
 * object merges per key (the root, and `assign` keys such as /python); the resolved config gets them.
 */
export type SchemaTarget = 'resolved' | 'base' | 'profile';

const validators = new Map<SchemaTarget, ValidateFunction>();

function validator(target: SchemaTarget): ValidateFunction {
  let v = validators.get(target);
  if (v) return v;
  const ajv = sharedAjv();
  const id = configSchema.$id!;
  if (!ajv.getSchema(id)) ajv.addSchema(configSchema);
  v = ajv.getSchema(target === 'profile' ? `${id}#/definitions/profile` : id)!;
  validators.set(target, v);
  return v;
}

export function validateAgainstSchema(value: unknown, target: SchemaTarget): SchemaIssue[] {
  const validate = validator(target);
  if (validate(value)) return [];
  let errors = validate.errors ?? [];
  if (target !== 'resolved') errors = errors.filter((e) => !(e.keyword === 'required' && mergesPerKey(e.instancePath)));
  const issues = toIssues(errors);
  // A base config's profiles are checked one by one, each under its own name.
  return target === 'base' ? issues.filter((i) => !/^\/profiles\/[^/]+\//.test(i.path)) : issues;
}

const mergesPerKey = (path: string) => path === '' || (MERGE_TABLE as Record<string, MergeStrategy>)[path.slice(1)]?.kind === 'assign';

// ---------------------------------------------------------------- messages

const escapeKey = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** 'text' for strings, JSON for the rest; short. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/** The name of a `definitions` entry a schema path goes through, in words: `blockReason` → `block reason`. */
function definitionNoun(schemaPath: string): string | null {
  const m = /#\/definitions\/([^/]+)\//.exec(schemaPath);
  return m ? m[1].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : null;
}

/** A phrase for what a schema accepts, for anyOf messages: 'a non-empty string', 'a non-empty array of strings'. */
function describeSchema(node: JsonSchema): string {
  const s = deref(node);
  const type = Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'value');
  const nonEmpty = s.minLength === 1 || s.minItems === 1 ? 'non-empty ' : '';
  if (type === 'array' && s.items) {
    const item = deref(s.items);
    return `${article(`${nonEmpty}array`)} of ${item.type ?? 'value'}s`;
  }
  return article(`${nonEmpty}${type}`);
}

function message(e: ErrorObject): SchemaIssue {
  const path = e.instancePath;
  const params = e.params as Record<string, any>;
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const hint = didYouMean(key, known) || (known.length ? `; known keys: ${known.join(', ')}` : '');
      return { path: `${path}/${escapeKey(key)}`, message: `unknown key${hint}` };
    }
    case 'enum': {
      const noun = definitionNoun(e.schemaPath) ?? 'value';
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint =
        (typeof e.data === 'string' && didYouMean(e.data, allowed)) || `; expected one of: ${allowed.join(', ')}`;
      return { path, message: `${show(e.data)} is not a known ${noun}${hint}` };
    }
    case 'required':
      return { path, message: `missing required key '${params.missingProperty}'` };
    case 'type': {
      const yamlHint =
        definitionNoun(e.schemaPath) === 'python version' && typeof e.data === 'number'
          ? ' (quote versions in YAML: 3.10 unquoted is the number 3.1)'
          : '';
      return { path, message: `must be ${String(params.type).split(',').map(article).join(' or ')}, got ${show(e.data)}${yamlHint}` };
    }
    case 'minimum':
      return { path, message: `must be >= ${params.limit}, got ${show(e.data)}` };
    case 'minItems':
    case 'minLength':
      return { path, message: params.limit === 1 ? 'must not be empty' : `must have at least ${params.limit} ${e.keyword === 'minItems' ? 'items' : 'characters'}` };
    case 'uniqueItems':
      return { path, message: `duplicate item ${show((e.data as unknown[])[params.j])} (at ${params.j} and ${params.i})` };
    case 'pattern':
      if (definitionNoun(e.schemaPath) === 'python version')
        return { path, message: `${show(e.data)} is not a python major.minor version such as '3.13'` };
      return { path, message: `${show(e.data)} does not match ${params.pattern}` };
    case 'anyOf': {
      const versions = typeof e.data === 'number' && (parent.anyOf ?? []).some((b) => b.$ref === '#/definitions/pythonVersion');
      return { path, message: `must be ${(parent.anyOf ?? []).map(describeSchema).join(' or ')}, got ${show(e.data)}${versions ? ' (quote versions in YAML: 3.10 unquoted is the number 3.1)' : ''}` };
    }
    default:
      return { path, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** The JSON type of a value as a schema's `type` names it. */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const accepts = (branch: JsonSchema, type: string) => {
  const types = [deref(branch).type].flat();
  return types.includes(type) || (type === 'integer' && types.includes('number'));
};

/**
 * An anyOf reports each failing branch (just before itself, in ajv's order), then itself. When the
 * value's type fits exactly one branch (`to: ['3.13', 'x']` is an array), that branch's own errors
 * say where the fault is (`/python/to/1`): keep them and drop the others' type mismatches and the
 * summary. Otherwise keep only the summary, which says what is accepted.
 */
function dropAnyOfNoise(errors: ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  errors.forEach((a, at) => {
    if (a.keyword !== 'anyOf') return;
    const under = (e: ErrorObject) => e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`);
    let start = at;
    while (start > 0 && under(errors[start - 1])) start--;
    const branches = ((a.parentSchema ?? {}) as JsonSchema).anyOf ?? [];
    const fitting = branches.filter((b) => accepts(b, jsonType(a.data)));
    for (const e of errors.slice(start, at)) if (fitting.length !== 1 || (e.keyword === 'type' && e.instancePath === a.instancePath)) dropped.add(e);
    if (fitting.length === 1 && errors.slice(start, at).some((e) => !dropped.has(e))) dropped.add(a);
  });
  return errors.filter((e) => !dropped.has(e));
}

function toIssues(errors: ErrorObject[]): SchemaIssue[] {
  const kept = dropAnyOfNoise(errors);
  const seen = new Set<string>();
  const out: SchemaIssue[] = [];
  for (const e of kept) {
    const issue = message(e);
    const key = `${issue.path}\0${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(issue);
    }
  }
  return out;
}
