// The domain objects that flow through the engine's hooks. Shared by core and plugins.
import type { Subdir, BlocklistEntry } from '../config/config.generated.ts';

export type { Subdir, BlocklistEntry };

/** One build target: a conda subdir and the python (major.minor) packages are rebuilt for. */
export interface Target {
  subdir: Subdir;
  python: string;
}

export const targetKey = (t: Target): string => `${t.subdir}/py${t.python}`;

/** Whether these targets span several pythons (`python.to` a list): two targets then share a subdir. */
export const hasSeveralPythons = (targets: readonly Target[]): boolean => targets.some((t) => t.python !== targets[0].python);

/** How a line names a target: its subdir, plus ` py<X.Y>` when the run has several pythons (`linux-64 py3.14`). */
export const targetLabel = (t: Target, severalPythons: boolean): string => (severalPythons ? `${t.subdir} py${t.python}` : t.subdir);

// ---------------------------------------------------------------- recipes

/**
 * `repodata`: a synthetic recipe standing for a package of a channel index (plugins/source-channel).
 * Any other string is a plugin's own format, which its `run.render` tap claims (e.g. 'requirements.txt',
 * examples/plugins/wheel-builder).
 */
export type RecipeFormat = 'meta.yaml' | 'recipe.yaml' | 'repodata' | (string & {});

/** A recipe found in an aggregate, before rendering. */
export interface RecipeRef {
  /** Feedstock name: `numpy` for `numpy-feedstock/`, else the recipe folder's name. */
  feedstock: string;
  /** Absolute recipe directory (holds meta.yaml / recipe.yaml, build.sh, conda_build_config.yaml). */
  dir: string;
  /** Absolute path of meta.yaml or recipe.yaml. */
  file: string;
  format: RecipeFormat;
  /** Absolute path of the aggregate this recipe was found in (or the config dir for extra versions). */
  aggregate: string;
  /** conda_build_config.yaml files, stacked in order: aggregate root, extra configs, recipe dir. */
  variantFiles: string[];
  /** Set when this recipe is an `extraVersions` entry: the version it builds. */
  extraVersion?: string;
  /** Variant keys forced on every variant (a bootstrap build renders with e.g. { bootstrap: 'true' }). */
  variantOverrides?: Record<string, string>;
}

export interface Requirements {
  build: string[];
  host: string[];
  run: string[];
  run_constrained: string[];
}

export interface TestSpec {
  requires: string[];
  imports: string[];
  /** Shell commands (v1 `script:` lines; a v1 python test's `pip check`). */
  commands: string[];
  /** meta.yaml `test.source_files`, v1 `files: source:`: paths or globs of the source, copied to the test dir. Absent when none. */
  sourceFiles?: string[];
  /** meta.yaml `test.files`, v1 `files: recipe:`: paths or globs of the recipe dir, copied to the test dir. Absent when none. */
  files?: string[];
  /** v1 `package_contents:` tests. Absent when none. */
  packageContents?: PackageContentsSpec[];
}

/** A v1 `package_contents:` test: what the package's files must (or must not) hold. */
export interface PackageContentsSpec {
  /** Globs of paths in the package that must exist (`files:` or `files: exists:`). */
  files: string[];
  /** Globs that must match nothing (`files: not_exists:`). */
  notFiles: string[];
  /** Python modules (`foo.bar`) or paths under site-packages. */
  sitePackages: string[];
  /** Executables in bin/. */
  bin: string[];
  /** Library names in lib/ (`foo` → lib/libfoo.so*, .dylib, .a). */
  lib: string[];
  /** Globs under include/. */
  include: string[];
  /** Every file of the package must be matched by one of the above. */
  strict: boolean;
}

export interface RunExports {
  weak: string[];
  strong: string[];
  /** Exports applied to noarch dependents only (conda-build `run_exports: noarch:`). */
  noarch?: string[];
  /** Added to the dependents' run_constrained, like weak / strong. */
  weak_constrains?: string[];
  strong_constrains?: string[];
}

export type Noarch = 'python' | 'generic' | null;

/** One package a rendered recipe variant produces. Requirements are match-spec strings, fully resolved. */
export interface RenderedOutput {
  name: string;
  version: string;
  /** conda build string, e.g. `py313h1a2b3c4_0`. */
  build: string;
  buildNumber: number;
  noarch: Noarch;
  requirements: Requirements;
  test: TestSpec;
  runExports: RunExports;
  /** Output-level build script (multi-output recipes), inline text or a file name relative to the recipe dir. */
  script: string | null;
  license?: string;
  /** `build: ignore_run_exports` (names) and `ignore_run_exports_from` (dependencies whose exports are ignored). */
  ignoreRunExports?: { names: string[]; from: string[] };
  /** recipe.yaml: the staging output whose files and build/host requirements this output inherits. */
  inherit?: string;
}

