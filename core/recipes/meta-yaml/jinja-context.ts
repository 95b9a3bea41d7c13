// The Jinja context conda-build gives meta.yaml: selector names, variant keys, build environment
// variables (PKG_NAME, PYTHON, SP_DIR, ...), environ/os, and the functions compiler, stdlib, cdt,
// pin_subpackage, pin_compatible, load_setup_py_data, load_file_regex, load_file_data, load_str_data.
// Paths that depend on the build prefix are given as the variable itself on unix
// (`$PREFIX/bin/python`), so a rendered build script still works when the builder sets PREFIX; on
// Windows under a fixed placeholder path (WIN_PREFIX_PLACEHOLDER) that builders substitute.
import { basename, dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { Target } from '../../model/types.ts';
import { applyPinExpressions, ensureValidSpec } from './pins.ts';
import { splitKwargs, type JinjaCompat } from './jinja-compat.ts';
import {
  MissingRecipeFileError,
  UnanswerableError,
  emptyData,
  findFile,
  loadFileData,
  matchObject,
  parseData,
  pythonRegex,
  readSetupPy,
  type FileLookup,
} from './load-files.ts';

/** conda-build's native compilers per platform (variants.DEFAULT_COMPILERS; win: python >= 3.5). */
export const DEFAULT_COMPILERS: Record<string, Record<string, string>> = {
  linux: { c: 'gcc', cxx: 'gxx', fortran: 'gfortran' },
  osx: { c: 'clang', cxx: 'clangxx', fortran: 'gfortran' },
  win: { c: 'vs2017', cxx: 'vs2017', fortran: 'gfortran' },
};

/** The `c_stdlib` conda-forge's pinning gives per platform, used when the variant names none. */
export const DEFAULT_C_STDLIB: Record<string, string> = { linux: 'sysroot', osx: 'macosx_deployment_target', win: 'vs' };

export const platformOf = (subdir: string): string => subdir.split('-')[0];
/** conda-build's ARCH: '64' for linux-64/osx-64/win-64, else the machine ('aarch64', 'arm64', ...). */
export const archOf = (subdir: string): string => subdir.split('-')[1] ?? '';

/**
 * Windows prefix placeholder in rendered text. `%PREFIX%` cannot be used: a YAML plain scalar may
 * not start with `%` (`script: {{ PYTHON }} -m pip ...`). Builders replace it with the real prefix.
 */
export const WIN_PREFIX_PLACEHOLDER = 'C:\\rebuild\\_h_env';
export const WIN_BUILD_PREFIX_PLACEHOLDER = 'C:\\rebuild\\_build_env';
export const WIN_SRC_DIR_PLACEHOLDER = 'C:\\rebuild\\work';

/** Variant keys conda-build always has (get_default_variant): target_platform, native compilers, vc on win. */
export function defaultVariant(target: Target): Record<string, string> {
  const platform = platformOf(target.subdir);
  const out: Record<string, string> = { target_platform: target.subdir, python: target.python };
  for (const [lang, name] of Object.entries(DEFAULT_COMPILERS[platform] ?? {})) out[`${lang}_compiler`] = name;
  if (platform === 'win') out.vc = '14';
  return out;
}

export interface SubpackageInfo {
  version: string;
  /** Placeholder for the exact build string, replaced once every output is finalised. */
  exactBuild: string;
}

export interface JinjaContextInput {
  target: Target;
  /** The full variant (defaults included): keys are Jinja names too. */
  variant: Record<string, string>;
  /** Selector names (linux, win, py, ...) for this target and variant. */
  selectors: Record<string, unknown>;
  lookup: FileLookup;
  pkg: { name: string; version: string; buildNumber: string; hash: string; buildString: string };
  /** Outputs known from the previous pass, for pin_subpackage. */
  outputs: Map<string, SubpackageInfo>;
  /** Versions of host requirements known from the previous pass (`numpy 1.26.*` → 1.26), for pin_compatible. */
  hostVersions: Map<string, string>;
  /** Warnings only in the final pass; earlier passes are allowed not to know things yet. */
  final: boolean;
  /** Report a warning; `hints` are texts the line at fault contains. */
  warn(message: string, hints?: string[]): void;
  /** Extra environment variables visible to environ / os.environ. */
  env?: Record<string, string>;
  /**
   * Defer `pin_subpackage`: each call renders as what this returns (a marker the caller replaces
   * once the outputs are known: render.ts, one pass where conda-build renders twice).
   */
  deferPin?: (call: SubpackagePinCall) => string;
}

function buildVars(target: Target, variant: Record<string, string>, input: JinjaContextInput): Record<string, string> {
  const platform = platformOf(target.subdir);
  const win = platform === 'win';
  const py = target.python;
  const v: Record<string, string> = {
    CONDA_BUILD: '1',
    CONDA_BUILD_STATE: 'RENDER',
    PKG_NAME: input.pkg.name,
    PKG_VERSION: input.pkg.version,
    PKG_BUILDNUM: input.pkg.buildNumber,
    PKG_BUILD_STRING: input.pkg.buildString,
    PKG_HASH: input.pkg.hash,
    RECIPE_DIR: input.lookup.recipeDir,
    SUBDIR: target.subdir,
    ARCH: archOf(target.subdir),
    target_platform: variant.target_platform ?? target.subdir,
    build_platform: target.subdir,
    PY_VER: py,
    PY3K: py.startsWith('3') ? '1' : '0',
    CONDA_PY: py.split('.').slice(0, 2).join(''),
    SHLIB_EXT: win ? '.dll' : platform === 'osx' ? '.dylib' : '.so',
  };
  if (variant.numpy) {
    v.NPY_VER = variant.numpy.split('.').slice(0, 2).join('.');
    v.CONDA_NPY = v.NPY_VER.replace('.', '');
  }
  if (variant.perl) v.PERL_VER = variant.perl;
  if (variant.lua) v.LUA_VER = variant.lua;
  if (variant.r_base) v.R_VER = variant.r_base;
  if (win) {
    const p = WIN_PREFIX_PLACEHOLDER;
    Object.assign(v, {
      PREFIX: p,
      BUILD_PREFIX: WIN_BUILD_PREFIX_PLACEHOLDER,
      SRC_DIR: WIN_SRC_DIR_PLACEHOLDER,
      PYTHON: `${p}\\python.exe`,
      STDLIB_DIR: `${p}\\Lib`,
      SP_DIR: `${p}\\Lib\\site-packages`,
      LIBRARY_PREFIX: `${p}\\Library`,
      LIBRARY_BIN: `${p}\\Library\\bin`,
      LIBRARY_INC: `${p}\\Library\\include`,
      LIBRARY_LIB: `${p}\\Library\\lib`,
      SCRIPTS: `${p}\\Scripts`,
    });
  } else {
    Object.assign(v, {
      PREFIX: '$PREFIX',
      BUILD_PREFIX: '$BUILD_PREFIX',
      SRC_DIR: '$SRC_DIR',
      PYTHON: '$PREFIX/bin/python',
      STDLIB_DIR: `$PREFIX/lib/python${py}`,
      SP_DIR: `$PREFIX/lib/python${py}/site-packages`,
    });
  }
  return v;
}

/**
 * Build the Jinja globals for one render pass. Functions never throw (see JinjaCompat.guard).
 * Only the entries whose name is `wanted` are made (a template reads few of them; the others cost
 * time to make and to hand to minijinja): each has the value it has in the whole context.
 */
function kwarg(kw: Map<string, unknown>, name: string, dflt: string | null): string | null {
  if (!kw.has(name)) return dflt;
  const x = kw.get(name);
  return x === undefined || x === null || x === '' ? null : String(x);
}

/** The arguments of one `pin_subpackage(...)` call. */
export interface SubpackagePinCall {
  name: string;
  minPin: string | null;
  maxPin: string | null;
  exact: unknown;
  lower: string | null;
  upper: string | null;
}

function subpackagePinCall(args: unknown[]): SubpackagePinCall {
  const [pos, kw] = splitKwargs(args);
  return {
    name: String(pos[0]),
    minPin: kwarg(kw, 'min_pin', pos[1] !== undefined ? String(pos[1]) : 'x.x.x.x.x.x'),
    maxPin: kwarg(kw, 'max_pin', pos[2] !== undefined ? String(pos[2]) : 'x'),
    exact: kw.get('exact') ?? pos[3],
    lower: kwarg(kw, 'lower_bound', null),
    upper: kwarg(kw, 'upper_bound', null),
  };
}

/** What `pin_subpackage` renders, given the outputs a previous pass learnt. */
export function subpackagePin(call: SubpackagePinCall, outputs: ReadonlyMap<string, SubpackageInfo>, warn: (message: string, ...hints: string[]) => void): string {
  const { name } = call;
  const sub = outputs.get(name);
  if (!sub || !sub.version) {
    warn(`pin_subpackage('${name}'): no output named '${name}' in this recipe; left unpinned`, 'pin_subpackage', name);
    return name;
  }
  if (call.exact) return `${name} ${sub.version} ${sub.exactBuild}`;
  if (call.upper) return `${name} >=${call.lower ?? sub.version},<${call.upper}`;
  const pin = applyPinExpressions(call.lower ?? sub.version, call.minPin, call.maxPin);
  return pin ? `${name} ${pin}` : name;
}

/**
 * What a context's functions read, made once per context. The functions themselves are made only
 * for the entries a template reads (CONTEXT_FUNCTIONS): ~30 closures made on every call (each named
 * by the TypeScript loader's keepNames, a property definition) were most of a call's cost before
 * the function was optimized, which a render run rarely waits for (one call per recipe pass).
 */
interface ContextScope {
  input: JinjaContextInput;
  compat: JinjaCompat;
  target: Target;
  variant: Record<string, string>;
  platform: string;
  targetPlatform: string;
  environ: Record<string, string>;
}

export function condaBuildContext(input: JinjaContextInput, compat: JinjaCompat, wanted: (name: string) => boolean = allNames): Record<string, unknown> {
  const { target, variant } = input;
  const platform = platformOf(target.subdir);
  const vars = buildVars(target, variant, input);
  const environ: Record<string, string> = { ...vars, ...input.env };
  // conda-build escapes backslashes of the context values it gives Jinja (get_dict(escape_backslash=True)).
  const ctxVars = platform === 'win' ? Object.fromEntries(Object.entries(vars).map(([k, x]) => [k, x.replace(/\\/g, '\\\\')])) : vars;
  const scope: ContextScope = { input, compat, target, variant, platform, targetPlatform: variant.target_platform ?? target.subdir, environ };

  // The entries of {...selectors (not functions), ...variant, ...ctxVars, environ, os, compiler, ...}
  // in that order (a later one replaces an earlier one of the same name), the wanted ones only.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input.selectors)) {
    const x = input.selectors[key];
    if (typeof x !== 'function' && wanted(key)) setEntry(out, key, x);
  }
  for (const key of Object.keys(variant)) if (wanted(key)) setEntry(out, key, variant[key]);
  for (const key of Object.keys(ctxVars)) if (wanted(key)) setEntry(out, key, ctxVars[key]);
  for (let i = 0; i < CONTEXT_FUNCTIONS.length; i++) {
    const [key, make] = CONTEXT_FUNCTIONS[i];
    if (wanted(key)) setEntry(out, key, make(scope));
  }
  return out;
}

