// A generated conda channel for the installability benchmark: per arch, `n` python packages built
// for python 3.13 (`pkg-<i>`, each depending on python, python_abi and 0–4 earlier packages, seeded),
// plus the base (python 3.12/3.13, python_abi, libzlib, openssl). About 1% of the packages need a
// library that no channel has, so their solves fail (no package depends on those): the matrix has
// both outcomes. Repodata only: the solver reads nothing else.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seeded } from './measure.ts';

const BASE = [
  { name: 'python', version: '3.12.8', build: 'h9e4cc4f_1_cpython', depends: ['libzlib >=1.3.1,<2.0a0', 'openssl >=3.4.0,<4.0a0'] },
  { name: 'python', version: '3.13.1', build: 'ha99a958_102_cp313', depends: ['libzlib >=1.3.1,<2.0a0', 'openssl >=3.4.0,<4.0a0'] },
  { name: 'python_abi', version: '3.13', build: '5_cp313', depends: [] },
  { name: 'libzlib', version: '1.3.1', build: 'hb9d3cd8_2', depends: [] },
  { name: 'openssl', version: '3.4.0', build: 'h7b32b05_1', depends: [] },
];

export interface GeneratedChannel {
  /** The channel of the `n` packages (the benchmark's tested channel). */
  packages: string;
  /** The base channel (python and its libraries). */
  base: string;
  /** Package names whose solve must fail (a missing library somewhere in their closure). */
  unsatisfiable: Set<string>;
}

function write(dir: string, subdir: string, records: { name: string; version: string; build: string; depends: string[] }[]): void {
  const packages: Record<string, unknown> = {};
  for (const r of records) packages[`${r.name}-${r.version}-${r.build}.conda`] = { ...r, build_number: 0, subdir, license: 'MIT', timestamp: 1_730_000_000_000 };
  mkdirSync(join(dir, subdir), { recursive: true });
  writeFileSync(join(dir, subdir, 'repodata.json'), JSON.stringify({ info: { subdir }, packages: {}, 'packages.conda': packages, repodata_version: 1 }));
}

export function generateChannel(dir: string, n: number, subdirs: string[], seed = 11): GeneratedChannel {
  const rand = seeded(seed);
  const deps: string[][] = [];
  const broken = new Set<number>();
  for (let i = 0; i < n; i++) {
    const own = new Set<number>();
    const k = i === 0 ? 0 : Math.floor(rand() * 5);
    // Dependencies lean to the first packages (the numpy, six, requests of a real channel), so
    // closures stay the size of real ones (tens of packages) while every package is some's dependency.
    for (let j = 0; j < k; j++) {
      const d = Math.floor(i * rand() ** 3);
      if (!broken.has(d)) own.add(d);
    }
    const missing = rand() < 0.01;
    if (missing) broken.add(i);
    deps.push(['python >=3.13,<3.14.0a0', 'python_abi 3.13.* *_cp313', ...[...own].sort((a, b) => a - b).map((d) => `pkg-${d} >=1.0`), ...(missing ? ['libmissing >=2'] : [])]);
  }
  const packages = join(dir, 'packages');
  const base = join(dir, 'base');
  for (const subdir of subdirs) {
    write(packages, subdir, deps.map((d, i) => ({ name: `pkg-${i}`, version: '1.0', build: 'py313h0_0', depends: d })));
    write(base, subdir, BASE);
  }
  write(packages, 'noarch', []);
  write(base, 'noarch', []);
  return { packages, base, unsatisfiable: new Set([...broken].map((i) => `pkg-${i}`)) };
}
