// Pure translation of an ExecRequest into `podman|docker run` arguments: mounts at the same path
// inside and out (so a builder's paths work unchanged), the working dir, the filtered env, limits.
import { isAbsolute, relative, resolve } from 'node:path';
import type { ExecRequest } from '../../core/model/types.ts';
import { isAllowedVariable, matchesName, type EnvironmentPolicy } from '../../core/config/environment.ts';
import type { ResolvedContainerRunnerOptions } from './options.ts';

/** A request the runner cannot express as a container (bad mount path); not retried. */
export class ContainerRequestError extends Error {
  override name = 'ContainerRequestError';
  readonly failure = 'internal' as const;
}

// conda-build's build variables (and rattler-build's): they describe the build, never the host
// user, so they always pass. Everything else in the request env needs the allowlist: the runner's
// envAllowlist plus the config's environment.allow, under the config's rule (a prefix never passes a
// secret: core/config/environment.ts).
export const BUILD_ENV = Object.freeze([
  'PREFIX', 'BUILD_PREFIX', 'SRC_DIR', 'RECIPE_DIR', 'PYTHON', 'PY_VER', 'PY3K', 'SP_DIR', 'STDLIB_DIR',
  'CPU_COUNT', 'SUBDIR', 'ARCH', 'HOST', 'target_platform', 'build_platform', 'host_platform', 'CONDA_BUILD',
  'CONDA_BUILD_STATE', 'SOURCE_DATE_EPOCH', 'LANG', 'LC_ALL', 'PYTHONNOUSERSITE', 'PYTHONUNBUFFERED',
  'PIP_NO_INDEX', 'PIP_NO_BUILD_ISOLATION', 'PIP_NO_DEPENDENCIES', 'PIP_IGNORE_INSTALLED', 'PIP_CACHE_DIR',
  'PKG_*', 'CONDA_BUILD_*',
]);

/** The PATH of the usual base images, used when the image's own PATH is unknown. */
export const DEFAULT_IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface ContainerEnv {
  env: Record<string, string>;
  /** Names of request variables left out (names only: values may be secrets). */
  dropped: string[];
}

/**
 * The container's env: build variables and allowlisted names pass; PATH is the request's PATH
 * entries that lie inside a mount (e.g. `$PREFIX/bin`), in front of the image's PATH, because host
 * directories outside the mounts do not exist in the container. Other names are dropped.
 */
export function containerEnv(
  req: Pick<ExecRequest, 'env' | 'mounts'>,
  allowlist: readonly string[],
  imagePath: string | null,
  policy: EnvironmentPolicy = { allow: [], secrets: [] },
): ContainerEnv {
  const rule: EnvironmentPolicy = { allow: [...allowlist, ...policy.allow], secrets: policy.secrets };
  const env: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(req.env)) {
    if (name === 'PATH') continue;
    if (matchesName(name, BUILD_ENV) || isAllowedVariable(name, rule)) env[name] = value;
    else dropped.push(name);
  }
  if (req.env.PATH !== undefined) {
    if (isAllowedVariable('PATH', rule)) env.PATH = req.env.PATH;
    else {
      const mounted = req.env.PATH.split(':').filter((p) => p && isAbsolute(p) && req.mounts.some((m) => within(p, m.path)));
      if (mounted.length) env.PATH = [...mounted, imagePath ?? DEFAULT_IMAGE_PATH].join(':');
    }
  }
  return { env, dropped: dropped.sort() };
}

/** Mounts normalised: absolute, no `:` or `,` (they break -v), nested duplicates folded into the outer mount. */
export function normaliseMounts(mounts: ExecRequest['mounts']): ExecRequest['mounts'] {
  const out: ExecRequest['mounts'] = [];
  for (const m of mounts) {
    if (!isAbsolute(m.path)) throw new ContainerRequestError(`mount path must be absolute: '${m.path}'`);
    if (/[:,\n]/.test(m.path)) throw new ContainerRequestError(`mount path cannot contain ':' ',' or a newline: '${m.path}'`);
    if (m.mode !== 'ro' && m.mode !== 'rw') throw new ContainerRequestError(`mount mode must be 'ro' or 'rw': '${m.mode}' for '${m.path}'`);
    out.push({ path: resolve(m.path), mode: m.mode });
  }
  // A mount inside another one of the same or a stronger mode adds nothing (of two equal ones the
  // first stays); a rw mount inside a ro one stays. Parents first, so nested mounts are not hidden.
  const covers = (o: ExecRequest['mounts'][number], m: ExecRequest['mounts'][number]) =>
    within(m.path, o.path) && (o.mode === 'rw' || m.mode === 'ro');
  return out
    .filter((m, i) => !out.some((o, j) => j !== i && covers(o, m) && !(covers(m, o) && j > i)))
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.path.localeCompare(b.path));
}

export interface RunArgsInput {
  req: Pick<ExecRequest, 'argv' | 'cwd' | 'env' | 'mounts' | 'network'>;
  options: ResolvedContainerRunnerOptions;
  image: string;
  name: string;
  /** The image's own PATH (from `image inspect`), or null when unknown. */
  imagePath: string | null;
  labels?: Record<string, string>;
  /** The config's `environment` rule (default: allow nothing beyond the runner's envAllowlist). */
  policy?: EnvironmentPolicy;
}

/** `run` arguments (without the engine binary). No `--rm`: the runner inspects, then removes the container itself. */
export function containerRunArgs({ req, options, image, name, imagePath, labels = {}, policy }: RunArgsInput): { args: string[]; dropped: string[] } {
  if (!req.argv.length) throw new ContainerRequestError('empty argv');
  if (!isAbsolute(req.cwd)) throw new ContainerRequestError(`cwd must be absolute: '${req.cwd}'`);
  const args = ['run', '--name', name];
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  if (!(options.network && req.network)) args.push('--network', 'none');
  if (options.cpus !== undefined) args.push('--cpus', String(options.cpus));
  if (options.memory !== undefined) args.push('--memory', options.memory);
  if (options.pull !== undefined) args.push('--pull', options.pull);
  for (const m of normaliseMounts(req.mounts)) args.push('-v', `${m.path}:${m.path}:${m.mode}`);
  args.push('-w', req.cwd);
  const { env, dropped } = containerEnv(req, options.envAllowlist, imagePath, policy);
  for (const [k, v] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) args.push('-e', `${k}=${v}`);
  args.push(...options.extraArgs, image, ...req.argv);
  return { args, dropped };
}

/** A container name from the task id: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, plus a random suffix against reuse. */
export function containerName(taskId: string, subdir: string, random: string): string {
  const safe = `${subdir}-${taskId}`.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').slice(0, 80);
  return `rebuild-${safe}-${random}`;
}

/** The argv as a log line, with env values hidden (they may hold secrets). */
export function redactedCommand(engine: string, args: string[]): string {
  const shown = args.map((a, i) => (args[i - 1] === '-e' ? a.replace(/=.*/s, '=…') : a));
  return [engine, ...shown].map((a) => (/^[\w@%+=:,./…-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