/** recipe.yaml staging (`staging:` output or older `cache:`): built once, not a package; outputs inherit it. */
export interface RenderedStaging {
  name: string;
  requirements: { build: string[]; host: string[] };
  /** Inline text or a file name relative to the recipe dir; null when it has none. */
  script: string | null;
  source: SourceSpec[];
}

export interface SourceSpec {
  url?: string[];
  sha256?: string;
  md5?: string;
  /** Local source, relative to the recipe dir. */
  path?: string;
  /** Sub-folder of SRC_DIR to place this source in. */
  folder?: string;
}

/** One variant of a recipe for one target (variant keys are strings, as conda-build gives them). */
export interface RenderedVariant {
  variant: Record<string, string>;
  skip: boolean;
  outputs: RenderedOutput[];
  source: SourceSpec[];
  /** Top-level build script: inline text (build: script:), or null to use build.sh in the recipe dir. */
  script: string | null;
  buildNumber: number;
  about: Record<string, unknown>;
  /**
   * Variables the recipe asks its build to receive (meta.yaml `build: script_env`, recipe.yaml
   * `build: script: secrets`/`env`): names, or `NAME=value`. Absent when none. A name passes only
   * when the config allows it (core/config/environment.ts).
   */
  scriptEnv?: string[];
  /** recipe.yaml staging outputs, built before the outputs that inherit them. */
  staging?: RenderedStaging[];
  /**
   * meta.yaml with `outputs:`: the top-level build/host requirements (variant pins applied), the
   * environment of the top-level build script, which every output waits for.
   */
  requirements?: { build: string[]; host: string[] };
}

export interface RenderWarning {
  feedstock: string;
  file: string;
  line?: number;
  message: string;
}

export interface RenderedRecipe {
  feedstock: string;
  recipe: RecipeRef;
  target: Target;
  variants: RenderedVariant[];
  warnings: RenderWarning[];
}

// ---------------------------------------------------------------- graph and plan

export type Section = 'build' | 'host' | 'run' | 'test';

/** Plan-time status of a node. Execution statuses live in the state database. */
export type PlanStatus = 'planned' | 'present' | 'excluded' | 'blocked' | 'error';

/** Why a node is not planned: the structured reason behind `excluded`/`blocked`/`error`/`present`. */
export interface Exclusion {
  status: Exclude<PlanStatus, 'planned'>;
  /** Short class: 'noarch', 'present', 'blocklist', 'blocked-by', 'render-error', 'skipped', 'no-python'. */
  kind: string;
  /** Human sentence, e.g. "blocked by tensorflow (too-heavy: CUDA builds)". */
  reason: string;
  blocklist?: BlocklistEntry;
  /** For blocked-by: the excluded/failed node this one waits on. */
  by?: string;
  /**
   * Not built on this target because the run builds it on that one (same subdir, another python: a
   * `noarch: python` package is built once, for the first python of `python.to`): this target's
   * builds that need it wait for that build.
   */
  builtOn?: Target;
}

/** A node of the package graph: one feedstock (or its bootstrap build, or an extra version) for one target. */
export interface PackageNode {
  /** Unique in its graph: `numpy`, `python@bootstrap`, `numpy@1.26`. */
  id: string;
  feedstock: string;
  target: Target;
  /** Output package names this node builds. */
  outputs: string[];
  status: PlanStatus;
  reason: string | null;
  exclusion?: Exclusion;
  /** null for nodes planned from channel metadata alone. */
  recipe: RecipeRef | null;
  /** The non-skipped variants rendered for this target. */
  variants: RenderedVariant[];
  /** This node is the bootstrap build of `feedstock` (rendered with its bootstrap variant). */
  bootstrap: boolean;
  extraVersion?: string;
  /** The python dependency that put this node in the rebuild set, e.g. "host: python 3.13.*". */
  pythonDependency: string | null;
  /** Content hash of the recipe dir (for resume invalidation); null for channel nodes. */
  recipeHash: string | null;
}

