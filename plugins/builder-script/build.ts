// The script builder's build of one task (index.ts loads this module at the first build): each
// variant's build and host environments installed, its script run, the files it added to PREFIX
// packed into conda packages.
import { cp, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Artifact, BuildResult, BuildTask, RenderedOutput, RenderedVariant, RecipeRef } from '../../core/model/types.ts';
import { parseMatchSpec } from '../../core/conda/match-spec.ts';
import { placeholderPrefix } from '../../core/conda/prefix-placeholder.ts';
import { listFiles, writeCondaPackage } from '../../core/conda/write-package.ts';
import { InstallError, installEnvironment, type InstallOptions } from '../../core/conda/install.ts';
import { openChannels, type OpenChannels } from '../../core/conda/solve.ts';
import { virtualPackagesFor } from '../../core/conda/virtual-packages.ts';
import { logScriptEnvironment, type EnvironmentPolicy } from '../../core/config/environment.ts';
import { buildEnvironment } from './build-env.ts';
import { buildTime, type BuildTime } from './build-time.ts';
import { ScriptBuildError } from './errors.ts';
import { fetchSources } from './source.ts';
import { hostSubdir, normalize, PLUGIN_NAME, type Normalized, type ScriptBuilderOptions } from './index.ts';

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, 8192);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}

const unique = (xs: string[]) => [...new Set(xs)];

interface Script {
  path: string;
  what: string;
}

/** An output-level `script:`: a file in the recipe dir when it names one, else inline text. */
async function outputScript(o: RenderedOutput, recipeDir: string, vdir: string, n: number): Promise<Script> {
  const text = o.script!;
  const trimmed = text.trim();
  if (!trimmed.includes('\n') && !/\s/.test(trimmed) && (await exists(join(recipeDir, trimmed)))) {
    return { path: join(recipeDir, trimmed), what: `${o.name}: ${trimmed}` };
  }
  const path = join(vdir, `conda_build_output_${n}.sh`);
  await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  return { path, what: `${o.name}: inline script` };
}

