// The resolved config: defaults → file → profile chain → CLI flags, validated, paths absolute, frozen.
import type { BlocklistEntry, Subdir } from './config.generated.ts';
import type { Plugin } from '../model/plugin.ts';

export interface ResolvedConfig {
  /** Absolute path of the config file, or null for a config given in code. */
  configFile: string | null;
  /** Directory relative paths in the config are resolved against. */
  rootDir: string;
  /** The profile applied, or null. */
  profile: string | null;
  /** `to` as written: one version, or several (core/config/pythons.ts `targetPythons` lists them). */
  python: { from: string; to: string | string[] };
  arches: Subdir[];
  /** Absolute aggregate folders. */
  aggregates: string[];
  channels: {
    reference: string | null;
    target: string | null;
    build: string[];
    staging: string | null;
    production: string | null;
    /** Absolute folder the tester copies passing packages to (default `<workDir>/tested`). */
    tested: string;
  };
  /** Absolute work dir. */
  workDir: string;
  concurrency: number;
  limits: { arch: Record<string, number>; builder: Record<string, number> };
  blocklist: BlocklistEntry[];
  /** Per feedstock; `recipe` is absolute when given. */
  extraVersions: Record<string, { version: string; recipe?: string }[]>;
  bootstrap: {
    python: boolean;
    chain: string[];
    variants: Record<string, Record<string, string | number | boolean>>;
    /** Variant keys that declare a recipe's own bootstrap mode (default ['bootstrap']; absent = the default). */
    keys?: string[];
  };
  selection: { noarch: boolean; prefer: Record<string, string>; only: string[] };
  /** Absolute extra conda_build_config.yaml files. */
  variantConfigs: string[];
  timeouts: { buildSeconds: number; hookMs: number };
  retry: { attempts: number; backoffMs: number; transient: string[] };
  failFast: boolean;
  /** Variables recipes and builds may see, and variables holding secrets: names or prefixes ending in `*`. */
  environment: { allow: string[]; secrets: string[] };
  /** The report: failure classes tried before the default set, the dashboard's waiting gate and groups. */
  report: { classes: { name: string; pattern: string; stage?: string }[]; waitingGoal: number | null; groups: Record<string, string[]> };
  /** The test stage: on by default; a failed test holds publication, and blocks dependents only with blocksDependents. */
  tests: { enabled: boolean; blocksDependents: boolean; timeoutSeconds: number };
  /** The transmute stage (plugin rebuild:transmuter): on by default; zstd level 22 (as `cph transmute`); threads null = the machine's cores (at most 8). */
  transmute: { enabled: boolean; zstdLevel: number; threads: number | null };
  /** Platform conversion (plugin rebuild:converter): the arches in `to` convert eligible packages from `from`'s builds (empty: none). */
  convert: { from: Subdir; to: Subdir[]; windowsEntryPoints: 'bat' | 'refuse' };
  /** The publish stage: requireArches null = every configured arch; archExceptions: package → the only arches required. */
  publish: {
    enabled: boolean; requireArches: Subdir[] | null; archExceptions: Record<string, Subdir[]>;
    /** The publisher's labels (staging, production; `main` = the channel itself) and outputs-map extension (always set by resolve; optional for hand-made configs). */
    label?: string; productionLabel?: string | null; owners?: Record<string, string[]>;
  };
  /** Distributed builds (core/queue): the Redis URL (a string, or an env() handle: redacted), the key prefix, the shared artifact folder. */
  queue: {
    url: string | { variable: string; reveal(): string } | null;
    prefix: string;
    artifacts: string;
    /** HTTP upload to the coordinator instead of the shared folder (core/queue/upload-server.ts); null: the folder. */
    upload: { url: string; token: { variable: string; reveal(): string }; listen: string | null } | null;
  };
  plugins: Plugin[];
}
