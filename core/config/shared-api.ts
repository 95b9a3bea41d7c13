// A config's `import ... from 'rebuild'` (and any import of core/index.ts, the package's public API)
// gets the CLI's own, already loaded instance of the API instead of a second one. tsImport loads the
// config through tsx, which would otherwise load core/index.ts and its ~100 modules again (~0.2 s of
// CPU per command, rattler's wasm included). One instance also means one module state: the same
// classes (`instanceof` holds between a plugin's error and the CLI's), one plugin-options cache.
// How: a module resolve hook (node:module register, in the loader thread tsx runs in anyway)
// resolves each import as before, and when it lands on this package's core/index.ts answers with a
// small module re-exporting the values of the CLI's instance, kept on globalThis. Only that file is
// redirected: a config or plugin importing another of our files by path, or a `rebuild` installed
// elsewhere, loads what it loaded before. A CommonJS-scoped config (`require`) is not redirected.
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const API = Symbol.for('rebuild.api');
const SHARED = Symbol.for('rebuild.api.shared');

/** The file the redirect stands for (import.meta.url is the source file's, also in the CLI's bundle). */
export const API_FILE = fileURLToPath(new URL('../index.ts', import.meta.url));

/** Marks an import of core/index.ts the hook lets through (the fallback below). */
const DIRECT = 'rebuild-api-direct';

/** The hook, run in the module loader's thread: `data.index` (core/index.ts's URL) → `data.api`. */
const HOOK = `
let index, api;
export function initialize(data) { index = data.index; api = data.api; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const url = r.url;
  if (url.includes('${DIRECT}')) return r;
  const end = url.search(/[?#]/);
  return (end < 0 ? url : url.slice(0, end)) === index ? { url: api, format: 'module', shortCircuit: true } : r;
}
`;

/**
 * The source of the module standing for core/index.ts: each export, read from the loaded instance.
 * In a thread that has none (a worker thread, should it inherit the hook: Node versions differ), it
 * loads the file itself, as it would without the hook.
 */
export function apiModuleSource(names: readonly string[], index = pathToFileURL(API_FILE).href): string {
  const lines = [`const api = globalThis[Symbol.for("rebuild.api")] ?? (await import(${JSON.stringify(`${index}?${DIRECT}`)}));`];
  for (const name of names) lines.push(name === 'default' ? 'export default api.default;' : `export const ${name} = api.${name};`);
  return `${lines.join('\n')}\n`;
}

/**
 * Load the API (a chunk of the bundle, or the sources through tsx: mostly modules loaded already)
 * and register the redirect, once per process. Called before a config module is loaded.
 */
export async function shareApiWithConfigs(): Promise<void> {
  const g = globalThis as Record<symbol, unknown>;
  if (g[SHARED]) return g[SHARED] as Promise<void>;
  const done = (async () => {
    const api = await import('../index.ts');
    g[API] = api;
    try {
      register(`data:text/javascript,${encodeURIComponent(HOOK)}`, {
        data: { index: pathToFileURL(API_FILE).href, api: `data:text/javascript,${encodeURIComponent(apiModuleSource(Object.keys(api)))}` },
      });
    } catch {
      // No module hooks here: configs load their own instance, as they did before.
    }
  })();
  g[SHARED] = done;
  return done;
}
