// Resolution: defaults → file → profile chain → CLI flags; then validation, absolute paths, freeze.
// Pure: takes the loaded config object (from a file or from code), returns a frozen ResolvedConfig
// or throws a ConfigError listing every issue, each naming its file, profile and JSON path.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Plugin } from '../model/plugin.ts';
import type { BlocklistEntry, Subdir } from './config.generated.ts';
import type { ResolvedConfig } from './resolved.ts';
import { ConfigError, displayPath, type ConfigIssue } from './errors.ts';
import { deepFreeze, cleanCopy, isPlain } from './freeze.ts';
import { mergeLayer } from './merge.ts';
import { profileChain, unknownProfileMessage } from './profiles.ts';
import { checkPlugins, isPlugin } from './plugins.ts';
import { schemaDefaults, SUBDIRS } from './schema.ts';
import { validateAgainstSchema, show, type SchemaTarget } from './validate-schema.ts';
import { didYouMean } from './did-you-mean.ts';
import { registerSecretVariables } from './environment.ts';

/** Values from CLI flags; they beat the profile and the file. */
export interface ConfigOverrides {
  /** --arch: replaces the arches (narrowing or not); each must be a known subdir. */
  arches?: string[];
  /** --concurrency: a positive integer (a string from argv is accepted). */
  concurrency?: number | string;
  /** --work-dir: resolved against `cwd`, not the config dir (it was typed relative to where the user is). */
  workDir?: string;
}

export interface ResolveOptions {
  /** Absolute path of the config file, or null for a config given in code. */
  configFile?: string | null;
  /** Relative paths are resolved against this; default: the config file's dir, else `cwd`. */
  rootDir?: string;
  /** The profile to apply; undefined → `defaultProfile`; null → no profile at all. */
  profile?: string | null;
  overrides?: ConfigOverrides;
  /** Built-in plugins; the config's plugins merge over them by name. */
  defaultPlugins?: Plugin[];
  /** Working dir, for --work-dir and for naming the file in messages. */
  cwd?: string;
}

type Obj = Record<string, unknown>;

/** Keys of the file that are not config to merge. */
const FILE_ONLY_KEYS = ['$schema', 'profiles', 'defaultProfile'];

