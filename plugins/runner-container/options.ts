// Options of the container runner: the JSON schema they are validated against, and their defaults.
import { readFileSync } from 'node:fs';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';

export const PLUGIN_NAME = 'rebuild:runner-container';

// The subdir names come from the config schema, so an image keyed by an unknown arch fails early.
const configSchema = JSON.parse(readFileSync(new URL('../../schema/rebuild.schema.json', import.meta.url), 'utf8'));
const SUBDIRS: string[] = configSchema.definitions.subdir.enum;

export interface ContainerRunnerOptions {
  /** `podman` or `docker`: a binary name on PATH or a path to it. Default `podman`. */
  engine?: string;
  /** Image per subdir; a task whose subdir has no image is left to the next runner (the host). */
  images: Partial<Record<string, string>>;
  /** Give the container network when a command asks for it. Default false: always `--network none`. */
  network?: boolean;
  /** Extra variables of the request's env that pass into the container: names, or prefixes ending in `*`. */
  envAllowlist?: string[];
  /** `--cpus`. */
  cpus?: number;
  /** `--memory`, e.g. `4g`. */
  memory?: string;
  /** `--pull` policy; the engine's default (missing) when not set. */
  pull?: 'always' | 'missing' | 'never' | 'newer';
  /** Seconds `stop` waits after SIGTERM before SIGKILL on timeout or cancel. Default 2. */
  stopTimeoutSeconds?: number;
  /** Extra `run` arguments, placed before the image (e.g. `['--user', '1000:1000']`). */
  extraArgs?: string[];
}

export type ResolvedContainerRunnerOptions = Required<Omit<ContainerRunnerOptions, 'cpus' | 'memory' | 'pull'>> &
  Pick<ContainerRunnerOptions, 'cpus' | 'memory' | 'pull'>;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['images'],
  properties: {
    engine: { description: 'podman or docker: a binary name on PATH or a path to it.', type: 'string', minLength: 1 },
    images: {
      description: 'Image per conda subdir; subdirs without one are run by the next runner (the host).',
      type: 'object',
      propertyNames: { enum: SUBDIRS },
      additionalProperties: { type: 'string', minLength: 1 },
    },
    network: { description: 'Allow network to commands that ask for it (default false: --network none).', type: 'boolean' },
    envAllowlist: {
      description: 'Variables of the request env passed into the container: exact names or prefixes ending in *.',
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*\\*?$' },
    },
    cpus: { description: 'CPU limit (--cpus).', type: 'number', exclusiveMinimum: 0 },
    memory: { description: 'Memory limit (--memory), e.g. 512m or 4g.', type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?[bkmgBKMG]?$' },
    pull: { description: 'Image pull policy (--pull).', enum: ['always', 'missing', 'never', 'newer'] },
    stopTimeoutSeconds: { description: 'Seconds between SIGTERM and SIGKILL when a container is stopped.', type: 'integer', minimum: 0 },
    extraArgs: { description: 'Extra run arguments, placed before the image.', type: 'array', items: { type: 'string' } },
  },
} as const;

export function resolveOptions(options: unknown): ResolvedContainerRunnerOptions {
  const o = validatePluginOptions<ContainerRunnerOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    engine: o.engine ?? 'podman',
    images: { ...o.images },
    network: o.network ?? false,
    envAllowlist: [...(o.envAllowlist ?? [])],
    cpus: o.cpus,
    memory: o.memory,
    pull: o.pull,
    stopTimeoutSeconds: o.stopTimeoutSeconds ?? 2,
    extraArgs: [...(o.extraArgs ?? [])],
  };
}
