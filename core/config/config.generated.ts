/* GENERATED FILE, do not edit: made from schema/rebuild.schema.json by `npm run gen:types`; CI runs `npm run check:types` and fails when it is stale. */

/**
 * A python major.minor version such as "3.13" (quote it in YAML: 3.10 unquoted is the number 3.1).
 */
export type PythonVersion = string;
/**
 * The conda subdirs to rebuild for; each arch is planned and built separately.
 *
 * @minItems 1
 */
export type Arches = [Subdir, ...Subdir[]];
/**
 * A conda subdir (platform) name.
 */
export type Subdir =
  'linux-64' | 'linux-aarch64' | 'linux-ppc64le' | 'linux-s390x' | 'osx-64' | 'osx-arm64' | 'win-64' | 'noarch';
/**
 * Why a package is not rebuilt: obsolete (superseded or dead upstream), not-ready (does not support the new python yet), too-heavy (too costly to build in this campaign), added-after (added to the aggregate after the campaign started), private (not to be published), other (see note).
 */
export type BlockReason = 'obsolete' | 'not-ready' | 'too-heavy' | 'added-after' | 'private' | 'other';
/**
 * Packages kept out of the rebuild, each with a structured reason; whatever depends on them is blocked.
 */
export type Blocklist = BlocklistEntry[];
/**
 * Extra conda_build_config.yaml files stacked after the aggregate's own, relative to the config file.
 */
export type VariantConfigs = string[];
/**
 * Plugins, built-in or third party (builders, runners, channels, reporters).
 */
export type Plugins = Plugin[];

/**
 * A rebuild.config.ts (or .mts/.js/.mjs/.json/.yaml, or a `rebuild` key in package.json): what to rebuild, for which python and arches, and with which plugins.
 */
export interface RebuildConfig {
  /**
   * Optional pointer to this schema, for editors.
   */
  $schema?: string;
  python: Python;
  arches: Arches;
  /**
   * Aggregate folder(s) of feedstocks (<name>-feedstock/recipe/, bare recipe/ dirs, or folders of recipe dirs), relative to the config file.
   */
  aggregate: string | [string, ...string[]];
  channels?: Channels;
  /**
   * Working directory for state (SQLite), logs, build prefixes and the run's output channel, relative to the config file.
   */
  workDir?: string;
  /**
   * Number of concurrent build slots.
   */
  concurrency?: number;
  limits?: Limits;
  blocklist?: Blocklist;
  extraVersions?: ExtraVersions;
  bootstrap?: Bootstrap;
  selection?: Selection;
  variantConfigs?: VariantConfigs;
  timeouts?: Timeouts;
  retry?: Retry;
  /**
   * Stop starting new builds after the first failure.
   */
  failFast?: boolean;
  environment?: Environment;
  report?: Report;
  tests?: Tests;
  transmute?: Transmute;
  convert?: Convert;
  publish?: Publish;
  queue?: Queue;
  plugins?: Plugins;
  /**
   * Named partial configs selected with --profile.
   */
  profiles?: {
    [k: string]: Profile;
  };
  /**
   * Profile used when --profile is not given.
   */
  defaultProfile?: string;
}
/**
 * The python rebuild target: packages built for `from` are rebuilt for `to` (one python, or several side by side).
 */
export interface Python {
  /**
   * The python (major.minor) the ecosystem is built for today, e.g. "3.12".
   */
  from: string;
  /**
   * The python (major.minor) to rebuild for, e.g. "3.13"; or several, e.g. ["3.13", "3.14"]: each arch is then planned, built and published once per python, and reports show the pythons side by side.
   */
  to: PythonVersion | [PythonVersion, ...PythonVersion[]];
}
/**
 * Channels (local folders or http(s) URLs in the conda layout <channel>/<subdir>/repodata.json).
 */
export interface Channels {
  /**
   * Channel holding the packages built for the old python: the reference for the `plan` diff and for channel-only planning.
   */
  reference?: string;
  /**
   * Channel whose packages for the new python count as already present (not rebuilt). Defaults to production.
   */
  target?: string;
  /**
   * Extra channels that build and host requirements are resolved from, after the run's own output channel.
   */
  build?: string[];
  /**
   * Folder the publisher uploads built artifacts to before validating them (default <workDir>/staging).
   */
  staging?: string;
  /**
   * Channel validated artifacts are copied to: a folder, https://anaconda.org/<owner> or https://prefix.dev/<channel> (default <workDir>/production).
   */
  production?: string;
  /**
   * Local folder the tester (rebuild:tester) copies the packages that pass their tests to, indexed (default <workDir>/tested).
   */
  tested?: string;
}
/**
 * Optional caps on concurrent builds, below `concurrency`.
 */