export function resolveConfig(input: unknown, options: ResolveOptions = {}): ResolvedConfig {
  const cwd = options.cwd ?? process.cwd();
  const configFile = options.configFile ?? null;
  const file = configFile === null ? null : displayPath(configFile, cwd);
  const rootDir = options.rootDir ?? (configFile ? dirname(configFile) : cwd);
  const fail = (issues: ConfigIssue[]) => {
    if (issues.length) throw new ConfigError(issues);
  };
  const schemaIssues = (value: unknown, target: SchemaTarget, profile: string | null): ConfigIssue[] =>
    validateAgainstSchema(value, target)
      // Plugin entries are checked by checkPlugins, which says more than "missing name".
      .filter((i) => !/^\/plugins(\/|$)/.test(i.path))
      .map((i) => ({ file, profile, ...i }));

  if (!isPlain(input))
    fail([{ file, profile: null, path: '', message: `the config must be an object (export default defineConfig({...})), got ${show(input)}` }]);
  const raw = cleanCopy(input, isPlugin) as Obj;

  // 1. The file's base config and its profile map.
  const issues = [
    ...checkPlugins(options.defaultPlugins ?? [], 'built-in plugins (plugins/defaults.ts)', null),
    ...schemaIssues(raw, 'base', null),
    ...checkPlugins(raw.plugins, file, null),
  ];
  const profiles = (isPlain(raw.profiles) ? raw.profiles : {}) as Record<string, Obj>;
  const known = Object.keys(profiles);
  if (typeof raw.defaultProfile === 'string' && !Object.hasOwn(profiles, raw.defaultProfile))
    issues.push({ file, profile: null, path: '/defaultProfile', message: unknownProfileMessage(raw.defaultProfile, known) });
  fail(issues);

  // 2. The profile and its extends chain, each profile checked under its own name.
  const selected = options.profile === undefined ? ((raw.defaultProfile as string | undefined) ?? null) : options.profile;
  let chain: string[] = [];
  if (selected !== null) {
    const found = profileChain(profiles, selected, file);
    // The selected profile itself missing, when --profile named it: a usage error.
    fail(found.issues.map((i) => (options.profile !== undefined && i.profile === null && i.path === '' ? { ...i, cli: true } : i)));
    chain = found.chain;
    for (const name of chain) {
      if (!isPlain(profiles[name])) {
        issues.push({ file, profile: name, path: '', message: `a profile must be an object, got ${show(profiles[name])}` });
        continue;
      }
      issues.push(...schemaIssues(profiles[name], 'profile', name), ...checkPlugins(profiles[name].plugins, file, name));
    }
  }

  // 3. CLI flags, checked before they are applied so errors name the flag.
  const cli = cliLayer(options.overrides ?? {}, cwd, issues);
  fail(issues);

  // 4. Merge: defaults (with the built-in plugins) → base → profiles → CLI.
  let merged: Obj = { ...schemaDefaults(), plugins: [...(options.defaultPlugins ?? [])] };
  const base = Object.fromEntries(Object.entries(raw).filter(([k]) => !FILE_ONLY_KEYS.includes(k)));
  merged = mergeLayer(merged, base);
  for (const name of chain) {
    const { extends: _e, description: _d, ...layer } = profiles[name];
    merged = mergeLayer(merged, layer);
  }
  merged = mergeLayer(merged, cli);

  // 5. The merged result must be a whole config (required keys may come from any layer).
  fail(schemaIssues(merged, 'resolved', selected));
  const resolved = toResolved(merged, { configFile, rootDir, profile: selected });
  // The values of the variables the config marks secret are redacted from everything written from now on.
  registerSecretVariables(resolved.environment);
  return deepFreeze(resolved, isPlugin);
}

