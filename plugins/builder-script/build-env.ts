// The environment of a build script: the variables conda-build sets (see its "Environment
// variables" docs), and nothing inherited from the parent process.
import type { RenderedOutput, RenderedVariant } from '../../core/model/types.ts';

export interface BuildEnvInput {
  hostPrefix: string;
  buildPrefix: string;
  srcDir: string;
  recipeDir: string;
  homeDir: string;
  /** python (major.minor) of the host environment. */
  pythonVersion: string;
  /** The output whose name/version/build the PKG_* variables describe. */
  output: RenderedOutput;
  variant: RenderedVariant;
  targetSubdir: string;
  buildSubdir: string;
  cpuCount: number;
}

const SHLIB_EXT: Record<string, string> = { linux: '.so', osx: '.dylib', win: '.dll' };
const BASE_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildEnvironment(x: BuildEnvInput): Record<string, string> {
  const [platform, arch = ''] = x.targetSubdir.split('-');
  const stdlib = `${x.hostPrefix}/lib/python${x.pythonVersion}`;
  const env: Record<string, string> = {};
  // conda-build exports the variant keys too (python, numpy, c_compiler...); ours come after and win.
  for (const [k, v] of Object.entries(x.variant.variant)) if (ENV_NAME.test(k)) env[k] = String(v);
  Object.assign(env, {
    CONDA_BUILD: '1',
    CONDA_BUILD_STATE: 'BUILD',
    PREFIX: x.hostPrefix,
    CONDA_PREFIX: x.hostPrefix,
    BUILD_PREFIX: x.buildPrefix,
    SRC_DIR: x.srcDir,
    RECIPE_DIR: x.recipeDir,
    PYTHON: `${x.hostPrefix}/bin/python`,
    PY_VER: x.pythonVersion,
    PY3K: x.pythonVersion.startsWith('3') ? '1' : '0',
    CONDA_PY: x.pythonVersion.replace('.', ''),
    STDLIB_DIR: stdlib,
    SP_DIR: `${stdlib}/site-packages`,
    PKG_NAME: x.output.name,
    PKG_VERSION: x.output.version,
    PKG_BUILDNUM: String(x.output.buildNumber),
    PKG_BUILD_STRING: x.output.build,
    PKG_HASH: x.output.build.match(/h[0-9a-f]{7}/)?.[0] ?? '',
    CPU_COUNT: String(x.cpuCount),
    SHLIB_EXT: SHLIB_EXT[platform] ?? '',
    ARCH: arch === '64' ? '64' : arch,
    SUBDIR: x.targetSubdir,
    target_platform: x.targetSubdir,
    host_platform: x.targetSubdir,
    build_platform: x.buildSubdir,
    HOME: x.homeDir,
    LANG: 'C.UTF-8',
    // Build prefix tools first (compilers, cmake), then host prefix tools, then the system.
    PATH: `${x.buildPrefix}/bin:${x.hostPrefix}/bin:${BASE_PATH}`,
    PYTHONNOUSERSITE: '1',
    PIP_NO_BUILD_ISOLATION: 'False',
    PIP_NO_DEPENDENCIES: 'True',
    PIP_IGNORE_INSTALLED: 'True',
    PIP_NO_INDEX: 'True',
    PIP_CACHE_DIR: `${x.homeDir}/.pip-cache`,
  });
  return env;
}