export interface Limits {
  /**
   * Max concurrent builds per subdir, e.g. { "win-64": 1 }.
   */
  arch?: {
    [k: string]: number;
  };
  /**
   * Max concurrent builds per builder plugin name.
   */
  builder?: {
    [k: string]: number;
  };
}
/**
 * One package (output or feedstock name) kept out of the rebuild, with a structured reason.
 */
export interface BlocklistEntry {
  /**
   * Package (output) or feedstock name.
   */
  name: string;
  reason: BlockReason;
  /**
   * Free text shown in plans, reports and `rebuild why`.
   */
  note?: string;
  /**
   * A URL to the issue or discussion behind this entry.
   */
  link?: string;
  /**
   * Only block on these subdirs (default: every arch).
   */
  arches?: Subdir[];
}
/**
 * Older versions built alongside the main one, per feedstock name, e.g. { numpy: [{ version: '1.26' }] }.
 */
export interface ExtraVersions {
  [k: string]: ExtraVersion[];
}
/**
 * An older version of a feedstock planned next to the main one.
 */
export interface ExtraVersion {
  /**
   * The version this extra recipe builds (as written in its recipe).
   */
  version: string;
  /**
   * Recipe dir (or feedstock dir) of that version, relative to the config file. Default: <aggregate>/<name>-<version>-feedstock.
   */
  recipe?: string;
}
/**
 * Bootstrap builds that break dependency cycles: build in bootstrap mode, then what needed it, then again normally.
 */
export interface Bootstrap {
  /**
   * Bootstrap python itself (python in bootstrap mode, then the chain, then python again).
   */
  python?: boolean;
  /**
   * Packages built between python's bootstrap and final builds (wincertstore is added on win only).
   */
  chain?: string[];
  /**
   * Variant keys that declare a recipe's own bootstrap mode: a cycle member whose variant config (e.g. its recipe-dir conda_build_config.yaml) sets one of these keys and whose recipe reads it is bootstrapped automatically, with the first of yes, true, True, 1 that drops the requirements closing the cycle.
   */
  keys?: string[];
  /**
   * Per feedstock, the variant keys that render its bootstrap mode (e.g. { flit: { bootstrap: true } }). python defaults to { bootstrap: true }.
   */
  variants?: {
    [k: string]: {
      [k: string]: string | number | boolean;
    };
  };
}
/**
 * What enters the rebuild set.
 */
export interface Selection {
  /**
   * Rebuild noarch: python outputs too (default false: they need no rebuild).
   */
  noarch?: boolean;
  /**
   * Output name → feedstock name, when several feedstocks provide one output.
   */
  prefer?: {
    [k: string]: string;
  };
  /**
   * Restrict the plan to these feedstocks and what they need.
   */
  only?: string[];
}
/**
 * Time limits.
 */
export interface Timeouts {
  /**
   * Per-package build time limit; the build (process group or container) is stopped after it.
   */
  buildSeconds?: number;
  /**
   * A plugin tap that has not settled after this long is reported by name instead of hanging the run.
   */
  hookMs?: number;
}
/**
 * Retries of transient failures.
 */
export interface Retry {
  /**
   * Max attempts per package for a transient failure (1 = no retry).
   */
  attempts?: number;
  /**
   * Delay before the first retry; doubled on each further one.
   */
  backoffMs?: number;
  /**
   * Failure classes treated as transient.
   */
  transient?: ('container-start' | 'timeout' | 'network')[];
}
/**
 * Which variables of this process's environment recipes and builds may see, and which hold secrets. Renders (meta.yaml `environ`, recipe.yaml `env.get`) see the allowed variables; a build sees its builder's fixed variables plus those its recipe asks for (`build: script_env`, recipe.yaml `build: script: secrets`) that are also allowed. Nothing else of the environment passes.
 */