/** Why an edge exists: one requirement of the dependent, and through which output it is met. */
export interface EdgeReason {
  section: Section;
  /** The dependent's match spec that caused this edge. */
  spec: string;
  /** The dependency's output that satisfies the spec. */
  output: string;
  /** For edges added because a build/host requirement's run requirements must install too: the chain of outputs. */
  via?: string[];
}

/** Edge dependency → dependent. `blocksBuild` is true when any reason is build/host (direct or via run requirements). */
export interface DependencyEdge {
  blocksBuild: boolean;
  reasons: EdgeReason[];
}

export interface Cycle {
  /** Node ids in cycle order (the first is not repeated at the end). */
  path: string[];
  /** The edge labels along the path: edges[i] goes path[i] → path[(i+1) % n]. */
  edges: EdgeReason[][];
  /** How it is broken: the node whose bootstrap build breaks it, or null with a suggestion. */
  brokenBy: string | null;
  /** With brokenBy: why that member was bootstrapped (configured, or declared by its own recipe). */
  why?: string;
  suggestion?: string;
}

// ---------------------------------------------------------------- execution

export type FailureClass = 'build' | 'test' | 'publish' | 'timeout' | 'container-start' | 'network' | 'cancelled' | 'internal';

/**
 * A package's pipeline on one target: build → test → transmute, then publish across the arches of
 * its name-version (plugins may register more). Each stage is a task of the run (core/engine/README.md).
 */
export type StageName = 'build' | 'test' | 'transmute' | 'publish' | (string & {});

export interface Artifact {
  /** Absolute path of the package file. */
  path: string;
  filename: string;
  subdir: Subdir;
  name: string;
  version: string;
  build: string;
  sha256: string;
  size: number;
}

/** A command to execute for a build, handed to the runner plugins through `run.hooks.exec`. */
export interface ExecRequest {
  /** The stage task the command runs for (a build, a test, ...). */
  task: TaskContext;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Host paths the command needs, mounted at the same path inside a container. */
  mounts: { path: string; mode: 'ro' | 'rw' }[];
  network: boolean;
  /** This command's own time limit (e.g. one test), instead of the task's `timeoutMs`. */
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Which runner executed it (plugin name). */
  runner: string;
}

/** What every stage task of a package on one target gets: its node, scratch dir, log, channels, exec. */
export interface TaskContext {
  /** Node id. */
  id: string;
  node: PackageNode;
  target: Target;
  /** The stage this task runs (`build`, `test`, `transmute`, ...). */
  stage: StageName;
  attempt: number;
  /** Absolute scratch dir of this attempt (prefixes, source). Removed by the engine after success. */
  workDir: string;
  /** Channel dir (conda layout) the artifacts are to be written to. */
  outputChannel: string;
  /** Channels (dirs or URLs) requirements are resolved from, in priority order. */
  channels: string[];
  /** Append-only build log. */
  logFile: string;
  log(line: string): void;
  signal: AbortSignal;
  timeoutMs: number;
  /** Run a command through the runner plugins (host or container). */
  exec(req: Omit<ExecRequest, 'task'>): Promise<ExecResult>;
  /**
   * Runners call this when they start what may outlive the rebuild process if it is killed (a
   * process group, right after spawning it; a container, before creating it), and call the returned
   * function once it has ended. The state records it, and a later run stops what is still open
   * before it builds anything (core/engine/leftovers.ts). Absent on tasks made outside the executor.
   */
  track?(process: TrackedProcess): () => void;
  /** Labels for what this attempt starts (containers): work dir, run id, attempt id (io.rebuild.*). */
  labels?: Record<string, string>;
  /**
   * A build's critical-path rank among the run's build tasks (1: the longest remaining path), set by
   * the executor; the queue coordinator (core/queue) makes it the BullMQ job priority.
   */
  priority?: number;
}

export interface BuildTask extends TaskContext {
  stage: 'build';
  /**
   * Set when `run.hooks.buildFrom` made this build wait for the same node's build on another target
   * (a conversion, plugins/converter): that build's artifacts, already indexed. A builder that does
   * not derive from them after all (it returns nothing) says why in `declined`: the status reason shows it.
   */
  source?: { target: Target; artifacts: Artifact[]; reason: string; declined?: string };
}

/** `run.hooks.buildFrom`: build(X@target) made from X's build on another target, or why not. */
export interface BuildSource {
  /** The target whose build this one is made from; null: built normally (`reason` says why). */
  from: Target | null;
  /** e.g. `converted from linux-64`, `not converted: compiled: the recipe uses compiler('c')`. */
  reason: string;
}

