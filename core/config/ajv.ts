// The one Ajv instance of a process, shared by the config schema (validate-schema.ts) and plugin
// options (core/engine/plugin-options.ts). Each Ajv instance compiles the draft-07 meta-schema the first
// time it checks a schema (~0.1 s of CPU): one instance pays that once per command instead of once per user.
// It is made on first use and kept on globalThis, because a config and the plugins it imports load
// the package's modules as a second module instance (tsImport), and their validatePluginOptions calls
// should not compile the meta-schema again.
import { Ajv } from 'ajv';

const KEY = Symbol.for('rebuild.ajv');

/**
 * allErrors: every problem is reported, not the first. verbose: errors carry the data and parent schema
 * (the config's messages use them). code.optimize off: compiling is most of the cost, each
 * schema is compiled once per command.
 */
export function sharedAjv(): Ajv {
  const g = globalThis as { [KEY]?: Ajv };
  return (g[KEY] ??= new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, code: { optimize: false } }));
}
