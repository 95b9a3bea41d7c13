// The functions rattler-build gives recipe expressions (docs: reference/jinja.md): compiler, stdlib,
// cdt, match, pin_subpackage, pin_compatible, is_linux/is_osx/is_windows/is_unix, and the `env` object.
// Callbacks never throw (see RecipeJinja.fail). Pins need versions and build strings known only after
// every output is rendered, so they render to a placeholder that `resolvePins` replaces later.
import { versionMatches } from '../../conda/match-spec.ts';
import { DEFAULT_PIN, type PinArgs } from './pin.ts';
import type { RecipeJinja } from './jinja.ts';

export interface PinRequest {
  kind: 'subpackage' | 'compatible';
  name: string;
  args: PinArgs;
}

const PIN_RE = /\u0000pin:([A-Za-z0-9_-]+)\u0000/g;

export function pinPlaceholder(pin: PinRequest): string {
  return `\u0000pin:${Buffer.from(JSON.stringify(pin)).toString('base64url')}\u0000`;
}

export const hasPin = (s: string): boolean => s.includes('\u0000pin:');

/** Replace every pin placeholder in `s` with `resolve(pin)`. */
export function resolvePins(s: string, resolve: (pin: PinRequest) => string): string {
  return s.replace(PIN_RE, (_m, b64: string) => resolve(JSON.parse(Buffer.from(b64, 'base64url').toString('utf8')) as PinRequest));
}

/** The pin requests inside a string (to find which outputs an output pins). */
export function pinsIn(s: string): PinRequest[] {
  return [...s.matchAll(PIN_RE)].map((m) => JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as PinRequest);
}

/** rattler-build's default compilers (inherited from conda-build). */
export function defaultCompiler(subdir: string, lang: string): string {
  if (lang === 'fortran') return 'gfortran';
  if (lang !== 'c' && lang !== 'cxx') return lang;
  if (subdir.startsWith('win-')) return 'vs2017';
  if (subdir.startsWith('osx-')) return lang === 'c' ? 'clang' : 'clangxx';
  if (subdir.startsWith('emscripten-')) return 'emscripten';
  return lang === 'c' ? 'gcc' : 'gxx';
}

/** conda-forge's stdlib names, used when the variant config has no `<lang>_stdlib` (rattler-build would fail). */
function defaultStdlib(subdir: string): string {
  if (subdir.startsWith('win-')) return 'vs';
  if (subdir.startsWith('osx-')) return 'macosx_deployment_target';
  return 'sysroot';
}

/** `gcc_linux-64 12.*` from a name, the target and an optional version (a bare version matches its prefix). */
function toolchainSpec(name: string, subdir: string, version: string | undefined): string {
  if (version === undefined || version === '') return `${name}_${subdir}`;
  return /^[A-Za-z0-9.]+$/.test(version) ? `${name}_${subdir} ${version}.*` : `${name}_${subdir} ${version}`;
}

export interface FunctionOptions {
  jinja: RecipeJinja;
  subdir: string;
  /** Variables visible to the recipe: variant values (strings). */
  variant: Record<string, string>;
  /** Environment variables for `env.get` / `env.exists`. */
  environ: Record<string, string | undefined>;
  warn(message: string): void;
}

type Kwargs = Map<string, unknown>;
const isKwargs = (v: unknown): v is Kwargs => v instanceof Map;

function splitArgs(args: unknown[]): { positional: unknown[]; kwargs: Kwargs } {
  const last = args[args.length - 1];
  return isKwargs(last) ? { positional: args.slice(0, -1), kwargs: last } : { positional: args, kwargs: new Map() };
}