function allNames(): boolean {
  return true;
}

function setEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}

/** A warning of the final pass (earlier passes are allowed not to know things yet). */
function warnFinal(scope: ContextScope, msg: string, ...hints: string[]): void {
  if (scope.input.final) scope.input.warn(msg, hints);
}

function compilerOf(scope: ContextScope, lang: unknown): string {
  const { variant, platform, targetPlatform } = scope;
  const l = String(lang);
  const name = variant[`${l}_compiler`] ?? DEFAULT_COMPILERS[platform]?.[l] ?? l;
  const version = variant[`${l}_compiler_version`];
  return version ? ensureValidSpec(`${name}_${targetPlatform} ${version}`) : `${name}_${targetPlatform}`;
}

function stdlibOf(scope: ContextScope, lang: unknown): string {
  const { variant, platform, targetPlatform } = scope;
  const l = String(lang);
  const name = variant[`${l}_stdlib`] ?? (l === 'c' ? DEFAULT_C_STDLIB[platform] : undefined) ?? l;
  const version = variant[`${l}_stdlib_version`];
  return version ? ensureValidSpec(`${name}_${targetPlatform} ${version}`) : `${name}_${targetPlatform}`;
}

function cdtOf(scope: ContextScope, pkg: unknown): string {
  const { variant, target } = scope;
  const arch = archOf(target.subdir);
  let cdtName = 'cos6';
  let cdtArch = arch === '64' ? 'x86_64' : arch === '32' ? 'i686' : arch;
  if (['ppc64le', 'aarch64', 'ppc64', 's390x'].includes(arch)) cdtName = 'cos7';
  cdtName = variant.cdt_name ?? cdtName;
  cdtArch = variant.cdt_arch ?? cdtArch;
  const [name, ...rest] = String(pkg).split(' ');
  return [`${name}-${cdtName}-${cdtArch}`, ...rest].join(' ');
}