export interface Environment {
  /**
   * Variables recipes and builds may see: exact names, or prefixes ending in *. A prefix never matches a secret (an env() handle's variable or one listed in `secrets`): a secret passes only when named exactly.
   */
  allow?: string[];
  /**
   * Variables whose values are secrets besides those read with env(): exact names, or prefixes ending in *. Their values are redacted from all output (terminal, logs, state, package metadata).
   */
  secrets?: string[];
}
/**
 * The report (`rebuild report`, written at the end of every run): failure classes, and the dashboard's waiting gate and critical groups.
 */
export interface Report {
  /**
   * Failure classes tried before the default set (missing-dependency, unsatisfiable, compiler-error, linker-error, python-breakage, test-failure, timeout, out-of-memory, network-in-sandbox): first match wins.
   */
  classes?: ReportClass[];
  /**
   * The dashboard's gate for waiting packages (e.g. 500): drawn on the progress chart.
   */
  waitingGoal?: number;
  /**
   * Named critical package sets (feedstock or output names), each shown with its own status, e.g. { core: ['numpy', 'scipy'] }.
   */
  groups?: {
    [k: string]: string[];
  };
}
/**
 * A failure class of the report: a failed package whose log (or failure reason) has a line matching `pattern` gets this class. Rules are tried in order, the config's before the default set; the first match wins.
 */
export interface ReportClass {
  /**
   * Class name shown by reports, `status` and `why`, e.g. "missing-dependency".
   */
  name: string;
  /**
   * A JavaScript regular expression (no slashes, no flags: case-sensitive) matched against each line of the log and the reason.
   */
  pattern: string;
  /**
   * Only for failures of this stage (build, test, transmute, publish); default: any stage.
   */
  stage?: string;
}
/**
 * The test stage: test(X@arch) runs after build(X@arch) and the builds of X's test requirements, through the plugins tapping run.hooks.test (the tester).
 */
export interface Tests {
  /**
   * Test every built package (false: a build-only pass; transmute and publish follow the build).
   */
  enabled?: boolean;
  /**
   * A failed test blocks the builds of the package's dependents (default: only its publication is held; dependents were built against the built artifact).
   */
  blocksDependents?: boolean;
  /**
   * Per-package test stage time limit; the tests are stopped after it.
   */
  timeoutSeconds?: number;
}
/**
 * The transmute stage (plugin rebuild:transmuter): each tested .tar.bz2 gets its .conda (and a .conda its .tar.bz2), written natively, verified against the source, next to it in the output channel.
 */
export interface Transmute {
  /**
   * Convert after a passed test (false: the artifacts go on as built).
   */
  enabled?: boolean;
  /**
   * zstd level of the .conda members (22, what `cph transmute` uses; conda-build writes 19).
   */
  zstdLevel?: number;
  /**
   * Worker threads converting packages side by side (default: the machine's cores, at most 8).
   */
  threads?: number;
}
/**
 * Platform conversion (plugin rebuild:converter, as `conda convert`): on the arches listed in `to`, a package with no compiled files and no platform-specific requirements is not built but converted from its build on `from` (index.json subdir/platform/arch, lib/pythonX.Y/site-packages ↔ Lib/site-packages, bin/ ↔ Scripts/, paths.json); the others build normally, and the status says why.
 */
export interface Convert {
  /**
   * A conda subdir (platform) name.
   */
  from?: 'linux-64' | 'linux-aarch64' | 'linux-ppc64le' | 'linux-s390x' | 'osx-64' | 'osx-arm64' | 'win-64' | 'noarch';
  /**
   * The arches that convert eligible packages from `from` instead of building them (empty: no conversion). An arch not in this run's targets is ignored.
   */
  to?: Subdir[];
  /**
   * A Python entry point (bin/<name>) converted for Windows: `bat` writes Scripts/<name>-script.py and a Scripts/<name>.bat launcher (no .exe: conda-build's launcher is a compiled file a conversion cannot make); `refuse` builds such packages normally.
   */
  windowsEntryPoints?: 'bat' | 'refuse';
}
/**
 * The publish stage: a name-version is published once it has passed its last stage on every arch required for it (a join across arches), through the plugins tapping run.hooks.publish.
 */
