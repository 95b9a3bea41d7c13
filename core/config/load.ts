// Finds and loads a config file: cosmiconfig@9 searches up from the working dir (stopping at the
// project root, the first folder with a package.json), tsx loads TypeScript and JavaScript (so a
// config may import its own .ts plugins). Load failures name the file and line, not a stack dump.
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { register, tsImport } from 'tsx/esm/api';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, displayPath } from './errors.ts';
import { shareApiWithConfigs } from './shared-api.ts';

export const MODULE_NAME = 'rebuild';

const HERE = `${dirname(fileURLToPath(import.meta.url))}/`;

/** File names searched in each folder, in this order; a `rebuild` key in package.json comes last. */
export const CONFIG_FILE_NAMES = [
  'rebuild.config.ts',
  'rebuild.config.mts',
  'rebuild.config.js',
  'rebuild.config.mjs',
  'rebuild.config.json',
  'rebuild.config.yaml',
  'rebuild.config.yml',
] as const;

export interface LoadedConfigFile {
  /** Absolute path of the file the config came from. */
  file: string;
  /** The exported / parsed value, unvalidated. */
  config: unknown;
}

export interface LoadOptions {
  /** --config PATH (relative to cwd); when absent, search up from cwd. */
  config?: string;
  cwd?: string;
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfigFile> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...CONFIG_FILE_NAMES, 'package.json'],
    searchStrategy: 'project',
    // An empty rebuild.config.ts is reported, not skipped in favour of a parent's.
    ignoreEmptySearchPlaces: false,
    cache: false,
    loaders: {
      '.ts': moduleLoader(cwd),
      '.mts': moduleLoader(cwd),
      '.cts': moduleLoader(cwd),
      '.js': moduleLoader(cwd),
      '.mjs': moduleLoader(cwd),
      '.cjs': moduleLoader(cwd),
      '.json': jsonLoader(cwd),
      '.yaml': yamlLoader(cwd),
      '.yml': yamlLoader(cwd),
    },
  });

  let result;
  if (options.config !== undefined) {
    const file = resolve(cwd, options.config);
    if (!existsSync(file)) throw ConfigError.of(null, `config file not found: ${options.config} (resolved to ${file})`);
    const ext = extname(file);
    if (!['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.yaml', '.yml'].includes(ext))
      throw ConfigError.of(displayPath(file, cwd), `unsupported config file type '${ext || '(none)'}'; use ${CONFIG_FILE_NAMES.map((n) => extname(n)).join(', ')}, or a "rebuild" key in package.json`);
    result = await explorer.load(file);
    if (result === null || result.config === undefined || result.config === null)
      throw ConfigError.of(displayPath(file, cwd), /package\.json$/.test(file) ? `no "${MODULE_NAME}" key` : 'the config file is empty');
  } else {
    result = await explorer.search(cwd);
    if (result === null) throw new ConfigError([{ file: null, profile: null, path: '', message: notFoundMessage(cwd) }]);
  }
  if (result.isEmpty || result.config === undefined)
    throw ConfigError.of(displayPath(result.filepath, cwd), 'the config file is empty');
  return { file: result.filepath, config: result.config };
}

/** Folders the search visits: from `cwd` up to the first one holding a package.json, or the root. */
export function searchedDirs(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (existsSync(resolve(dir, 'package.json')) || existsSync(resolve(dir, 'package.yaml')) || dirname(dir) === dir) return dirs;
  }
}

function notFoundMessage(cwd: string): string {
  const dirs = searchedDirs(cwd);
  const where = dirs.length === 1 ? dirs[0] : `${dirs[0]} and its parents up to ${dirs[dirs.length - 1]}`;
  return `no rebuild config found: searched ${where} for ${CONFIG_FILE_NAMES.join(', ')}, or a "${MODULE_NAME}" key in package.json; create one or pass --config PATH`;
}

// ---------------------------------------------------------------- loaders

/** Set by bin/rebuild.js when the CLI runs from its bundle (core/threads/bundle.ts): no tsx loader yet. */
const BUNDLED = Symbol.for('rebuild.bundled');

/**
 * From the bundle, tsx's loader is registered for the whole process before the first config loads,
 * as it is when the CLI runs through tsx: a plugin the config imports may import TypeScript later,
 * at a hook (the built-in plugins' stage code is imported on first use), and tsImport's scoped
 * loader does not reach an import made by a module tsx compiled to CommonJS (a config in a directory
 * without `"type": "module"`).
 */
function registerTsxOnce(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[BUNDLED] !== true) return;
  register();
  g[BUNDLED] = 'tsx registered';
}

