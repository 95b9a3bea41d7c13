// Running a build tool through the task's runners (host or container) and turning its outcome into
// artifacts or a classified failure, and the builder plugin around it. Shared by the conda-build and
// rattler-build builders (not a plugin itself). See README.md.
import { mkdir } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnySchema } from 'ajv';
import type { Engine } from '../../core/engine/engine.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { validatePluginOptions } from '../../core/engine/plugin-options.ts';
import { STAGE } from '../../core/engine/stage.ts';
import type { Artifact, BuildTask, ExecRequest, FailureClass, RecipeFormat } from '../../core/model/types.ts';
import { newPackages, publishToChannel, snapshotPackages } from './collect-artifacts.ts';
import { logScriptEnvironment } from '../../core/config/environment.ts';

/** The build tool failed, timed out, was cancelled, or built nothing. `failure` is what the scheduler reads. */
export class BuildToolError extends Error {
  override name = 'BuildToolError';
  constructor(
    message: string,
    readonly failure: FailureClass,
    readonly tool: string,
    readonly exitCode: number | null,
    readonly logFile: string,
  ) {
    super(message);
  }
}

/** A tool invocation: what to exec, and where its packages appear. */
export interface ToolCommand extends Omit<ExecRequest, 'task'> {
  /** Folder the tool writes `<subdir>/*.conda|*.tar.bz2` into. */
  outputDir: string;
  /** Folders created before the tool runs (its output and build roots). */
  makeDirs: string[];
}

/**
 * The env a tool runs with: this process's PATH and HOME (runners pass exactly the request env, and
 * on the host the tool is found on the user's PATH and reads its config under HOME), plus `extra`.
 * A container runner keeps only the PATH entries inside its mounts and drops HOME by default.
 */
export function toolEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME'] as const) if (process.env[k]) env[k] = process.env[k]!;
  return { ...env, ...extra };
}

/** A channel as the tools take it: local folders become file:// URLs, names and URLs stay. */
export const channelArg = (c: string): string => (isAbsolute(c) ? pathToFileURL(c).href : c);
export const isLocalChannel = (c: string): boolean => isAbsolute(c) || c.startsWith('file://');

/** Local channel folders (to mount read-only). */
export const localChannelDirs = (channels: readonly string[]): string[] =>
  channels.filter(isLocalChannel).map((c) => (c.startsWith('file://') ? new URL(c).pathname : c));

/**
 * Whether the build needs the network: any remote or named channel (a tool with no channel uses its
 * configured defaults), or a source with a URL.
 */
export function needsNetwork(task: BuildTask): boolean {
  if (!task.channels.length || task.channels.some((c) => !isLocalChannel(c))) return true;
  return task.node.variants.some((v) => v.source.some((s) => (s.url?.length ?? 0) > 0));
}

/** Run the tool through task.exec, then copy the new packages into the output channel. */
export async function runBuildTool(task: BuildTask, tool: string, cmd: ToolCommand): Promise<Artifact[]> {
  for (const d of cmd.makeDirs) await mkdir(d, { recursive: true });
  const subdirs = [...new Set([task.target.subdir, 'noarch'])];
  const before = await snapshotPackages(cmd.outputDir, subdirs);
  const { outputDir: _o, makeDirs: _m, ...req } = cmd;
  const result = await task.exec(req);
  const where = `${task.id} (${task.target.subdir})`;
  if (result.cancelled) throw new BuildToolError(`${tool} for ${where} was cancelled`, 'cancelled', tool, result.exitCode, task.logFile);
  if (result.timedOut) throw new BuildToolError(`${tool} for ${where} timed out after ${task.timeoutMs} ms`, 'timeout', tool, result.exitCode, task.logFile);
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with ${result.exitCode}`;
    throw new BuildToolError(`${tool} for ${where} ${how} (log: ${task.logFile})`, 'build', tool, result.exitCode, task.logFile);
  }
  const files = await newPackages(cmd.outputDir, subdirs, before);
  if (!files.length) {
    throw new BuildToolError(`${tool} for ${where} succeeded but wrote no package into ${cmd.outputDir}/{${subdirs.join(',')}} (log: ${task.logFile})`, 'build', tool, 0, task.logFile);
  }
  return publishToChannel(files, task.outputChannel);
}

/** A build tool builder's options (each plugin validates them against its own schema). */
export interface BuildToolOptions {
  /** The executable: a name on the runner's PATH or an absolute path. Default: the tool's name. */
  command?: string;
  /** Arguments appended to every invocation. */
  extraArgs?: string[];
}

/** What one build tool builder is: its plugin name, the tool, the recipe format it claims, its command line. */
export interface BuildToolSpec {
  plugin: string;
  tool: string;
  format: RecipeFormat;
  optionsSchema: AnySchema & object;
  command: (task: BuildTask, options: Required<BuildToolOptions>) => ToolCommand;
}

/**
 * The builder plugin of a build tool: validates `options` against `spec.optionsSchema`, then on each
 * run taps `run.build` for every target at STAGE.DEFAULT, claims the tasks whose recipe has
 * `spec.format`, runs the tool through the task's runners and returns the packages it made.
 */
export function buildToolPlugin(spec: BuildToolSpec, options: BuildToolOptions): Plugin {
  const o = validatePluginOptions<BuildToolOptions>(spec.plugin, spec.optionsSchema, options);
  const resolved = { command: o.command ?? spec.tool, extraArgs: [...(o.extraArgs ?? [])] };
  return {
    name: spec.plugin,
    apply(engine: Engine) {
      engine.hooks.run.tap(spec.plugin, (run) => {
        for (const target of run.targets) {
          run.hooks.build.for(target.subdir).tapPromise({ name: spec.plugin, stage: STAGE.DEFAULT }, async (task) => {
            if (task.node.recipe?.format !== spec.format) return undefined;
            const cmd = spec.command(task, resolved);
            // The tool passes on (script_env, script: secrets) what it finds in its own env: only
            // what the recipe asks for and the config allows is there; the command's own variables win.
            const requested = [...new Set(task.node.variants.flatMap((v) => v.scriptEnv ?? []))];
            cmd.env = { ...logScriptEnvironment(requested, run.config.environment, task.log), ...cmd.env };
            const artifacts = await runBuildTool(task, spec.tool, cmd);
            return { builder: spec.plugin, artifacts };
          });
        }
      });
    },
  };
}
