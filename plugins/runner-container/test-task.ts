// A BuildTask for runner and builder tests: real log file and scratch dirs, hand-written and small.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildTask, PackageNode, Target } from '../../core/model/types.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import type { Plugin } from '../../core/model/plugin.ts';

export function testTask(dir: string, over: Partial<BuildTask> = {}): BuildTask {
  const target: Target = over.target ?? { subdir: 'linux-64', python: '3.13' };
  const logFile = join(dir, 'logs', 'build.log');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return {
    id: 'pkg',
    node: { id: 'pkg', feedstock: 'pkg', target, outputs: ['pkg'], status: 'planned', reason: null, recipe: null, variants: [], bootstrap: false, pythonDependency: null, recipeHash: null } as PackageNode,
    target,
    stage: 'build',
    attempt: 1,
    workDir: join(dir, 'work'),
    outputChannel: join(dir, 'channel'),
    channels: [],
    logFile,
    log: (line) => appendFileSync(logFile, `${line}\n`),
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    exec: () => Promise.reject(new Error('testTask.exec: not wired to a run')),
    ...over,
  };
}

/** A resolved config with only what the engine needs, for plugin tests. */
export function testConfig(plugins: Plugin[], over: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    configFile: null, rootDir: '/tmp', profile: null,
    python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'linux-aarch64'], aggregates: ['/tmp/agg'],
    channels: { reference: null, target: null, build: [], staging: null, production: null },
    workDir: '/tmp/work', concurrency: 1, limits: { arch: {}, builder: {} }, blocklist: [], extraVersions: {},
    bootstrap: { python: true, chain: [], variants: {} }, selection: { noarch: false, prefer: {}, only: [] },
    variantConfigs: [], timeouts: { buildSeconds: 60, hookMs: 120_000 }, retry: { attempts: 1, backoffMs: 0, transient: [] },
    failFast: false, environment: { allow: [], secrets: [] }, report: { classes: [], waitingGoal: null, groups: {} },
    tests: { enabled: true, blocksDependents: false, timeoutSeconds: 60 }, publish: { enabled: true, requireArches: null, archExceptions: {} }, plugins, ...over,
  };
}