/** noarch: python layout: site-packages/ and python-scripts/ instead of lib/pythonX.Y/... and bin/. */
function noarchPythonPath(file: string, pythonVersion: string): string | null {
  if (/(^|\/)__pycache__\//.test(file) || file.endsWith('.pyc')) return null;
  const sp = `lib/python${pythonVersion}/site-packages/`;
  if (file.startsWith(sp)) return `site-packages/${file.slice(sp.length)}`;
  if (file.startsWith('bin/')) return `python-scripts/${file.slice(4)}`;
  return file;
}

interface VariantContext {
  task: BuildTask;
  recipe: RecipeRef;
  variant: RenderedVariant;
  vdir: string;
  channels: OpenChannels;
  opts: Normalized;
  policy: EnvironmentPolicy;
  time: BuildTime;
}

/** What packages carry instead of the host prefix (which holds the work dir's path): one fixed path of the same length. */
export const packagedPlaceholder = (hostPrefix: string) => placeholderPrefix('/opt/rebuild', 'h_env', hostPrefix.length);

async function runScript(ctx: VariantContext, script: Script, env: Record<string, string>, cwd: string): Promise<void> {
  const { task } = ctx;
  task.log(`script: run ${script.what} with ${ctx.opts.shell.join(' ')}`);
  await mkdir(task.outputChannel, { recursive: true });
  const mounts = unique([ctx.recipe.dir, ...ctx.channels.dirs, task.workDir, task.outputChannel]).map((path) => ({
    path,
    mode: path === task.workDir || path === task.outputChannel ? ('rw' as const) : ('ro' as const),
  }));
  const existing = [];
  for (const m of mounts) if (await exists(m.path)) existing.push(m);
  const res = await task.exec({ argv: [...ctx.opts.shell, script.path], cwd, env, mounts: existing, network: false });
  if (res.cancelled) throw new ScriptBuildError(`build cancelled during ${script.what}`, 'cancelled', res.exitCode);
  if (res.timedOut) throw new ScriptBuildError(`build timed out after ${task.timeoutMs} ms during ${script.what}`, 'timeout', res.exitCode);
  if (res.exitCode !== 0) {
    const tail = await logTail(task.logFile);
    const how = res.exitCode === null ? `signal ${res.signal}` : `exit code ${res.exitCode}`;
    throw new ScriptBuildError(`${script.what} failed with ${how} (runner ${res.runner})${tail ? `; last lines of ${task.logFile}:\n${tail}` : ''}`, 'build', res.exitCode);
  }
}

async function buildVariant(ctx: VariantContext): Promise<Artifact[]> {
  const { task, recipe, variant, vdir, opts } = ctx;
  const outputs = variant.outputs;
  if (!outputs.length) throw new ScriptBuildError(`${task.id}: variant has no outputs`, 'internal');
  const srcDir = join(vdir, 'src');
  const hostPrefix = placeholderPrefix(vdir, 'h_env');
  const buildPrefix = join(vdir, 'build_env');
  const homeDir = join(vdir, 'home');
  await Promise.all([srcDir, hostPrefix, buildPrefix].map((d) => rm(d, { recursive: true, force: true })));
  await mkdir(homeDir, { recursive: true });
  const check = () => {
    if (task.signal.aborted) throw new ScriptBuildError('build cancelled', 'cancelled');
  };

  task.log(`variant: ${JSON.stringify(variant.variant)}`);
  await fetchSources(variant.source, { recipeDir: recipe.dir, srcDir, cacheDir: join(vdir, 'downloads'), log: task.log, signal: task.signal });
  check();

  // Sibling outputs are produced by this very build: they are not resolved from channels.
  const siblings = new Set(outputs.map((o) => o.name));
  // The environments hold what the top-level build script needs (a recipe with outputs: its
  // top-level requirements) and what every output's own script needs.
  const specs = (section: 'build' | 'host') =>
    unique([...(variant.requirements?.[section] ?? []), ...outputs.flatMap((o) => o.requirements[section])]).filter((s) => !siblings.has(parseMatchSpec(s).name));
  const common = { channels: ctx.channels, downloadDir: join(vdir, 'pkgs'), pythonVersion: task.target.python, log: task.log, signal: task.signal };
  const buildSubdir = hostSubdir();
  // The shared installer's errors become this builder's, with their class (README: Failures).
  const install = (o: InstallOptions) =>
    installEnvironment(o).catch((err) => {
      throw err instanceof InstallError ? new ScriptBuildError(err.message, err.failure) : err;
    });
  await install({ ...common, label: 'build', specs: specs('build'), subdir: buildSubdir, virtualPackages: virtualPackagesFor(buildSubdir), prefix: buildPrefix });
  check();
  const host = await install({ ...common, label: 'host', specs: specs('host'), subdir: task.target.subdir, virtualPackages: virtualPackagesFor(task.target.subdir), prefix: hostPrefix });
  check();
  const python = host.find((p) => p.name === 'python');
  const pythonVersion = python ? python.version.split('.').slice(0, 2).join('.') : task.target.python;

  // conda-build's script_env: what the recipe asks for and the config allows; the builder's own variables win.
  const asked = logScriptEnvironment(variant.scriptEnv ?? [], ctx.policy, task.log);
  const envFor = (output: RenderedOutput) => ({
    ...asked,
    ...buildEnvironment({
      hostPrefix, buildPrefix, srcDir, recipeDir: recipe.dir, homeDir, pythonVersion, output, variant,
      targetSubdir: task.target.subdir, buildSubdir, cpuCount: opts.cpuCount,
    }),
    // The package's own time (build-time.ts), for tools that stamp files (reproducible-builds.org).
    SOURCE_DATE_EPOCH: String(ctx.time.epoch),
  });
  const snapshot = async () => new Set((await listFiles(hostPrefix)).filter((f) => !f.startsWith('conda-meta/')));

  const files = new Map<RenderedOutput, string[]>();
  // The implicit output of a recipe without `outputs:` carries the top-level script too (as
  // conda-build renders it): that script runs once, as the top-level one, not again per output.
  const ownScript = (o: RenderedOutput) => !!o.script && o.script !== variant.script;
  const plain = outputs.filter((o) => !ownScript(o));
  let top: Script | null = null;
  if (variant.script !== null && variant.script.trim()) {
    const path = join(vdir, 'conda_build.sh');
    await writeFile(path, variant.script.endsWith('\n') ? variant.script : `${variant.script}\n`);
    top = { path, what: 'build: script' };
  } else if (await exists(join(recipe.dir, 'build.sh'))) {
    top = { path: join(recipe.dir, 'build.sh'), what: 'build.sh' };
  }
  if (top) {
    const before = await snapshot();
    await runScript(ctx, top, envFor(plain[0] ?? outputs[0]), srcDir);
    const after = [...(await snapshot())].filter((f) => !before.has(f));
    if (plain.length) {
      // Without per-output file lists, the top-level script's files belong to the first output
      // that has no script of its own (the only one, in a single-output recipe).
      files.set(plain[0], after);
      if (plain.length > 1) task.log(`outputs ${plain.slice(1).map((o) => o.name).join(', ')} get no files from ${top.what}`);
    } else if (after.length) {
      task.log(`${after.length} files from ${top.what} belong to no output (every output has its own script)`);
    }
  }
  for (const [n, o] of outputs.entries()) {
    if (!ownScript(o)) continue;
    check();
    const before = await snapshot();
    await runScript(ctx, await outputScript(o, recipe.dir, vdir, n), envFor(o), srcDir);
    files.set(o, [...(await snapshot())].filter((f) => !before.has(f)));
  }
  if (!top && !outputs.some(ownScript)) task.log('no build script: packaging outputs without files');

  const artifacts: Artifact[] = [];
  for (const o of outputs) {
    check();
    const subdir = o.noarch ? 'noarch' : task.target.subdir;
    let prefix = hostPrefix;
    let list = (files.get(o) ?? []).sort();
    if (o.noarch === 'python') {
      // Stage the noarch layout, as conda-build does; conda relocates it at install time.
      prefix = join(vdir, `stage-${o.name}`);
      await rm(prefix, { recursive: true, force: true });
      const staged: string[] = [];
      for (const f of list) {
        const to = noarchPythonPath(f, pythonVersion);
        if (to === null) continue;
        await mkdir(dirname(join(prefix, to)), { recursive: true });
        await cp(join(hostPrefix, f), join(prefix, to), { verbatimSymlinks: true });
        staged.push(to);
      }
      list = staged;
    }
    task.log(`package: ${o.name}-${o.version}-${o.build} (${subdir}, ${list.length} files)`);
    const written = await writeCondaPackage({
      prefix,
      files: list,
      placeholder: hostPrefix,
      packagedPlaceholder: packagedPlaceholder(hostPrefix),
      outDir: join(task.outputChannel, subdir),
      formats: opts.formats,
      zstdLevel: opts.zstdLevel,
      info: {
        name: o.name,
        version: o.version,
        build: o.build,
        buildNumber: o.buildNumber,
        depends: o.requirements.run,
        constrains: o.requirements.run_constrained,
        subdir,
        noarch: o.noarch,
        license: o.license ?? (typeof variant.about.license === 'string' ? variant.about.license : undefined),
        about: variant.about,
        recipeDir: recipe.dir,
        timestamp: ctx.time.epoch * 1000,
      },
    });
    for (const a of written) task.log(`package: wrote ${a.path} (${a.size} bytes, sha256 ${a.sha256})`);
    artifacts.push(...written);
  }
  return artifacts;
}

/**
 * Build every variant of a task; undefined (not mine) for nodes without a recipe. `policy`: which
 * variables of this process a recipe's script_env may pass (the config's `environment`; default none).
 */
export async function buildWithScript(
  task: BuildTask,
  options: ScriptBuilderOptions = {},
  policy: EnvironmentPolicy = { allow: [], secrets: [] },
): Promise<BuildResult | undefined> {
  const opts = normalize(options);
  const recipe = task.node.recipe;
  if (!recipe) {
    task.log(`${PLUGIN_NAME}: ${task.id} has no recipe; leaving it to other builders`);
    return undefined;
  }
  if (!task.node.variants.length) throw new ScriptBuildError(`${task.id}: no variant to build for ${task.target.subdir}`, 'internal');
  task.log(`${PLUGIN_NAME}: building ${task.id} (${recipe.file}) for ${task.target.subdir}, attempt ${task.attempt}`);
  const time = await buildTime(recipe.dir);
  task.log(`package time: ${new Date(time.epoch * 1000).toISOString()} (${time.source})`);
  const channels = await openChannels(task.channels);
  try {
    const artifacts: Artifact[] = [];
    const many = task.node.variants.length > 1;
    for (const [i, variant] of task.node.variants.entries()) {
      const vdir = many ? join(task.workDir, `v${i}`) : task.workDir;
      await mkdir(vdir, { recursive: true });
      artifacts.push(...(await buildVariant({ task, recipe, variant, vdir, channels, opts, policy, time })));
    }
    return { builder: PLUGIN_NAME, artifacts };
  } finally {
    await channels.close();
  }
}