/** test(X@target): the artifacts of build(X@target), already hashed and indexed in the output channel. */
export interface TestTask extends TaskContext {
  stage: 'test';
  artifacts: Artifact[];
}

/** One check of a package's tests. */
export interface TestCheck {
  /** e.g. "imports: numpy", "commands[0]: numpy-config --version", "run_test.py". */
  name: string;
  /** 'imports' | 'commands' | 'script' | 'pip_check' | 'package_contents' | 'files' | 'install'. */
  kind: string;
  ok: boolean;
  skipped?: boolean;
  durationMs: number;
  /** The first error line (the task's log has the whole output). */
  message?: string;
}

/** Filled by the `test` hook's taps; a check with ok=false fails the test stage, no check passes it ("no tests"). */
export interface TestReport {
  id: string;
  checks: TestCheck[];
}

/** transmute(X@target): the artifacts to convert (after a passed test, or after the build when tests are off). */
export interface TransmuteTask extends TaskContext {
  stage: 'transmute';
  artifacts: Artifact[];
}

/** One target's share of a publish group: what the last stage of X on that target produced. */
export interface PublishMember {
  node: PackageNode;
  target: Target;
  artifacts: Artifact[];
}

/** One name-version(-python) across every arch the config requires for it. */
export interface PublishGroup {
  /** `${name}-${version}-py${python}`: stable, used in the state database and reports. */
  key: string;
  name: string;
  version: string;
  python: string;
  members: PublishMember[];
  runId: number;
  attempt: number;
  workDir: string;
  logFile: string;
  log(line: string): void;
  signal: AbortSignal;
}

export interface PublishResult {
  /** Publisher plugin name. */
  publisher: string;
  published: Artifact[];
  channel: string;
  label?: string;
}

export interface PublishFailure {
  group: PublishGroup;
  step: 'upload' | 'validate' | 'copy';
  reason: string;
  artifact?: Artifact;
}

/** A process group (its id = the leader's pid) or a container (engine binary and name). */
export type TrackedProcess = { kind: 'process-group'; pgid: number } | { kind: 'container'; engine: string; name: string };

export interface BuildResult {
  /** Builder plugin name. */
  builder: string;
  artifacts: Artifact[];
  /** How it was built, in a few words (`converted from linux-64`): the status reason says `built by <builder>: <note>`. */
  note?: string;
}

/** Execution status of a node in a run. */
export type TaskStatus =
  | 'planned' | 'waiting' | 'ready' | 'building' | 'built' | 'testing' | 'tested' | 'transmuting' | 'transmuted'
  | 'publishing' | 'published' | 'failed' | 'blocked' | 'excluded' | 'present' | 'interrupted' | 'skipped';

export interface TaskResult {
  id: string;
  target: Target;
  /**
   * The stage this change is about: the one running, finished or failed (`failed` at stage 'test' is
   * "built, test failed"). Absent for statuses no stage has yet (planned, excluded, blocked, skipped).
   */
  stage?: StageName;
  status: TaskStatus;
  reason: string | null;
  attempt: number;
  durationMs: number;
  artifacts: Artifact[];
  failure?: FailureClass;
  logFile?: string;
}

/** The scheduler is about to start: every task of the run with its starting status (run.hooks.executionStart). */
export interface ExecutionStart {
  runId: number;
  workDir: string;
  concurrency: number;
  /**
   * One entry per planned node per target. `status` is 'waiting' (to build), 'built'/'tested'/'published'
   * (kept from an earlier run), 'failed' (an earlier failure not retried), 'blocked' (depends on one)
   * or 'skipped' (left out by --only/--from).
   */
  tasks: { id: string; target: Target; status: TaskStatus; reason: string | null; bootstrap: boolean; estimateMs: number | null; stage?: StageName }[];
}

/** A plan node the run could not build: a render or plan error, or blocked (by an error or a blocklisted package). */
export interface NotBuiltNode {
  id: string;
  target: Target;
  status: 'error' | 'blocked';
  reason: string | null;
}

export interface RunSummary {
  runId: number;
  startedAt: string;
  endedAt: string;
  counts: Record<string, number>;
  results: TaskResult[];
  /** Plan nodes in error or blocked at plan time (never tasks of the run), per target then id. */
  notBuilt: NotBuiltNode[];
  /** The plans had errors (render errors, cycles, ...): the run exits 1, as `rebuild plan` does. */
  planErrors: number;
  interrupted: boolean;
}
