// Test fixtures of the publisher: real (small) conda packages, publish groups as the engine makes
// them, and a resolved config with the publisher in a temp work dir.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCondaPackage } from '../../core/conda/write-package.ts';
import { resolveConfig } from '../../core/config/resolve.ts';
import type { Plugin } from '../../core/model/plugin.ts';
import type { Artifact, PackageNode, PublishGroup, Subdir } from '../../core/model/types.ts';

export interface PackageSpec {
  name: string;
  version?: string;
  build?: string;
  subdir?: Subdir;
  /** Content of the one file the package holds (changes the bytes). */
  content?: string;
}

/** Write a .conda package into `<channel>/<subdir>/`; returns its artifact (hashed). */
export async function makePackage(channel: string, spec: PackageSpec): Promise<Artifact> {
  const subdir = spec.subdir ?? 'linux-64';
  const prefix = mkdtempSync(join(tmpdir(), 'publisher-prefix-'));
  try {
    const file = `lib/python3.13/site-packages/${spec.name.replace(/-/g, '_')}/__init__.py`;
    mkdirSync(join(prefix, file, '..'), { recursive: true });
    writeFileSync(join(prefix, file), spec.content ?? `VERSION = '${spec.version ?? '1.0'}'\n`);
    const [artifact] = await writeCondaPackage({
      prefix,
      files: [file],
      info: {
        name: spec.name, version: spec.version ?? '1.0', build: spec.build ?? 'py313h0_0', buildNumber: 0,
        depends: ['python >=3.13,<3.14'], subdir, license: 'MIT', about: { summary: `${spec.name} for tests` },
      },
      outDir: join(channel, subdir),
      formats: ['conda'],
      zstdLevel: 3,
    });
    return artifact;
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

export function node(feedstock: string, outputs: string[], subdir: Subdir = 'linux-64'): PackageNode {
  return {
    id: feedstock, feedstock, target: { subdir, python: '3.13' }, outputs, status: 'planned', reason: null, recipe: null,
    variants: [], bootstrap: false, pythonDependency: 'host: python', recipeHash: null,
  };
}

/** A publish group of `name`-`version` from per-arch artifacts, built by `feedstock` (declaring `outputs`). */
export function group(workDir: string, feedstock: string, outputs: string[], members: Artifact[][], lines: string[] = []): PublishGroup {
  const first = members.flat()[0];
  return {
    key: `${first.name}-${first.version}-py3.13`,
    name: first.name,
    version: first.version,
    python: '3.13',
    members: members.map((artifacts) => ({ node: node(feedstock, outputs, artifacts[0].subdir), target: { subdir: artifacts[0].subdir, python: '3.13' }, artifacts })),
    runId: 1,
    attempt: 1,
    workDir,
    logFile: join(workDir, 'logs', 'publish.log'),
    log: (line) => void lines.push(line),
    signal: new AbortController().signal,
  };
}

export function tempDir(prefix = 'publisher-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A resolved config whose work dir is `dir`, with these plugins and config keys. */
export function configIn(dir: string, plugins: Plugin[], extra: Record<string, unknown> = {}) {
  return resolveConfig(
    { python: { from: '3.12', to: '3.13' }, arches: ['linux-64', 'osx-arm64'], aggregate: '.', workDir: join(dir, 'work'), plugins, ...extra },
    { rootDir: dir, profile: null },
  );
}