function cliLayer(o: ConfigOverrides, cwd: string, issues: ConfigIssue[]): Obj {
  const out: Obj = {};
  const flag = (message: string) => issues.push({ file: null, profile: null, path: '', message, cli: true });
  if (o.arches?.length) {
    for (const a of o.arches)
      if (!SUBDIRS.includes(a)) flag(`--arch: '${a}' is not a known subdir${didYouMean(a, SUBDIRS) || `; known: ${SUBDIRS.join(', ')}`}`);
    out.arches = [...new Set(o.arches)];
  }
  if (o.concurrency !== undefined) {
    const n = typeof o.concurrency === 'number' ? o.concurrency : /^\s*\d+\s*$/.test(o.concurrency) ? Number(o.concurrency) : NaN;
    if (!Number.isInteger(n) || n < 1) flag(`--concurrency: must be a positive integer, got ${show(o.concurrency)}`);
    out.concurrency = n;
  }
  if (o.workDir !== undefined) {
    if (!o.workDir) flag('--work-dir: must not be empty');
    out.workDir = resolve(cwd, o.workDir);
  }
  return out;
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

function toResolved(m: Obj, meta: { configFile: string | null; rootDir: string; profile: string | null }): ResolvedConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(meta.rootDir, p));
  const channel = (c: unknown) => (typeof c === 'string' ? (isUrl(c) ? c : abs(c)) : null);
  const obj = (v: unknown) => (v ?? {}) as Obj;
  const channels = obj(m.channels);
  const limits = obj(m.limits);
  const bootstrap = obj(m.bootstrap);
  const selection = obj(m.selection);
  const timeouts = obj(m.timeouts);
  const retry = obj(m.retry);
  const extra = obj(m.extraVersions) as Record<string, { version: string; recipe?: string }[]>;
  return {
    configFile: meta.configFile,
    rootDir: meta.rootDir,
    profile: meta.profile,
    python: m.python as ResolvedConfig['python'],
    arches: m.arches as Subdir[],
    aggregates: (Array.isArray(m.aggregate) ? m.aggregate : [m.aggregate]).map((p) => abs(p as string)),
    channels: {
      reference: channel(channels.reference),
      target: channel(channels.target),
      build: ((channels.build ?? []) as string[]).map((c) => channel(c)!),
      staging: channel(channels.staging),
      production: channel(channels.production),
      tested: channel(channels.tested) ?? join(abs(m.workDir as string), 'tested'),
    },
    workDir: abs(m.workDir as string),
    concurrency: m.concurrency as number,
    limits: { arch: { ...obj(limits.arch) } as Record<string, number>, builder: { ...obj(limits.builder) } as Record<string, number> },
    blocklist: (m.blocklist ?? []) as BlocklistEntry[],
    extraVersions: Object.fromEntries(
      Object.entries(extra).map(([name, list]) => [name, list.map((e) => (e.recipe ? { ...e, recipe: abs(e.recipe) } : { ...e }))]),
    ),
    bootstrap: {
      python: bootstrap.python as boolean,
      chain: bootstrap.chain as string[],
      variants: (bootstrap.variants ?? {}) as ResolvedConfig['bootstrap']['variants'],
      keys: (bootstrap.keys ?? ['bootstrap']) as string[],
    },
    selection: {
      noarch: selection.noarch as boolean,
      prefer: (selection.prefer ?? {}) as Record<string, string>,
      only: (selection.only ?? []) as string[],
    },
    variantConfigs: ((m.variantConfigs ?? []) as string[]).map(abs),
    timeouts: timeouts as ResolvedConfig['timeouts'],
    retry: retry as ResolvedConfig['retry'],
    failFast: m.failFast as boolean,
    environment: { allow: [...((obj(m.environment).allow ?? []) as string[])], secrets: [...((obj(m.environment).secrets ?? []) as string[])] },
    report: {
      classes: ((obj(m.report).classes ?? []) as ResolvedConfig['report']['classes']).map((c) => ({ ...c })),
      waitingGoal: (obj(m.report).waitingGoal ?? null) as number | null,
      groups: Object.fromEntries(Object.entries(obj(obj(m.report).groups)).map(([k, v]) => [k, [...(v as string[])]])),
    },
    tests: { ...(obj(m.tests) as ResolvedConfig['tests']) },
    transmute: { ...(obj(m.transmute) as Omit<ResolvedConfig['transmute'], 'threads'>), threads: (obj(m.transmute).threads ?? null) as number | null },
    convert: {
      from: (obj(m.convert).from ?? 'linux-64') as Subdir,
      to: [...((obj(m.convert).to ?? []) as Subdir[])],
      windowsEntryPoints: (obj(m.convert).windowsEntryPoints ?? 'bat') as ResolvedConfig['convert']['windowsEntryPoints'],
    },
    publish: {
      ...(obj(m.publish) as Omit<ResolvedConfig['publish'], 'requireArches' | 'archExceptions'>),
      requireArches: obj(m.publish).requireArches ? [...(obj(m.publish).requireArches as Subdir[])] : null,
      archExceptions: Object.fromEntries(Object.entries(obj(obj(m.publish).archExceptions)).map(([k, v]) => [k, [...(v as Subdir[])]])),
      label: (obj(m.publish).label ?? 'main') as string,
      productionLabel: (obj(m.publish).productionLabel ?? null) as string | null,
      owners: Object.fromEntries(Object.entries(obj(obj(m.publish).owners)).map(([k, v]) => [k, [...(v as string[])]])),
    },
    queue: {
      url: (obj(m.queue).url ?? null) as ResolvedConfig['queue']['url'],
      prefix: (obj(m.queue).prefix ?? 'rebuild') as string,
      artifacts: obj(m.queue).artifacts ? abs(obj(m.queue).artifacts as string) : join(abs(m.workDir as string), 'queue-artifacts'),
      upload: obj(m.queue).upload
        ? { url: obj(obj(m.queue).upload).url as string, token: obj(obj(m.queue).upload).token as { variable: string; reveal(): string }, listen: (obj(obj(m.queue).upload).listen ?? null) as string | null }
        : null,
    },
    plugins: m.plugins as Plugin[],
  };
}
