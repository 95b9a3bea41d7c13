// acme:wheel-builder — a third-party plugin that adds a builder and a channel kind, written against
// the package's public API only ('rebuild', 'rebuild/plugins/builder-script'):
// - run.discover: each aggregate's requirements.txt lists local source folders (requirements.ts);
//   each becomes a recipe of the format 'requirements.txt';
// - run.render: that format's rendering, from the folder's pyproject.toml (project.ts): one output
//   named by the PEP 503 normalized project name, its dependencies as run requirements (the plan's
//   edges: a project is built and tested after what it needs);
// - run.build: `pip wheel` (build-wheel.ts), for the recipes of that format only;
// - run.test: each wheel installed with pip (its dependencies from the output channel only) and its
//   modules imported;
// - run.publish: groups made of wheels go to a PEP 503 "simple" index in a label of a local channel
//   (simple-channel.ts); the built-in publisher keeps every other group.
// See README.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BuildFailureError,
  channelDir,
  definePlugin,
  EXIT,
  sha256File,
  STAGE,
  UserError,
  validatePluginOptions,
  type Artifact,
  type PublishGroup,
  type PublishResult,
  type RecipeRef,
  type RenderedRecipe,
  type Run,
  type TestCheck,
  type TestTask,
} from 'rebuild';
import { buildWheel, resolveInterpreter } from './build-wheel.ts';
import { parseWheelName } from './pep503.ts';
import { readProject } from './project.ts';
import { parseRequirements } from './requirements.ts';
import { SimpleIndexChannel, WheelConflictError } from './simple-channel.ts';

export const PLUGIN_NAME = 'acme:wheel-builder';
/** RecipeRef.format of a source folder listed in a requirements.txt. */
export const FORMAT = 'requirements.txt';

export interface WheelBuilderOptions {
  /** The file read in each aggregate. Default `requirements.txt`. */
  requirements?: string;
  /** Interpreter with pip (and the projects' build backend) that builds and tests the wheels. Default `python3`. */
  python?: string;
  /** The channel the index goes to: a folder or file:// URL. Default: `channels.production` (`<workDir>/production`). */
  channel?: string;
  /** Its label (`<channel>/label/<label>/simple`; `main`: `<channel>/simple`). Default: `publish.label`. */
  label?: string;
  /** Install each wheel with pip and import its modules (the test stage). Default true. */
  test?: boolean;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requirements: { type: 'string', minLength: 1, description: 'The file read in each aggregate (default requirements.txt).' },
    python: { type: 'string', minLength: 1, description: 'Interpreter with pip and the build backend (default python3).' },
    channel: { type: 'string', minLength: 1, description: 'Folder or file:// URL of the channel (default channels.production).' },
    label: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Label of the index (default publish.label).' },
    test: { type: 'boolean', description: 'Install each wheel with pip and import its modules (default true).' },
  },
} as const;

const isWheel = (a: Pick<Artifact, 'filename'>): boolean => parseWheelName(a.filename) !== null;

/** The top-level import packages of a source folder (`src/<pkg>/__init__.py`, else `<pkg>/__init__.py`). */
export function importPackages(dir: string): string[] {
  const root = existsSync(join(dir, 'src')) ? join(dir, 'src') : dir;
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name) && e.name !== 'tests' && existsSync(join(root, e.name, '__init__.py')))
    .map((e) => e.name)
    .sort();
}

/** The recipe of one source folder. */
function recipeOf(dir: string, aggregate: string): RecipeRef {
  return { feedstock: basename(dir), dir, file: join(dir, 'pyproject.toml'), format: FORMAT, aggregate, variantFiles: [] };
}

