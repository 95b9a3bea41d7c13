// Plugin `rebuild:converter` (default set; off until `convert.to` lists arches): a slow arch skips
// building pure-Python packages. For a node on an arch of `convert.to` whose rendering equals its
// rendering on `convert.from` (no compiler, no platform-specific requirement: eligibility.ts), it
// answers run.hooks.buildFrom with `from`, so build(X@to) waits for build(X@from); its build tap then
// converts that build's packages (convert-package.ts) instead of running a builder. A package the
// content checks refuse (compiled files, virtual-package requirements, ...) is declined: the next
// builder builds it, and the status reason says why it was not converted. Config: `convert: { from, to, windowsEntryPoints }`.
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Engine } from '../../core/engine/engine.ts';
import { EXIT } from '../../core/engine/exit-codes.ts';
import { STAGE } from '../../core/engine/stage.ts';
import { UserError } from '../../core/model/errors.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { targetKey, type Artifact, type BuildResult, type BuildSource, type BuildTask, type PackageNode } from '../../core/model/types.ts';
import type { Plan } from '../../core/graph/plan.ts';
import { tempPathFor } from '../../core/conda/atomic-write.ts';
import { packageStem } from '../../core/conda/package-types.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import { nodeEligibility } from './eligibility.ts';

export const PLUGIN_NAME = 'rebuild:converter';

/**
 * run.hooks.buildFrom: convert `node` from `convert.from`, or why not (undefined: not an arch that
 * converts). `builds`: the source builds' build strings → the target's (nodeEligibility).
 */
export function buildSourceOf(convert: ResolvedConfig['convert'], node: PackageNode, plans: readonly Plan[]): (BuildSource & { builds?: Map<string, string> }) | undefined {
  if (!convert.to.includes(node.target.subdir) || node.target.subdir === convert.from) return undefined;
  const plan = plans.find((p) => p.target.subdir === convert.from && p.target.python === node.target.python);
  if (!plan) return { from: null, reason: `not converted: ${convert.from} is not a target of this run` };
  const source = plan.graph.hasNode(node.id) ? plan.graph.getNodeAttributes(node.id) : undefined;
  const e = nodeEligibility(node, source, convert.from);
  if (!e.ok) return { from: null, reason: `not converted: ${e.reason}` };
  return { from: plan.target, reason: `converted from ${convert.from}`, builds: e.builds };
}

/** One file per package (the .tar.bz2 when the source build has both formats): the target's transmute stage makes the other. */
export function packagesToConvert(artifacts: readonly Artifact[]): Artifact[] {
  const stems = new Map<string, Artifact>();
  for (const a of [...artifacts].sort((x, y) => (x.filename < y.filename ? -1 : 1))) {
    const stem = packageStem(a.filename);
    const have = stems.get(stem);
    if (!have || (a.filename.endsWith('.tar.bz2') && !have.filename.endsWith('.tar.bz2'))) stems.set(stem, a);
  }
  return [...stems.values()];
}

/** Move a file into place (a rename; a copy when the scratch dir is on another file system). */
async function moveInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = tempPathFor(to);
    await copyFile(from, tmp);
    await rename(tmp, to);
    await rm(from, { force: true });
  }
}

/**
 * build(X@to) from build(X@from)'s packages: each converted in the task's scratch dir, then all moved
 * into `<outputChannel>/<to>/` (a refused package leaves nothing in the channel). Undefined, with
 * `task.source.declined` set, when one is refused.
 */
export async function convertBuild(task: BuildTask, convert: ResolvedConfig['convert'], builds: ReadonlyMap<string, string> = new Map()): Promise<BuildResult | undefined> {
  // The conversion's code (package reading and writing) is loaded at the first conversion.
  const { NotConvertibleError, convertToPlatform } = await import('./convert-package.ts');
  const source = task.source!;
  const to = task.target.subdir;
  const scratch = join(task.workDir, 'converted');
  const converted: { file: string; artifact: Artifact }[] = [];
  for (const a of packagesToConvert(source.artifacts)) {
    try {
      const build = builds.get(packageStem(a.filename));
      const out = await convertToPlatform(a.path, { to, outDir: scratch, python: task.target.python, windowsEntryPoints: convert.windowsEntryPoints, builds });
      task.log(`${PLUGIN_NAME}: ${a.subdir}/${a.filename} → ${to}/${basename(out.target)}${out.launchers.length ? ` (entry points with a .bat launcher: ${out.launchers.join(', ')})` : ''}`);
      const filename = basename(out.target);
      converted.push({ file: out.target, artifact: { ...a, subdir: to, filename, build: build ?? a.build, path: join(task.outputChannel, to, filename), sha256: '', size: 0 } });
    } catch (err) {
      if (!(err instanceof NotConvertibleError)) throw err;
      source.declined = `not converted: ${err.reasons.join('; ')}`;
      task.log(`${PLUGIN_NAME}: ${a.filename} ${source.declined}; built normally`);
      await rm(scratch, { recursive: true, force: true });
      return undefined;
    }
  }
  await mkdir(join(task.outputChannel, to), { recursive: true });
  for (const c of converted) await moveInto(c.file, c.artifact.path);
  // The engine hashes the files (an empty sha256 is not a claim).
  return { builder: PLUGIN_NAME, artifacts: converted.map((c) => c.artifact), note: source.reason };
}

export function converter(): Plugin {
  return {
    name: PLUGIN_NAME,
    apply(engine: Engine) {
      engine.configReaders.declare(PLUGIN_NAME, ['convert']);
      const { convert } = engine.config;
      if (!convert?.to.length) return;
      if (convert.to.includes(convert.from)) throw new UserError(`convert.to lists ${convert.from}, the arch convert.from converts from: remove it from one of them`, EXIT.CONFIG);
      if (convert.from === 'noarch' || convert.to.includes('noarch')) throw new UserError('convert: noarch packages serve every platform already; name arch subdirs (e.g. linux-64, win-64)', EXIT.CONFIG);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        /** Per node × target converted: the build strings the target renders (asked before any build). */
        const buildsOf = new Map<string, Map<string, string>>();
        run.hooks.buildFrom.tap(PLUGIN_NAME, (node, plans) => {
          const answer = buildSourceOf(convert, node, plans);
          if (!answer) return undefined;
          const { builds, ...source } = answer;
          if (builds) buildsOf.set(`${targetKey(node.target)}/${node.id}`, builds);
          return source;
        });
        // Before every builder, the queue coordinator's too (STAGE.PIN): a conversion is local and cheap.
        for (const subdir of new Set(run.targets.map((t) => t.subdir).filter((s) => convert.to.includes(s)))) {
          run.hooks.build.for(subdir).tapPromise({ name: PLUGIN_NAME, stage: STAGE.PIN - 1 }, async (task) =>
            task.source ? convertBuild(task, convert, buildsOf.get(`${targetKey(task.target)}/${task.id}`)) : undefined);
        }
      });
    },
  };
}