function pinSubpackageOf(scope: ContextScope, args: unknown[]): string {
  const { input } = scope;
  const call = subpackagePinCall(args);
  return input.deferPin ? input.deferPin(call) : subpackagePin(call, input.outputs, (msg, ...hints) => warnFinal(scope, msg, ...hints));
}

function pinCompatibleOf(scope: ContextScope, args: unknown[]): string {
  const { input, variant } = scope;
  const [pos, kw] = splitKwargs(args);
  const name = String(pos[0]);
  const lower = kwarg(kw, 'lower_bound', pos[1] !== undefined ? String(pos[1]) : null);
  const upper = kwarg(kw, 'upper_bound', pos[2] !== undefined ? String(pos[2]) : null);
  const minPin = kwarg(kw, 'min_pin', pos[3] !== undefined ? String(pos[3]) : 'x.x.x.x.x.x');
  const maxPin = kwarg(kw, 'max_pin', pos[4] !== undefined ? String(pos[4]) : 'x');
  const exact = kw.get('exact') ?? pos[5];
  const known = input.hostVersions.get(name) ?? variant[name] ?? variant[name.replace(/-/g, '_')];
  const version = lower ?? known;
  if (!version) {
    warnFinal(scope, `pin_compatible('${name}'): no version of '${name}' known from the variant or the host requirements; left unpinned`, 'pin_compatible', name);
    return name;
  }
  if (exact && known) return `${name} ${known}`;
  if (upper) return `${name} ${minPin || lower ? `>=${version},` : ''}<${upper}`;
  const pin = applyPinExpressions(version, minPin, maxPin);
  return pin ? `${name} ${pin}` : name;
}

