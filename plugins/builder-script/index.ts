// rebuild:builder-script — the embedded builder: runs a recipe's build script with conda-build's
// environment (PREFIX, SRC_DIR, PYTHON, ...) through the runner plugins, and packs the files the
// script added to PREFIX into conda packages itself. Needs no conda installation.
// The build's code (build.ts: installs, solves, package writing) is loaded at the first build, not
// by every command that loads the config.
import { availableParallelism } from 'node:os';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';
import type { PackageFormat } from '../../core/conda/package-types.ts';
import type { BuildTime } from './build-time.ts';
import { ScriptBuildError } from './errors.ts';

export { ScriptBuildError };
export type { BuildTime };
/** For builders of other kinds (examples/plugins/wheel-builder): the same reproducible package time (build-time.ts). */
export async function buildTime(recipeDir: string, env: NodeJS.ProcessEnv = process.env): Promise<BuildTime> {
  return (await import('./build-time.ts')).buildTime(recipeDir, env);
}
export const PLUGIN_NAME = 'rebuild:builder-script';

export interface ScriptBuilderOptions {
  /** Package formats to write. Default ['tar.bz2']. */
  formats?: PackageFormat[];
  /** Interpreter for build scripts, before the script path. Default ['/bin/sh', '-e'] (POSIX, runs in busybox). */
  shell?: string[];
  /** zstd level for .conda. Default 19 (conda-build's). */
  zstdLevel?: number;
  /** CPU_COUNT given to scripts. Default: this machine's parallelism. */
  cpuCount?: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    formats: {
      description: "Package formats to write: 'tar.bz2' and/or 'conda' (default ['tar.bz2']).",
      type: 'array',
      minItems: 1,
      items: { enum: ['tar.bz2', 'conda'] },
    },
    shell: {
      description: "Interpreter for build scripts, before the script path (default ['/bin/sh', '-e']).",
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
    },
    zstdLevel: { description: "zstd level for .conda packages, 1..22 (default 19, conda-build's).", type: 'integer', minimum: 1, maximum: 22 },
    cpuCount: { description: "CPU_COUNT given to build scripts (default: this machine's parallelism).", type: 'integer', minimum: 1 },
  },
} as const;

export interface Normalized {
  formats: PackageFormat[];
  shell: string[];
  zstdLevel: number;
  cpuCount: number;
}

/** The options with their defaults (validated: bad options fail when the config is loaded). */
export function normalize(options: ScriptBuilderOptions): Normalized {
  const o = validatePluginOptions<ScriptBuilderOptions>(PLUGIN_NAME, optionsSchema, options);
  return {
    formats: [...new Set<PackageFormat>(o.formats ?? ['tar.bz2'])],
    shell: o.shell ?? ['/bin/sh', '-e'],
    zstdLevel: o.zstdLevel ?? 19,
    cpuCount: o.cpuCount ?? availableParallelism(),
  };
}

/** The conda subdir of this machine (build_platform). */
export function hostSubdir(): string {
  const platform = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform as string] ?? process.platform;
  const arch = { x64: '64', arm64: platform === 'osx' ? 'arm64' : 'aarch64', ppc64: 'ppc64le', s390x: 's390x', ia32: '32' }[process.arch as string] ?? process.arch;
  return `${platform}-${arch}`;
}

export function scriptBuilder(options: ScriptBuilderOptions = {}): Plugin {
  normalize(options); // bad options fail when the config is loaded, not at the first build
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        for (const subdir of new Set(run.targets.map((t) => t.subdir))) {
          run.hooks.build.for(subdir).tapPromise({ name: PLUGIN_NAME, stage: STAGE.FALLBACK }, async (task) =>
            (await import('./build.ts')).buildWithScript(task, options, run.config.environment));
        }
      });
    },
  };
}