/** The functions and objects to put in a jinja context. */
export function recipeFunctions(o: FunctionOptions): Record<string, unknown> {
  const { jinja, subdir, variant } = o;
  const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

  const toolchain = (kind: 'compiler' | 'stdlib') => (...args: unknown[]) => {
    const { positional } = splitArgs(args);
    const lang = str(positional[0]);
    if (!lang) return jinja.fail(`${kind}() needs a language, e.g. ${kind}('c')`);
    let name = variant[`${lang}_${kind}`];
    if (name === undefined) {
      if (kind === 'compiler') name = defaultCompiler(subdir, lang);
      else {
        name = defaultStdlib(subdir);
        o.warn(`stdlib('${lang}'): no '${lang}_stdlib' in the variant config; using '${name}'`);
      }
    }
    return toolchainSpec(name, subdir, variant[`${lang}_${kind}_version`]);
  };

  const pin = (kind: PinRequest['kind']) => (...args: unknown[]) => {
    const fn = `pin_${kind}`;
    const { positional, kwargs } = splitArgs(args);
    const name = str(positional[0]);
    if (!name) return jinja.fail(`${fn}() needs a package name`);
    if (positional.length > 1) return jinja.fail(`${fn}('${name}', ...) takes keyword arguments only (lower_bound=, upper_bound=, exact=, build=)`);
    const pinArgs: PinArgs = { ...DEFAULT_PIN };
    for (const [key, value] of kwargs) {
      switch (key) {
        case 'exact':
          pinArgs.exact = value === true || value === 'true' || value === 'True';
          break;
        case 'lower_bound':
        case 'upper_bound':
        case 'min_pin':
        case 'max_pin': {
          const v = str(value) ?? null;
          if (v !== null && !/^[A-Za-z0-9_.*+!]+$/.test(v)) return jinja.fail(`${fn}('${name}'): invalid ${key} '${v}'`);
          if (key === 'min_pin' || key === 'max_pin') {
            o.warn(`${fn}('${name}'): '${key}' is deprecated in rattler-build; read as '${key === 'min_pin' ? 'lower_bound' : 'upper_bound'}'`);
          }
          if (key === 'lower_bound' || key === 'min_pin') pinArgs.lowerBound = v;
          else pinArgs.upperBound = v;
          break;
        }
        case 'build':
          pinArgs.build = str(value) ?? null;
          break;
        default:
          return jinja.fail(`${fn}('${name}'): unknown argument '${key}'`);
      }
    }
    if (pinArgs.exact && pinArgs.build) return jinja.fail(`${fn}('${name}'): 'exact' and 'build' cannot be used together`);
    return pinPlaceholder({ kind, name: name.toLowerCase(), args: pinArgs });
  };

  const platformIs = (test: (os: string) => boolean) => (...args: unknown[]) => {
    const p = str(splitArgs(args).positional[0]);
    if (!p || !/^[a-z0-9]+-[a-z0-9_]+$|^noarch$/.test(p)) return jinja.fail(`invalid platform '${p ?? ''}'`);
    return test(p.split('-')[0]);
  };

  return {
    compiler: toolchain('compiler'),
    stdlib: toolchain('stdlib'),
    pin_subpackage: pin('subpackage'),
    pin_compatible: pin('compatible'),
    match: (...args: unknown[]) => {
      const { positional } = splitArgs(args);
      const [value, spec] = positional.map(str);
      if (spec === undefined) return jinja.fail('match(value, spec) needs two arguments');
      // An undefined variable (lenient condition) matches nothing.
      if (value === undefined || value === '') return false;
      const version = value.split(' ')[0].replace(/\.?\*$/, '');
      try {
        return versionMatches(spec, version);
      } catch (err) {
        return jinja.fail(`match('${value}', '${spec}'): ${(err as Error).message}`);
      }
    },
    cdt: (...args: unknown[]) => {
      const pkg = str(splitArgs(args).positional[0]);
      if (!pkg) return jinja.fail('cdt() needs a package name');
      const arch = subdir.split('-')[1] ?? '';
      const cdtArch = variant.cdt_arch ?? (arch === '64' ? 'x86_64' : arch === '32' ? 'i686' : arch);
      const cdtName = variant.cdt_name ?? (['s390x', 'aarch64', 'ppc64le', 'ppc64'].includes(arch) ? 'cos7' : 'cos6');
      const [name, ...rest] = pkg.split(' ');
      return [`${name}-${cdtName}-${cdtArch}`, ...rest].join(' ');
    },
    is_linux: platformIs((os) => os === 'linux'),
    is_osx: platformIs((os) => os === 'osx'),
    is_windows: platformIs((os) => os === 'win'),
    is_unix: platformIs((os) => os === 'linux' || os === 'osx'),
    env: {
      get: (...args: unknown[]) => {
        const { positional, kwargs } = splitArgs(args);
        const name = str(positional[0]);
        if (!name) return jinja.fail('env.get() needs a variable name');
        const value = o.environ[name];
        if (value !== undefined) return value;
        const fallback = kwargs.has('default') ? kwargs.get('default') : positional[1];
        if (fallback !== undefined) return String(fallback);
        return jinja.fail(`environment variable ${name} is not set (give env.get('${name}', default='...'))`);
      },
      exists: (...args: unknown[]) => {
        const name = str(splitArgs(args).positional[0]);
        return name !== undefined && o.environ[name] !== undefined;
      },
    },
    cmp: () => jinja.fail('`cmp` is not supported anymore: use `match`'),
  };
}