export interface Publish {
  /**
   * Publish groups at all (false: packages stop after their last per-arch stage).
   */
  enabled?: boolean;
  /**
   * Arches every package must have passed before it is published (default: every configured arch).
   */
  requireArches?: Subdir[];
  /**
   * Per package (feedstock or node id): the only arches required for it, e.g. { 'mkl-service': ['linux-64', 'win-64'] }.
   */
  archExceptions?: {
    [k: string]: Subdir[];
  };
  /**
   * Label the packages are uploaded under in staging, and copied to in production unless productionLabel says otherwise; main is the channel itself (label/<name>/ otherwise).
   */
  label?: string;
  /**
   * Label in the production channel (default: label).
   */
  productionLabel?: string;
  /**
   * Extends the outputs map (feedstock -> the package names it may publish) that the publisher builds from the recipes' outputs, e.g. { 'numpy': ['numpy-base'] }.
   */
  owners?: {
    [k: string]: string[];
  };
}
/**
 * Distributed builds (core/queue): `rebuild run` enqueues each build on the BullMQ queue of its arch (`<prefix>:build:<subdir>`) in this Redis, and `rebuild worker` processes take them. `rebuild run --queue URL` sets url.
 */
export interface Queue {
  /**
   * redis://[:password@]HOST:PORT[/DB]; a password belongs in the environment: env('REDIS_URL'). Redacted everywhere.
   */
  url?:
    | string
    | {
        variable: string;
      };
  /**
   * Key prefix of the queues in Redis (several rebuilds may share one Redis with different prefixes).
   */
  prefix?: string;
  /**
   * The artifact store: a folder coordinator and workers share (NFS or similar), workers write each build's files there, the coordinator verifies their sha256 and copies them into its output channel. Default <workDir>/queue-artifacts (one machine). With `upload`: the coordinator's own folder the uploads land in.
   */
  artifacts?: string;
  /**
   * Artifacts uploaded to the coordinator over HTTP instead of a shared folder (workers that share no filesystem with it): the coordinator serves PUT <url>/artifacts/<job>/<subdir>/<file> (plain HTTP on `listen`), authenticated by the token; each upload goes to a temp file, is checked against its declared size and sha256, then kept in `artifacts`; a wrong token is refused (401), a cut upload leaves nothing.
   */
  upload?: {
    /**
     * Where workers reach the coordinator's endpoint, e.g. http://coordinator.internal:8790 (https:// through a TLS proxy: then set `listen`).
     */
    url: string;
    /**
     * env('REBUILD_ARTIFACT_TOKEN'): the same value (at least 16 characters) on the coordinator and every worker; a token belongs in the environment, never in the file. Redacted everywhere.
     */
    token: {
      /**
       * The environment variable holding the token.
       */
      variable: string;
    };
    /**
     * HOST:PORT the coordinator listens on, e.g. 0.0.0.0:8790; default the url's host and port.
     */
    listen?: string;
  };
}
/**
 * A plugin object as made by a plugin factory: { name, apply(engine) }.
 */
export interface Plugin {
  /**
   * Namespaced plugin name, e.g. rebuild:builder-script. Plugins are merged by this name across profiles.
   */
  name: string;
}
/**
 * A named partial config, applied over the base config when selected with --profile or defaultProfile.
 */
export interface Profile {
  /**
   * Another profile this one applies on top of (chains allowed, cycles are errors).
   */
  extends?: string;
  /**
   * What this profile is for (shown by `rebuild config`).
   */
  description?: string;
  python?: Python;
  arches?: Arches;
  /**
   * Aggregate folder(s) of feedstocks (<name>-feedstock/recipe/, bare recipe/ dirs, or folders of recipe dirs), relative to the config file.
   */
  aggregate?: string | [string, ...string[]];
  channels?: Channels;
  /**
   * Working directory for state (SQLite), logs, build prefixes and the run's output channel, relative to the config file.
   */
  workDir?: string;
  /**
   * Number of concurrent build slots.
   */
  concurrency?: number;
  limits?: Limits;
  blocklist?: Blocklist;
  extraVersions?: ExtraVersions;
  bootstrap?: Bootstrap;
  selection?: Selection;
  variantConfigs?: VariantConfigs;
  timeouts?: Timeouts;
  retry?: Retry;
  /**
   * Stop starting new builds after the first failure.
   */
  failFast?: boolean;
  environment?: Environment;
  report?: Report;
  tests?: Tests;
  transmute?: Transmute;
  convert?: Convert;
  publish?: Publish;
  queue?: Queue;
  plugins?: Plugins;
}