function unanswerable(scope: ContextScope, fn: string, err: unknown): boolean {
  if (err instanceof UnanswerableError) {
    warnFinal(scope, `${fn}: ${err.message}; rendered as empty`, fn);
    return true;
  }
  return false;
}

function fromRecipe(kw: Map<string, unknown>, pos?: unknown): boolean {
  return !!(kw.get('from_recipe_dir') ?? pos);
}

function loadSetupPyDataOf(scope: ContextScope, args: unknown[]): unknown {
  const [pos, kw] = splitKwargs(args);
  const setupFile = String(kw.get('setup_file') ?? pos[0] ?? 'setup.py');
  let path: string;
  try {
    path = findFile(setupFile, fromRecipe(kw, pos[1]), scope.input.lookup);
  } catch (err) {
    if (unanswerable(scope, 'load_setup_py_data', err)) return emptyData();
    if (err instanceof MissingRecipeFileError) {
      // conda-build returns {} when setup.py does not exist yet; say so.
      warnFinal(scope, `load_setup_py_data: ${err.message}; rendered as empty`, 'load_setup_py_data');
      return emptyData();
    }
    throw err;
  }
  const { data, unresolved } = readSetupPy(path);
  if (!unresolved.length) return data;
  // Warn only when the recipe reads a computed key (`packages=find_packages()` is common and unused).
  const warned = new Set<string>();
  const computed = (key: PropertyKey) => {
    if (typeof key !== 'string' || !unresolved.includes(key) || warned.has(key)) return;
    warned.add(key);
    warnFinal(scope, `load_setup_py_data: ${basename(path)} computes ${key}; not answerable without running it, rendered as empty`, 'load_setup_py_data');
  };
  return new Proxy(data, {
    get: (obj, key, receiver) => (computed(key), Reflect.get(obj, key, receiver)),
    has: (obj, key) => (computed(key), Reflect.has(obj, key)),
  });
}

