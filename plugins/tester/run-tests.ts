// The tests of one built package, as conda-build and rattler-build run them: a fresh prefix with the
// package, its run requirements and the recipe's test requirements (solved against the task's
// channels: the output channel first, then channels.build; installed with the shared installer),
// then `imports` (the prefix's python), `commands` (the platform shell), `run_test.py`/`run_test.sh`
// of the recipe dir, `files`/`source_files` copied to the test dir, and v1 `package_contents`.
// Every command runs through `task.exec` (host or container), each with its own time limit.
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Artifact, ExecResult, RenderedOutput, RenderedVariant, TestCheck, TestTask } from '../../core/model/types.ts';
import { InstallError, installEnvironment, type InstalledPackage } from '../../core/conda/install.ts';
import { SolveError } from '../../core/conda/solve.ts';
import { virtualPackagesFor } from '../../core/conda/virtual-packages.ts';
import { readPackageInfoFiles } from '../../core/conda/read-package.ts';
import { errorMessage } from '../../core/model/failure.ts';
import { buildEnvironment } from '../builder-script/build-env.ts';
import { hostSubdir } from '../builder-script/index.ts';
import { fetchSources } from '../builder-script/source.ts';
import { checkPackageContents } from './package-contents.ts';
import { matchesGlob } from './glob.ts';
import { firstErrorLine } from './first-error.ts';

export interface RunTestsOptions {
  /** Each test's time limit, ms. */
  checkTimeoutMs: number;
  /** Interpreter (and flags) a command's script file is appended to. */
  shell: string[];
  /** Let tests reach the network. */
  network: boolean;
}

/** One package file to test (of the task's artifacts; its other formats are the same package). */
export interface PackageUnderTest {
  artifact: Artifact;
  output: RenderedOutput | null;
  variant: RenderedVariant | null;
  /** The first output of its variant: the recipe dir's run_test.* scripts are its tests (conda-build's rule). */
  primary: boolean;
}

