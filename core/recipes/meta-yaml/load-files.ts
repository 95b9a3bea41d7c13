// conda-build's file-reading Jinja functions, answered statically (no code is run, nothing is
// downloaded): load_setup_py_data, load_file_regex, load_file_data, load_str_data.
// Files are looked up in the recipe dir (from_recipe_dir=True) or in the source dir; the source dir
// is known only for a local `path:` source. When it is unknown the answer is "not answerable": a
// warning and an empty value, as conda-build's own first render pass gives before the source exists.
import { existsSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';

export interface FileLookup {
  recipeDir: string;
  /** Absolute source dir when the recipe's source is a local path, else null. */
  sourceDir: string | null;
}

/** Thrown for a file that should exist (recipe dir or a local source) but does not. */
export class MissingRecipeFileError extends Error {
  override name = 'MissingRecipeFileError';
  constructor(readonly path: string) {
    super(`no such file: ${path}`);
  }
}

/** Thrown when the answer lives in a remote source we do not have: the caller warns. */
export class UnanswerableError extends Error {
  override name = 'UnanswerableError';
}

/** Resolve a file name as conda-build's _find_file does (absolute, recipe dir, or work dir = source). */
export function findFile(name: string, fromRecipeDir: boolean, where: FileLookup): string {
  if (isAbsolute(name)) {
    if (!existsSync(name)) throw new MissingRecipeFileError(name);
    return name;
  }
  if (fromRecipeDir) {
    const p = resolve(where.recipeDir, name);
    if (!existsSync(p)) throw new MissingRecipeFileError(p);
    return p;
  }
  if (where.sourceDir) {
    const p = resolve(where.sourceDir, name);
    if (!existsSync(p)) throw new MissingRecipeFileError(p);
    return p;
  }
  throw new UnanswerableError(`'${name}' is read from the downloaded source, which is not available while rendering`);
}

/** A dict that answers '' for any missing key (conda-build returns {} and lenient Jinja renders ''). */
export function emptyData(): Record<string, unknown> {
  return {};
}

// ---------------------------------------------------------------- setup.py

const STRING_LIT = String.raw`(?:[rRuUbB]?(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))`;

function unquote(lit: string): string {
  const m = lit.match(/^[rRuUbB]?('''|"""|'|")([\s\S]*)\1$/);
  return m ? m[2] : lit;
}

/** Top-level `NAME = 'literal'` assignments, for `version=__version__` style setup() calls. */
function literalAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = new RegExp(String.raw`^([A-Za-z_][\w]*)\s*=\s*(${STRING_LIT})\s*(?:#.*)?$`, 'gm');
  for (const m of text.matchAll(re)) out.set(m[1], unquote(m[2]));
  return out;
}

/**
 * What load_setup_py_data() would return, read from setup.py literals (and setup.cfg [metadata]):
 * keyword arguments of setup() that are string literals, names bound to string literals, or lists
 * of string literals. Keys whose value is computed are left out and listed in `unresolved`.
 */
export function readSetupPy(setupFile: string): { data: Record<string, unknown>; unresolved: string[] } {
  const text = readFileSync(setupFile, 'utf8');
  const data: Record<string, unknown> = {};
  const unresolved: string[] = [];
  const cfg = join(setupFile, '..', 'setup.cfg');
  if (existsSync(cfg)) {
    let section = '';
    for (const line of readFileSync(cfg, 'utf8').split(/\r?\n/)) {
      const s = line.match(/^\[([^\]]+)\]/);
      if (s) section = s[1].trim();
      const kv = line.match(/^([A-Za-z_][\w-]*)\s*[=:]\s*(.*\S)\s*$/);
      if (section === 'metadata' && kv && !kv[2].startsWith('attr:') && !kv[2].startsWith('file:')) data[kv[1].replace(/-/g, '_')] = kv[2];
    }
  }
  const call = text.search(/\bsetup\s*\(/);
  if (call < 0) return { data, unresolved };
  const names = literalAssignments(text);
  const body = text.slice(call);
  const kwRe = new RegExp(String.raw`[(,]\s*([A-Za-z_]\w*)\s*=\s*(${STRING_LIT}|\[[^\]]*\]|[A-Za-z_][\w.]*)`, 'g');
  for (const m of body.matchAll(kwRe)) {
    const [, key, value] = m;
    if (key in data && key !== 'version' && key !== 'name') continue;
    if (value.startsWith('[')) {
      const items = [...value.matchAll(new RegExp(STRING_LIT, 'g'))].map((x) => unquote(x[0]));
      data[key] = items;
    } else if (/^[rRuUbB]?['"]/.test(value)) {
      data[key] = unquote(value);
    } else if (names.has(value)) {
      data[key] = names.get(value);
    } else if (value !== 'True' && value !== 'False' && value !== 'None') {
      unresolved.push(key);
    }
  }
  return { data, unresolved };
}

// ---------------------------------------------------------------- regex and data files

/** Python `re` pattern → JS RegExp (named groups, inline flags at the start). */
export function pythonRegex(pattern: string): RegExp {
  let flags = '';
  let p = pattern.replace(/^\(\?([aiLmsux]+)\)/, (_m, f: string) => {
    if (f.includes('i')) flags += 'i';
    if (f.includes('m')) flags += 'm';
    if (f.includes('s')) flags += 's';
    return '';
  });
  p = p.replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>').replace(/\\Z/g, '$(?![\\s\\S])').replace(/\\A/g, '^');
  return new RegExp(p, flags);
}

/** A Python re.Match look-alike for templates: `.group(1)`, `.group('name')`, `.groups()`. */
export function matchObject(m: RegExpExecArray | null): Record<string, unknown> | null {
  if (!m) return null;
  const group = (...which: unknown[]) => {
    const one = (w: unknown) => (typeof w === 'string' && !/^\d+$/.test(w) ? m.groups?.[w] : m[Number(w ?? 0)]) ?? '';
    return which.length > 1 ? which.map(one) : one(which[0] ?? 0);
  };
  return {
    group,
    groups: () => m.slice(1).map((x) => x ?? ''),
    groupdict: () => ({ ...(m.groups ?? {}) }),
    start: () => m.index,
    end: () => m.index + m[0].length,
    string: m.input,
  };
}

export function parseData(text: string, fmt: string, file: string): unknown {
  switch (fmt.toLowerCase()) {
    case 'json':
      return JSON.parse(text);
    case 'yaml':
    case 'yml':
      return parseYaml(text);
    case 'toml':
      return parseToml(text);
    default:
      throw new Error(`unknown file format '${fmt}' for ${file} (json, yaml, yml, toml)`);
  }
}

export function loadFileData(name: string, fmt: string | undefined, fromRecipeDir: boolean, where: FileLookup): unknown {
  const path = findFile(name, fromRecipeDir, where);
  const format = fmt || extname(name).slice(1);
  return parseData(readFileSync(path, 'utf8'), format, path);
}
