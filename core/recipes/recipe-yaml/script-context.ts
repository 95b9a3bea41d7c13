// What rattler-build gives `${{ }}` expressions of build and test scripts on top of the recipe
// context: the build environment variables (rattler-build docs, build_script.md, "Default environment
// variables set during the build process"), which it renders when the script runs. Here they are
// rendered at plan time: values fixed by the target and variant are given as such (PY_VER, SHLIB_EXT,
// SUBDIR, ...); paths of the build's prefixes and directories as references to the variable the
// builder sets (`$PREFIX/bin/python` in bash, `%PREFIX%\python.exe` in cmd), so the rendered script
// runs wherever the build happens. RECIPE_DIR is the recipe's own directory, as in meta.yaml.
import type { JinjaContext } from './jinja.ts';

export interface ScriptContextInput {
  subdir: string;
  /** The variant's python (major.minor), else the target's. */
  python: string;
  recipeDir: string;
  variant: Record<string, string>;
  /** The recipe's package (or recipe:) name, version and build number, when known. */
  pkg: { name?: string; version?: string; buildNumber?: string };
}

/** The variables of a build or test script's expressions (strings), for one target and variant. */
export function scriptContext(input: ScriptContextInput): JinjaContext {
  const { subdir, python, variant } = input;
  const [os, arch = ''] = subdir.split('-');
  const win = os === 'win';
  const ref = (name: string) => (win ? `%${name}%` : `$${name}`);
  const vars: Record<string, string> = {
    CONDA_BUILD: '1',
    CONDA_BUILD_STATE: 'BUILD',
    SUBDIR: subdir,
    ARCH: arch === '64' ? '64' : arch === '32' ? '32' : arch,
    SHLIB_EXT: win ? '.dll' : os === 'osx' ? '.dylib' : '.so',
    PY_VER: python,
    PY3K: python.startsWith('3') ? '1' : '0',
    RECIPE_DIR: input.recipeDir,
    PREFIX: ref('PREFIX'),
    BUILD_PREFIX: ref('BUILD_PREFIX'),
    SRC_DIR: ref('SRC_DIR'),
    BUILD_DIR: ref('BUILD_DIR'),
    CPU_COUNT: ref('CPU_COUNT'),
    SOURCE_DATE_EPOCH: ref('SOURCE_DATE_EPOCH'),
  };
  if (input.pkg.name) vars.PKG_NAME = input.pkg.name;
  if (input.pkg.version) vars.PKG_VERSION = input.pkg.version;
  if (input.pkg.buildNumber) vars.PKG_BUILDNUM = input.pkg.buildNumber;
  if (win) {
    Object.assign(vars, {
      PYTHON: '%PREFIX%\\python.exe',
      STDLIB_DIR: '%PREFIX%\\Lib',
      SP_DIR: '%PREFIX%\\Lib\\site-packages',
      LIBRARY_PREFIX: '%PREFIX%\\Library',
      LIBRARY_BIN: '%PREFIX%\\Library\\bin',
      LIBRARY_INC: '%PREFIX%\\Library\\include',
      LIBRARY_LIB: '%PREFIX%\\Library\\lib',
      SCRIPTS: '%PREFIX%\\Scripts',
    });
  } else {
    Object.assign(vars, {
      PYTHON: '$PREFIX/bin/python',
      STDLIB_DIR: `$PREFIX/lib/python${python}`,
      SP_DIR: `$PREFIX/lib/python${python}/site-packages`,
      CMAKE_GENERATOR: 'Unix Makefiles',
    });
  }
  if (variant.numpy) vars.NPY_VER = variant.numpy.split('.').slice(0, 2).join('.');
  const r = variant.r_base ?? variant['r-base'];
  if (r) {
    vars.R_VER = r.split('.').slice(0, 2).join('.');
    vars.R = win ? '%PREFIX%\\Scripts\\R.exe' : '$PREFIX/bin/R';
  }
  return vars;
}

/** Is `path` a build script (`build.script`, an output's or a staging output's) or a test's `script`? */
export function isScriptPath(path: readonly (string | number)[]): boolean {
  const n = path.length;
  return n >= 2 && path[n - 1] === 'script' && (path[n - 2] === 'build' || (typeof path[n - 2] === 'number' && path[n - 3] === 'tests'));
}