/** The task's artifacts, one per package (formats of one package collapse), each with its rendered output. */
export function packagesUnderTest(task: TestTask): PackageUnderTest[] {
  const seen = new Map<string, PackageUnderTest>();
  for (const a of task.artifacts) {
    const key = `${a.subdir}/${a.name}-${a.version}-${a.build}`;
    if (seen.has(key)) continue;
    let found: PackageUnderTest = { artifact: a, output: null, variant: null, primary: true };
    for (const variant of task.node.variants) {
      const output = variant.outputs.find((o) => o.name === a.name && o.version === a.version && o.build === a.build);
      if (output) {
        found = { artifact: a, output, variant, primary: variant.outputs[0] === output };
        break;
      }
    }
    if (!found.output)
      for (const variant of task.node.variants) {
        const output = variant.outputs.find((o) => o.name === a.name);
        if (output) {
          found = { artifact: a, output, variant, primary: variant.outputs[0] === output };
          break;
        }
      }
    seen.set(key, found);
  }
  return [...seen.values()];
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** Files under `dir`, relative, `/`-separated, sorted. */
async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Copy what `globs` match under `from` into `to`; returns the globs that matched nothing. */
async function copyMatching(from: string, to: string, globs: string[]): Promise<string[]> {
  const files = await listTree(from);
  const missing: string[] = [];
  for (const g of globs) {
    const hits = files.filter((f) => matchesGlob(f, g) || f === g);
    if (!hits.length) missing.push(g);
    for (const f of hits) {
      await mkdir(join(to, f, '..'), { recursive: true });
      await cp(join(from, f), join(to, f), { force: true });
    }
  }
  return missing;
}

interface Step {
  name: string;
  kind: string;
  argv: string[];
}

/** Run one package's tests; returns its checks (the caller appends them to the report). */
export async function testPackage(task: TestTask, pkg: PackageUnderTest, opts: RunTestsOptions, label: string): Promise<TestCheck[]> {
  const { artifact: a, output } = pkg;
  const checks: TestCheck[] = [];
  const recipe = task.node.recipe;
  const test = output?.test ?? { requires: [], imports: [], commands: [] };
  const root = join(task.workDir, `test-${a.name}-${a.version}-${a.build}`);
  const prefix = join(root, 'prefix');
  const testDir = join(root, 'work');
  // Fresh every time: what an earlier attempt installed or wrote must not make this one pass.
  await rm(root, { recursive: true, force: true });
  await mkdir(testDir, { recursive: true });
  await mkdir(join(root, 'home'), { recursive: true });
  const header = (name: string) => task.log(`==== test ${label}${name} ====`);
  const record = (c: TestCheck) => {
    const check = { ...c, name: `${label}${c.name}` };
    checks.push(check);
    task.log(`---- ${check.name}: ${check.skipped ? 'skipped' : check.ok ? 'ok' : 'FAILED'} (${check.durationMs} ms)${check.message ? `: ${check.message}` : ''}`);
  };

  // run_test.* of the recipe dir belong to the variant's first output (conda-build's rule for outputs).
  const scripts: string[] = [];
  if (recipe && pkg.primary) for (const f of ['run_test.py', 'run_test.sh', 'run_test.bat', 'run_test.pl']) if (await exists(join(recipe.dir, f))) scripts.push(f);
  const needsPython = test.imports.length > 0 || scripts.includes('run_test.py');
  const specs = [`${a.name} ${a.version} ${a.build}`, ...test.requires];
  if (needsPython && !specs.some((s) => /^python(\s|$)/.test(s))) specs.push('python');

  header('install');
  let installed: InstalledPackage[];
  const t0 = Date.now();
  const subdir = a.subdir === 'noarch' ? task.target.subdir : a.subdir;
  try {
    installed = await installEnvironment({
      label: 'test', specs, subdir, prefix, channels: task.channels, virtualPackages: virtualPackagesFor(subdir),
      downloadDir: join(root, 'pkgs'), pythonVersion: task.target.python, log: task.log, signal: task.signal,
    });
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    if (err.failure === 'cancelled') throw err;
    const solver = err.cause instanceof SolveError ? err.cause.solverMessage : err.message;
    task.log(err.message);
    record({ name: 'install', kind: 'install', ok: false, durationMs: Date.now() - t0, message: `cannot install the test environment (${specs.join(', ')}): ${solver.split('\n')[0]}` });
    return checks;
  }
  record({ name: 'install', kind: 'install', ok: true, durationMs: Date.now() - t0 });

  // Files the tests read: test.files from the recipe dir, test.source_files from the source.
  if (test.files?.length && recipe) {
    header('files');
    const t = Date.now();
    const missing = await copyMatching(recipe.dir, testDir, test.files);
    record({ name: 'files', kind: 'files', ok: !missing.length, durationMs: Date.now() - t, ...(missing.length ? { message: `test files not in the recipe dir ${recipe.dir}: ${missing.join(', ')}` } : {}) });
  }
  if (test.sourceFiles?.length && recipe && pkg.variant) {
    header('source_files');
    const t = Date.now();
    const srcDir = join(root, 'src');
    let message: string | undefined;
    try {
      await fetchSources(pkg.variant.source, { recipeDir: recipe.dir, srcDir, cacheDir: join(root, 'downloads'), log: task.log, signal: task.signal });
      const missing = await copyMatching(srcDir, testDir, test.sourceFiles);
      if (missing.length) message = `source files not in the source: ${missing.join(', ')}`;
    } catch (err) {
      message = `cannot fetch the source for source_files: ${errorMessage(err).split('\n')[0]}`;
    }
    record({ name: 'source_files', kind: 'files', ok: message === undefined, durationMs: Date.now() - t, ...(message ? { message } : {}) });
  }

  // package_contents: the package's own paths, no command needed.
  for (const [i, spec] of (test.packageContents ?? []).entries()) {
    header(`package_contents[${i}]`);
    const t = Date.now();
    const info = await readPackageInfoFiles(a.path, ['info/paths.json']);
    const paths = (JSON.parse(info.get('info/paths.json')?.toString() ?? '{"paths":[]}').paths as { _path: string }[]).map((p) => p._path);
    const py = installed.find((p) => p.name === 'python')?.version.split('.').slice(0, 2).join('.') ?? task.target.python;
    const problems = checkPackageContents(spec, paths, { sitePackages: output?.noarch === 'python' ? 'site-packages' : `lib/python${py}/site-packages` });
    for (const p of problems) task.log(`package_contents: ${p}`);
    record({ name: `package_contents[${i}]`, kind: 'package_contents', ok: !problems.length, durationMs: Date.now() - t, ...(problems.length ? { message: problems[0] } : {}) });
  }

  // What runs: the test commands need this machine to run the target's binaries.
  const steps: Step[] = [];
  const python = join(prefix, 'bin', 'python');
  for (const m of test.imports) steps.push({ name: `imports: ${m}`, kind: 'imports', argv: [python, '-c', `import ${m}`] });
  for (const [i, cmd] of test.commands.entries()) {
    const file = join(root, 'commands', `${i}.sh`);
    const asFile = recipe && /^\S+\.(sh|py)$/.test(cmd.trim()) && (await exists(join(recipe.dir, cmd.trim()))) ? join(recipe.dir, cmd.trim()) : null;
    await mkdir(join(root, 'commands'), { recursive: true });
    if (!asFile) await writeFile(file, `${cmd}\n`);
    const pip = /^\s*(pip|python -m pip)\s+check\s*$/.test(cmd);
    steps.push({
      name: pip ? 'pip check' : `commands[${i}]: ${cmd.split('\n')[0].slice(0, 80)}`,
      kind: pip ? 'pip_check' : 'commands',
      argv: asFile?.endsWith('.py') ? [python, asFile] : [...opts.shell, asFile ?? file],
    });
  }
  for (const s of scripts) {
    if (s === 'run_test.py') steps.push({ name: s, kind: 'script', argv: [python, join(testDir, s)] });
    else if (s === 'run_test.sh') steps.push({ name: s, kind: 'script', argv: [...opts.shell, join(testDir, s)] });
    else steps.push({ name: s, kind: 'script', argv: [] }); // .bat (Windows) and .pl (perl) are not run here
    if (s === 'run_test.py' || s === 'run_test.sh') await cp(join(recipe!.dir, s), join(testDir, s));
  }

  const here = hostSubdir();
  const runnable = a.subdir === 'noarch' || task.target.subdir === here;
  const pythonVersion = installed.find((p) => p.name === 'python')?.version.split('.').slice(0, 2).join('.') ?? task.target.python;
  const env = testEnvironment({ prefix, testDir, home: join(root, 'home'), recipeDir: recipe?.dir ?? testDir, pythonVersion, pkg, subdir: task.target.subdir, here });
  const mounts = [
    { path: root, mode: 'rw' as const },
    ...(recipe ? [{ path: recipe.dir, mode: 'ro' as const }] : []),
  ];

  for (const step of steps) {
    header(step.name);
    if (!runnable || !step.argv.length) {
      const why = !runnable ? `not run: this machine (${here}) cannot run ${task.target.subdir} programs` : `not run: ${step.name} needs ${step.name.endsWith('.bat') ? 'Windows' : 'perl'}`;
      record({ name: step.name, kind: step.kind, ok: true, skipped: true, durationMs: 0, message: why });
      continue;
    }
    if (task.signal.aborted) throw new InstallError('tests cancelled', 'cancelled');
    const t = Date.now();
    const before = await stat(task.logFile).then((s) => s.size, () => 0);
    const res: ExecResult = await task.exec({ argv: step.argv, cwd: testDir, env, mounts, network: opts.network, timeoutMs: opts.checkTimeoutMs });
    const durationMs = Date.now() - t;
    if (res.cancelled) throw new InstallError(`tests cancelled during ${step.name}`, 'cancelled');
    if (res.exitCode === 0 && !res.timedOut) {
      record({ name: step.name, kind: step.kind, ok: true, durationMs });
      continue;
    }
    let message: string;
    if (res.timedOut) message = `timed out after ${opts.checkTimeoutMs / 1000} s`;
    else {
      const out = await readFile(task.logFile).then((b) => b.subarray(before).toString('utf8'), () => '');
      const how = res.exitCode === null ? `signal ${res.signal}` : `exit code ${res.exitCode}`;
      message = firstErrorLine(out) ?? how;
      if (message !== how) task.log(`(${how})`);
    }
    record({ name: step.name, kind: step.kind, ok: false, durationMs, message });
  }
  return checks;
}

interface TestEnvInput {
  prefix: string;
  testDir: string;
  home: string;
  recipeDir: string;
  pythonVersion: string;
  pkg: PackageUnderTest;
  subdir: string;
  here: string;
}

/** conda-build's test environment: the build variables with the test prefix as PREFIX, CONDA_BUILD_STATE=TEST, its bin first on PATH. */
export function testEnvironment(x: TestEnvInput): Record<string, string> {
  const a = x.pkg.artifact;
  const output: RenderedOutput = x.pkg.output ?? {
    name: a.name, version: a.version, build: a.build, buildNumber: Number(a.build.match(/_(\d+)$/)?.[1] ?? 0), noarch: null,
    requirements: { build: [], host: [], run: [], run_constrained: [] }, test: { requires: [], imports: [], commands: [] }, runExports: { weak: [], strong: [] }, script: null,
  };
  const env = buildEnvironment({
    hostPrefix: x.prefix, buildPrefix: x.prefix, srcDir: x.testDir, recipeDir: x.recipeDir, homeDir: x.home, pythonVersion: x.pythonVersion,
    output, variant: x.pkg.variant ?? { variant: {}, skip: false, outputs: [], source: [], script: null, buildNumber: 0, about: {} },
    targetSubdir: x.subdir, buildSubdir: x.here, cpuCount: availableParallelism(),
  });
  delete env.BUILD_PREFIX;
  for (const k of Object.keys(env)) if (k.startsWith('PIP_')) delete env[k];
  env.CONDA_BUILD_STATE = 'TEST';
  env.PATH = `${x.prefix}/bin:${env.PATH.split(':').slice(2).join(':')}`;
  env.CONDA_DEFAULT_ENV = x.prefix;
  return env;
}