/** The rendering of a source folder for a target: one output, no variants but the python. */
export function renderProject(recipe: RecipeRef, target: RenderedRecipe['target']): RenderedRecipe {
  const p = readProject(recipe.dir);
  return {
    feedstock: recipe.feedstock,
    recipe,
    target,
    warnings: [],
    variants: [
      {
        variant: { python: target.python },
        skip: false,
        source: [{ path: '.' }],
        script: null,
        buildNumber: 0,
        about: { ...(p.summary ? { summary: p.summary } : {}) },
        outputs: [
          {
            name: p.project,
            version: p.version,
            build: 'wheel',
            buildNumber: 0,
            noarch: null,
            // `python` ties the project to the rebuild (what the planner selects on).
            requirements: { build: [], host: ['python'], run: ['python', ...p.dependencies], run_constrained: [] },
            test: { requires: [], imports: importPackages(recipe.dir), commands: [] },
            runExports: { weak: [], strong: [] },
            script: null,
          },
        ],
      },
    ],
  };
}

/** test(X): install the wheels with pip (dependencies from the output channel only), import their modules. */
async function testWheels(task: TestTask, python: string): Promise<TestCheck[]> {
  const wheels = task.artifacts.filter(isWheel);
  if (!wheels.length) return [];
  const interpreter = resolveInterpreter(python);
  if (!interpreter) return [{ name: 'install', kind: 'install', ok: false, durationMs: 0, message: `${python}: no such interpreter on PATH` }];
  const site = join(task.workDir, 'site');
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: join(task.workDir, 'home'), LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
  const mounts = [
    { path: task.workDir, mode: 'rw' as const },
    { path: task.outputChannel, mode: 'ro' as const },
  ];
  const checks: TestCheck[] = [];
  let started = Date.now();
  const install = await task.exec({
    argv: [interpreter, '-m', 'pip', 'install', '--isolated', '--no-index', '--no-cache-dir', '--disable-pip-version-check', '--find-links', join(task.outputChannel, task.target.subdir), '--target', site, ...wheels.map((w) => w.path)],
    cwd: task.workDir,
    env,
    mounts,
    network: false,
  });
  checks.push({ name: `install: ${wheels.map((w) => w.filename).join(', ')}`, kind: 'install', ok: install.exitCode === 0, durationMs: Date.now() - started, ...(install.exitCode === 0 ? {} : { message: `pip install exited with ${install.exitCode ?? install.signal} (the log has its output)` }) });
  if (install.exitCode !== 0) return checks;
  const imports = [...new Set(task.node.variants.flatMap((v) => v.outputs.flatMap((o) => o.test.imports)))];
  for (const module of imports) {
    started = Date.now();
    // -I: no user site, no PYTHON* variables, no current dir on sys.path: only what pip installed.
    const r = await task.exec({ argv: [interpreter, '-I', '-c', `import sys; sys.path.insert(0, ${JSON.stringify(site)}); import ${module}`], cwd: task.workDir, env, mounts, network: false });
    checks.push({ name: `imports: ${module}`, kind: 'imports', ok: r.exitCode === 0, durationMs: Date.now() - started, ...(r.exitCode === 0 ? {} : { message: `import ${module} failed (the log has the traceback)` }) });
  }
  return checks;
}

/** publish(group) for a group of wheels: every wheel of every arch into the label's simple index. */
async function publishWheels(run: Run, group: PublishGroup, index: SimpleIndexChannel, label: string): Promise<PublishResult> {
  const wheels = group.members.flatMap((m) => m.artifacts);
  const fail = async (step: 'validate' | 'upload', reason: string, artifact?: Artifact): Promise<never> => {
    group.log(`${PLUGIN_NAME}: ${reason}`);
    await run.hooks.publishFailed.promise({ group, step, reason, ...(artifact ? { artifact } : {}) });
    throw new BuildFailureError(`publish of ${group.key} failed: ${reason}`, 'publish');
  };
  // A wheel changed since its build is not published.
  for (const w of wheels) {
    const now = await sha256File(w.path).catch(() => null);
    if (now !== w.sha256) await fail('validate', `${w.path}: sha256 ${now ?? '(unreadable)'} is not the one recorded at build ${w.sha256}: rebuild it (rebuild run --retry ${group.name})`, w);
  }
  // The same pure-python wheel built for several arches has one name: published once.
  const unique = [...new Map(wheels.map((w) => [w.filename, w])).values()];
  let added;
  try {
    added = await index.add(unique, label);
  } catch (err) {
    if (err instanceof WheelConflictError) return fail('upload', err.message, unique.find((w) => err.path.endsWith(`/${w.filename}`)));
    throw err;
  }
  for (const a of added) group.log(`${PLUGIN_NAME}: ${a.filename} → ${a.path} (${a.status})`);
  return { publisher: PLUGIN_NAME, published: wheels, channel: index.root, label };
}