function loadFileRegexOf(scope: ContextScope, args: unknown[]): unknown {
  const [pos, kw] = splitKwargs(args);
  const file = String(kw.get('load_file') ?? pos[0]);
  const pattern = String(kw.get('regex_pattern') ?? pos[1]);
  let path: string;
  try {
    path = findFile(file, fromRecipe(kw, pos[2]), scope.input.lookup);
  } catch (err) {
    if (unanswerable(scope, 'load_file_regex', err)) return emptyMatch();
    throw err;
  }
  const m = pythonRegex(pattern).exec(readFileSync(path, 'utf8'));
  if (!m) {
    warnFinal(scope, `load_file_regex: pattern ${JSON.stringify(pattern)} does not match ${path}; rendered as empty`, 'load_file_regex');
    return emptyMatch();
  }
  return matchObject(m);
}

function emptyMatch(): unknown {
  return matchObject(Object.assign([''], { index: 0, input: '' }) as unknown as RegExpExecArray);
}

function loadFileDataOf(scope: ContextScope, args: unknown[]): unknown {
  const [pos, kw] = splitKwargs(args);
  const file = String(kw.get('filename') ?? pos[0]);
  const fmt = (kw.get('fmt') ?? pos[1]) as string | undefined;
  try {
    return loadFileData(file, fmt, fromRecipe(kw), scope.input.lookup);
  } catch (err) {
    if (unanswerable(scope, 'load_file_data', err)) return emptyData();
    throw err;
  }
}

function loadStrData(...args: unknown[]): unknown {
  const [pos, kw] = splitKwargs(args);
  return parseData(String(kw.get('string') ?? pos[0]), String(kw.get('fmt') ?? pos[1]), '<string>');
}

function osOf(scope: ContextScope): unknown {
  const { compat, platform, environ } = scope;
  return {
    environ,
    sep: platform === 'win' ? '\\' : '/',
    name: platform === 'win' ? 'nt' : 'posix',
    linesep: platform === 'win' ? '\r\n' : '\n',
    getenv: compat.guard('os.getenv', (k: unknown, d: unknown) => environ[String(k)] ?? d ?? ''),
    path: {
      sep: platform === 'win' ? '\\' : '/',
      join: compat.guard('os.path.join', (...parts: unknown[]) => join(...parts.map(String))),
      basename: compat.guard('os.path.basename', (p: unknown) => basename(String(p))),
      dirname: compat.guard('os.path.dirname', (p: unknown) => dirname(String(p))),
      exists: compat.guard('os.path.exists', (p: unknown) => existsSync(String(p)), false),
      isfile: compat.guard('os.path.isfile', (p: unknown) => existsSync(String(p)), false),
    },
  };
}

// The context's functions and objects after its values, in this order, each made for one context
// when its name is wanted; the functions never throw (JinjaCompat.guard).
const CONTEXT_FUNCTIONS: readonly (readonly [string, (scope: ContextScope) => unknown])[] = [
  ['environ', (s) => s.environ],
  ['os', osOf],
  ['compiler', (s) => s.compat.guard('compiler', (lang: unknown) => compilerOf(s, lang))],
  ['stdlib', (s) => s.compat.guard('stdlib', (lang: unknown) => stdlibOf(s, lang))],
  ['cdt', (s) => s.compat.guard('cdt', (pkg: unknown) => cdtOf(s, pkg))],
  ['ccache', (s) => s.compat.guard('ccache', () => 'ccache')],
  ['pin_subpackage', (s) => s.compat.guard('pin_subpackage', (...args: unknown[]) => pinSubpackageOf(s, args))],
  ['pin_compatible', (s) => s.compat.guard('pin_compatible', (...args: unknown[]) => pinCompatibleOf(s, args))],
  ['load_setup_py_data', (s) => s.compat.guard('load_setup_py_data', (...args: unknown[]) => loadSetupPyDataOf(s, args), {})],
  ['load_setuptools', (s) => s.compat.guard('load_setuptools', (...args: unknown[]) => loadSetupPyDataOf(s, args), {})],
  ['load_file_regex', (s) => s.compat.guard('load_file_regex', (...args: unknown[]) => loadFileRegexOf(s, args), {})],
  ['load_file_data', (s) => s.compat.guard('load_file_data', (...args: unknown[]) => loadFileDataOf(s, args), {})],
  ['load_str_data', (s) => s.compat.guard('load_str_data', loadStrData, {})],
  ['resolved_packages', (s) => s.compat.guard('resolved_packages', () => [], [])],
];