function moduleLoader(cwd: string): Loader {
  return async (file) => {
    let mod: any;
    try {
      registerTsxOnce();
      // `import ... from 'rebuild'` gets this process's instance of the API (shared-api.ts).
      await shareApiWithConfigs();
      // tsImport: TypeScript (and JS importing TypeScript) without a global loader, fresh on each load.
      mod = await tsImport(pathToFileURL(file).href, import.meta.url);
    } catch (err) {
      throw loadError(err, file, cwd);
    }
    let value = mod?.default;
    // A CommonJS-scoped .ts compiled by tsx: module.exports carries the ESM default.
    if (value && typeof value === 'object' && '__esModule' in value && 'default' in value) value = value.default;
    if (value === undefined)
      throw ConfigError.of(displayPath(file, cwd), 'no default export; write `export default defineConfig({ ... })`');
    return value;
  };
}

function jsonLoader(cwd: string): Loader {
  return (file, content) => {
    try {
      return JSON.parse(content);
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      const at = m ? lineCol(content, Number(m[1])) : null;
      const text = (err as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
      throw ConfigError.of(`${displayPath(file, cwd)}${at ? `:${at.line}:${at.col}` : ''}`, text);
    }
  };
}

function yamlLoader(cwd: string): Loader {
  return (file, content) => {
    try {
      return parseYaml(content, { prettyErrors: true });
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const at = err.linePos?.[0];
        const text = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        throw ConfigError.of(`${displayPath(file, cwd)}${at ? `:${at.line}:${at.col}` : ''}`, text);
      }
      throw ConfigError.of(displayPath(file, cwd), (err as Error).message);
    }
  };
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/**
 * A config module that failed: a syntax error (esbuild's `file:line:col: ERROR: ...`) or a throw
 * while importing, located by the first stack frame outside node_modules and node internals.
 */
export function loadError(err: unknown, file: string, cwd: string): ConfigError {
  if (err instanceof ConfigError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const shown = displayPath(file, cwd);

  const syntax = [...e.message.matchAll(/^(.+?):(\d+):(\d+): ERROR: (.*)$/gm)];
  if (syntax.length) {
    return new ConfigError(
      syntax.map(([, f, line, col, text]) => ({ file: `${displayPath(f, cwd)}:${line}:${col}`, profile: null, path: '', message: text })),
    );
  }

  // Node's "Cannot find module 'X'" carries a "Require stack:" list: one line, and what to do.
  const missing = /^Cannot find (?:module|package) '([^'./][^']*)'/.exec(e.message);
  const message = missing && !missing[1].startsWith('file:')
    ? `${e.message.split('\n')[0]}; install it where the config is (npm install ${missing[1]}) or fix the import`
    : e.message;
  const label = e.name && e.name !== 'Error' ? `${e.name}: ${message}` : message;
  const frame = userFrame(e.stack ?? '') ?? missingImport(e);
  if (!frame) return ConfigError.of(shown, label);
  const where = `${displayPath(frame.file, cwd)}:${frame.line}:${frame.col}`;
  return ConfigError.of(where, frame.file === file ? label : `${label} (while loading ${shown})`);
}

type Location = { file: string; line: number; col: number };

/** For "Cannot find module|package 'X' imported from F": the line of F importing X. */
function missingImport(e: Error): Location | null {
  const m = /Cannot find (module|package) '([^']+)' imported from (\S+)/.exec(e.message);
  if (!m) return null;
  const [, kind, missing, importerRef] = m;
  const importer = importerRef.startsWith('file://') ? fileURLToPath(importerRef) : importerRef;
  let source: string;
  try {
    source = readFileSync(importer, 'utf8');
  } catch {
    return null;
  }
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const spec of lines[i].matchAll(/(?:from\s*|import\s*\(?\s*)(['"])([^'"]+)\1/g)) {
      const target = spec[2];
      const hit = kind === 'package' ? target === missing || target.startsWith(`${missing}/`) : resolve(dirname(importer), target) === missing;
      if (hit) return { file: importer, line: i + 1, col: (spec.index ?? 0) + spec[0].indexOf(spec[1]) + 1 };
    }
  }
  return null;
}

function userFrame(stack: string): Location | null {
  for (const line of stack.split('\n').slice(1)) {
    // `at fn (/abs/file.ts:3:7)` or `at /abs/file.ts:3:7`, file:// URLs too; node: internals and data: URLs never match.
    const m = /^at (?:.*? \()?((?:file:\/\/)?\/[^()?\s]*?)(?:\?[^:()\s]*)?:(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) continue;
    const path = m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1];
    // Frames of dependencies and of this loader are not where the user's mistake is.
    if (path.includes('/node_modules/') || path.startsWith(HERE)) continue;
    return { file: path, line: Number(m[2]), col: Number(m[3]) };
  }
  return null;
}