export const wheelBuilder = definePlugin((options: WheelBuilderOptions = {}) => {
  validatePluginOptions<WheelBuilderOptions>(PLUGIN_NAME, optionsSchema, options);
  const python = options.python ?? 'python3';
  return {
    name: PLUGIN_NAME,
    apply(engine) {
      engine.configReaders.declare(PLUGIN_NAME, ['channels.production', 'publish.label']);
      engine.hooks.run.tap(PLUGIN_NAME, (run) => {
        const config = run.config;
        const channel = options.channel ?? config.channels.production ?? join(config.workDir, 'production');
        const root = channelDir(channel);
        if (root === null) throw new UserError(`${PLUGIN_NAME}: channel ${channel}: the simple index is written to a folder (a path or file:// URL)`, EXIT.CONFIG);
        const label = options.label ?? config.publish.label ?? 'main';
        const index = new SimpleIndexChannel(root);

        run.hooks.discover.tapPromise(PLUGIN_NAME, async (recipes) => {
          const found: RecipeRef[] = [];
          for (const aggregate of config.aggregates) {
            const file = join(aggregate, options.requirements ?? 'requirements.txt');
            if (!existsSync(file)) continue;
            for (const req of parseRequirements(readFileSync(file, 'utf8'), file)) found.push(recipeOf(req.dir, aggregate));
          }
          return [...recipes, ...found];
        });

        // Before the conda renderers: nobody else knows this format.
        run.hooks.render.tapPromise({ name: PLUGIN_NAME, stage: STAGE.PRE }, async (recipe, target) =>
          recipe.format === FORMAT ? renderProject(recipe, target) : undefined,
        );

        for (const { subdir } of run.targets) {
          run.hooks.build.for(subdir).tapPromise({ name: PLUGIN_NAME, stage: STAGE.PRE }, async (task) => {
            if (task.node.recipe?.format !== FORMAT) return undefined;
            const artifact = await buildWheel(task, readProject(task.node.recipe.dir), { python });
            return { builder: PLUGIN_NAME, artifacts: [artifact] };
          });
        }

        if (options.test !== false) {
          run.hooks.test.tapPromise(PLUGIN_NAME, async (task, report) => {
            if (task.node.recipe?.format === FORMAT) report.checks.push(...(await testWheels(task, python)));
          });
        }

        // Before the built-in publisher: a group of wheels is ours, any other is left to it.
        run.hooks.publish.tapPromise({ name: PLUGIN_NAME, stage: STAGE.PRE }, async (group) => {
          if (config.publish.enabled === false) return undefined;
          const artifacts = group.members.flatMap((m) => m.artifacts);
          if (!artifacts.length || !artifacts.every(isWheel)) return undefined;
          return publishWheels(run, group, index, label);
        });

        run.hooks.report.tapPromise({ name: PLUGIN_NAME, stage: STAGE.OBSERVE }, async () => {
          if (existsSync(join(index.dir(label), 'index.html'))) process.stderr.write(`${PLUGIN_NAME}: simple index: ${pathToFileURL(index.dir(label)).href}\n`);
        });
      });
    },
  };
});
