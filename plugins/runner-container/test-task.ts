// A BuildTask for runner and builder tests: real log file and scratch dirs, hand-written and small.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildTask, PackageNode, Target } from '../../core/model/types.ts';
import type { ResolvedConfig } from '../../core/config/resolved.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import { fakeConfig, type FakeConfigOverrides } from '../../tests/fixtures/fake-config.ts';

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

/** The tests' fake config (tests/fixtures/fake-config.ts) as plugin tests use it: two linux arches, /tmp paths. */
export function testConfig(plugins: Plugin[], over: FakeConfigOverrides = {}): ResolvedConfig {
  return fakeConfig('/tmp/work', plugins, {
    rootDir: '/tmp', arches: ['linux-64', 'linux-aarch64'], aggregates: ['/tmp/agg'], channels: { build: [] }, concurrency: 1,
    bootstrap: { chain: [] }, timeouts: { buildSeconds: 60, hookMs: 120_000 }, ...over,
  });
}
