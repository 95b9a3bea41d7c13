// A deterministic synthetic aggregate of N feedstocks for the planning benchmark. The dependency
// structure is the real one of the 2018 defaults channel (data/defaults-2018): every package name with
// its newest record's depends (edges kept only between names of the channel). Beyond the ~800 real
// names the structure is cloned with suffixed names (`numpy-c3` depends on `six-c3`), so the degree
// distribution stays the real one; python itself is shared by every clone.
//
// The recipes use what real feedstocks use: `{% set %}`, `|lower`, `.split('.')`, `name[0]`,
// selectors (`# [win]`, `# [py>=311]`, `# [linux and x86_64]`), compiler()/stdlib(), `PYTHON`,
// multi-output recipes with pin_subpackage run_exports, `noarch: python`, recipe-local
// conda_build_config.yaml files, an aggregate conda_build_config.yaml with two pythons and a
// zip_keys pair (python, numpy), and some recipe.yaml (v1) recipes.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repodata } from '../core/conda/repodata.ts';
import { repodataRecords } from '../core/conda/repodata.ts';
import { compareRecords, type ChannelRecord } from '../plugins/source-channel/channel-records.ts';
import { seeded } from './measure.ts';
import { defaults2018Repodata } from '../data/defaults-2018/channel.ts';

/** One package of the real channel: its newest record reduced to what the generator needs. */
export interface RealPackage {
  name: string;
  version: string;
  /** Built for one python (a python pin or a py build string). */
  python: boolean;
  noarch: boolean;
  /** Depends on other names of the channel, spec text as written (python pins left out). */
  depends: { name: string; constraint: string }[];
}

const SPEC = /^\s*([A-Za-z0-9_][A-Za-z0-9_.\-+]*)\s*(.*)$/;

/** The real dependency structure: per name, the newest record of linux-64 + noarch. */
export function realStructure(): RealPackage[] {
  const indexes = (['linux-64', 'noarch'] as const).map((s) => JSON.parse(defaults2018Repodata(s)) as Repodata);
  const newest = new Map<string, ChannelRecord>();
  for (const idx of indexes) {
    for (const e of repodataRecords(idx)) {
      const best = newest.get(e.record.name);
      if (!best || compareRecords(e, best) < 0) newest.set(e.record.name, e);
    }
  }
  const names = new Set(newest.keys());
  const out: RealPackage[] = [];
  for (const [name, { record }] of [...newest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const depends: RealPackage['depends'] = [];
    let python = /^py\d/.test(record.build);
    for (const d of record.depends ?? []) {
      const m = d.match(SPEC);
      if (!m) continue;
      if (m[1] === 'python') {
        python ||= m[2] !== '';
        continue;
      }
      if (names.has(m[1]) && m[1] !== name && !depends.some((x) => x.name === m[1])) depends.push({ name: m[1], constraint: m[2] });
    }
    const noarch = record.noarch === 'python';
    out.push({ name, version: record.version, python: python || noarch || name === 'python', noarch, depends });
  }
  dropBackEdges(out);
  return out;
}

/**
 * Make the structure acyclic: drop the depends that close a cycle in a depth-first walk (in name
 * order, so deterministic). The 2018 data has one (numpy ↔ mkl_fft/mkl_random, which real recipes
 * break with numpy-base); a generated aggregate must plan without cycle errors. Few edges go.
 */
function dropBackEdges(packages: RealPackage[]): number {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  let dropped = 0;
  const visit = (p: RealPackage) => {
    state.set(p.name, 1);
    p.depends = p.depends.filter((d) => {
      const s = state.get(d.name);
      if (s === 1) {
        dropped++;
        return false;
      }
      if (s === undefined) visit(byName.get(d.name)!);
      return true;
    });
    state.set(p.name, 2);
  };
  for (const p of packages) if (!state.has(p.name)) visit(p);
  return dropped;
}

export interface GenerateOptions {
  n: number;
  dir: string;
  seed?: number;
}

export interface GeneratedAggregate {
  dir: string;
  feedstocks: number;
  metaYaml: number;
  recipeYaml: number;
  multiOutput: number;
  noarch: number;
  localConfigs: number;
  pythonDependent: number;
  /** Dependency specs written between feedstocks of the aggregate. */
  edges: number;
}

interface Feedstock {
  name: string;
  /** `Name` with some capitals, lowered back by `|lower`. */
  display: string;
  version: string;
  python: boolean;
  noarch: boolean;
  deps: string[];
  multi: boolean;
  v1: boolean;
  localConfig: boolean;
  compiled: boolean;
  win: boolean;
  pySelectors: boolean;
}

const sha = (rand: () => number) => Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
const capitalise = (s: string) => s.replace(/(^|[-_])([a-z])/g, (_m, sep, c) => sep + c.toUpperCase());
const depLine = (d: string, indent: string) => `${indent}- ${d}\n`;

/** Built without pip in host: python itself and what pip's own run requirements pull in (the bootstrap chain). */
const NO_PIP = new Set(['python', 'pip', 'setuptools', 'wheel', 'certifi', 'wincertstore']);

function metaYaml(f: Feedstock, rand: () => number): string {
  const lines: string[] = [];
  lines.push(`{% set name = "${f.display}" %}`, `{% set version = "${f.version}" %}`, `{% set major = version.split('.')[0] %}`, '');
  const top = f.multi ? `{{ name|lower }}-split` : '{{ name|lower }}';
  lines.push('package:', `  name: ${top}`, '  version: {{ version }}', '');
  lines.push('source:', `  url: https://pypi.invalid/packages/source/{{ name[0] }}/{{ name }}/{{ name|lower }}-{{ version }}.tar.gz`, `  sha256: ${sha(rand)}`, '');
  lines.push('build:', '  number: 0');
  if (f.win) lines.push('  skip: true  # [win and py<310]');
  if (f.noarch) lines.push('  noarch: python');
  if (f.python && !f.multi && f.name !== 'python') lines.push('  script: {{ PYTHON }} -m pip install . --no-deps -vv');
  if (!f.python && !f.multi) lines.push('  run_exports:', "    - {{ pin_subpackage(name|lower, max_pin='x.x') }}");
  lines.push('');
  const reqs = (indent: string, withPython: boolean, deps: string[]) => {
    let s = `${indent}requirements:\n`;
    if (f.compiled) s += `${indent}  build:\n${indent}    - {{ compiler('c') }}\n${indent}    - {{ stdlib('c') }}\n${indent}    - patchelf  # [linux and x86_64]\n`;
    s += `${indent}  host:\n`;
    if (withPython && f.name !== 'python') s += `${indent}    - python\n${NO_PIP.has(f.name) ? '' : `${indent}    - pip\n`}`;
    for (const d of deps) s += depLine(d, `${indent}    `);
    if (!withPython && !deps.length) s += `${indent}    - zlib\n`;
    s += `${indent}  run:\n`;
    if (withPython && f.name !== 'python') s += `${indent}    - python${f.noarch ? ' >=3.8' : ''}\n`;
    for (const d of deps) s += depLine(d, `${indent}    `);
    if (f.win) s += `${indent}    - pywin32  # [win]\n`;
    if (f.pySelectors) s += `${indent}    - tomli  # [py<311]\n${indent}    - exceptiongroup  # [py>=311]\n`;
    if (!withPython && !deps.length) s += `${indent}    - zlib\n`;
    return s;
  };
  if (f.multi) {
    // A compiled core shared by the python bindings: pin_subpackage ties them together.
    const lib = `lib{{ name|lower }}-split`;
    lines.push('outputs:');
    lines.push(`  - name: ${lib}`, '    build:', '      run_exports:', `        - {{ pin_subpackage('lib' ~ name|lower ~ '-split', max_pin='x.x') }}`);
    lines.push(reqs('    ', false, []).trimEnd());
    lines.push(`  - name: {{ name|lower }}`, '    script: {{ PYTHON }} -m pip install . --no-deps -vv');
    lines.push(reqs('    ', true, [...f.deps, `{{ pin_subpackage('lib' ~ name|lower ~ '-split', exact=True) }}`]).trimEnd());
    lines.push('    test:', '      imports:', `        - ${f.name.replace(/[-.]/g, '_')}`);
  } else {
    lines.push(reqs('', f.python, f.deps).trimEnd(), '');
    if (f.python) lines.push('test:', '  imports:', `    - ${f.name.replace(/[-.]/g, '_')}`);
  }
  lines.push('', 'about:', '  home: https://example.invalid/{{ name|lower }}', '  license: MIT', '  summary: {{ name }} {{ major }}.x');
  return lines.join('\n') + '\n';
}

function recipeYaml(f: Feedstock, rand: () => number): string {
  const lines: string[] = ['context:', `  name: ${f.display}`, `  version: "${f.version}"`, `  major: \${{ version.split('.')[0] }}`, ''];
  lines.push('package:', '  name: ${{ name | lower }}', '  version: ${{ version }}', '');
  lines.push('source:', '  url: https://pypi.invalid/${{ name[0] }}/${{ name }}/${{ name | lower }}-${{ version }}.tar.gz', `  sha256: ${sha(rand)}`, '');
  lines.push('build:', '  number: 0');
  if (f.win) lines.push('  skip:', '    - win and match(python, "<3.10")');
  if (f.noarch) lines.push('  noarch: python');
  if (f.python) lines.push('  script: $PYTHON -m pip install . --no-deps -vv');
  lines.push('', 'requirements:');
  if (f.compiled) lines.push('  build:', "    - ${{ compiler('c') }}", "    - ${{ stdlib('c') }}", '    - if: linux and x86_64', '      then: patchelf');
  lines.push('  host:');
  if (f.python) lines.push('    - python', ...(NO_PIP.has(f.name) ? [] : ['    - pip']));
  for (const d of f.deps) lines.push(`    - ${d}`);
  if (!f.python && !f.deps.length) lines.push('    - zlib');
  lines.push('  run:');
  if (f.python) lines.push(`    - python${f.noarch ? ' >=3.8' : ''}`);
  for (const d of f.deps) lines.push(`    - ${d}`);
  if (f.win) lines.push('    - if: win', '      then: pywin32');
  if (f.pySelectors) lines.push('    - if: match(python, "<3.11")', '      then: tomli', '      else: exceptiongroup');
  if (!f.python && !f.deps.length) lines.push('    - zlib');
  if (f.python) lines.push('', 'tests:', '  - python:', '      imports:', `        - ${f.name.replace(/[-.]/g, '_')}`);
  lines.push('', 'about:', '  homepage: https://example.invalid/${{ name | lower }}', '  license: MIT', '  summary: ${{ name }} ${{ major }}.x');
  return lines.join('\n') + '\n';
}

/** The aggregate's conda_build_config.yaml: two pythons zipped with two numpys (the real numpy's minor and the one before). */
function aggregateConfig(numpyVersion: string): string {
  const [major, minor] = numpyVersion.split('.').map(Number);
  return [
    '# Aggregate pins, generated by bench/generate-aggregate.ts.',
    'python:',
    '  - 3.12',
    '  - 3.13',
    'numpy:',
    `  - ${major}.${minor - 1}`,
    `  - ${major}.${minor}`,
    'zip_keys:',
    '  - [python, numpy]',
    'c_compiler:',
    '  - gcc            # [linux]',
    '  - clang          # [osx]',
    '  - vs2022         # [win]',
    'c_compiler_version:',
    '  - 13             # [linux]',
    '  - 18             # [osx]',
    'c_stdlib:',
    '  - sysroot        # [linux]',
    '  - macosx_deployment_target  # [osx]',
    '  - vs             # [win]',
    'c_stdlib_version:',
    '  - 2.17           # [linux]',
    '  - 11.0           # [osx]',
    '  - 2022.14        # [win]',
    'zlib:',
    '  - 1.3',
    '',
  ].join('\n');
}

/** Recipe-local variant config (read for both formats by core/recipes/discover.ts). */
const LOCAL_CONFIG = 'conda_build_config.yaml';

/** Write an aggregate of `n` feedstocks under `dir` (which must be empty or absent). Deterministic for a seed. */
export async function generateAggregate(options: GenerateOptions): Promise<GeneratedAggregate> {
  const rand = seeded(options.seed ?? 2018);
  const real = realStructure();
  const names = new Set(real.map((p) => p.name));
  const clones = Math.ceil(options.n / real.length);
  const suffix = (name: string, clone: number) => (clone === 0 || name === 'python' ? name : `${name}-c${clone}`);
  const present = new Set<string>();
  const plan: { pkg: RealPackage; clone: number }[] = [];
  for (let c = 0; c < clones && plan.length < options.n; c++) {
    for (const pkg of real) {
      if (plan.length >= options.n) break;
      if (c > 0 && pkg.name === 'python') continue; // one python for every clone
      plan.push({ pkg, clone: c });
      present.add(suffix(pkg.name, c));
    }
  }
  const numpy = real.find((p) => p.name === 'numpy')?.version ?? '1.15.0';
  await mkdir(options.dir, { recursive: true });
  await writeFile(join(options.dir, 'conda_build_config.yaml'), aggregateConfig(numpy));

  const stats: GeneratedAggregate = { dir: options.dir, feedstocks: 0, metaYaml: 0, recipeYaml: 0, multiOutput: 0, noarch: 0, localConfigs: 0, pythonDependent: 0, edges: 0 };
  const writes: Promise<void>[] = [];
  for (const { pkg, clone } of plan) {
    const name = suffix(pkg.name, clone);
    const deps: string[] = [];
    for (const d of pkg.depends) {
      // Within the clone when that clone has the dependency, else the original (a shared core).
      const dep = present.has(suffix(d.name, clone)) ? suffix(d.name, clone) : d.name;
      if (!present.has(dep)) continue;
      // numpy is pinned by the variant (zip_keys), as real recipes leave it unpinned in host.
      deps.push(d.name === 'numpy' || !d.constraint ? dep : `${dep} ${d.constraint}`);
      stats.edges++;
    }
    const compiled = !pkg.noarch && (pkg.python ? rand() < 0.4 : true);
    const f: Feedstock = {
      name,
      display: rand() < 0.3 ? capitalise(name) : name,
      // The python feedstock of an aggregate for 3.12 → 3.13 builds 3.13.
      version: pkg.name === 'python' ? '3.13.1' : pkg.version,
      python: pkg.python,
      noarch: pkg.noarch,
      deps,
      multi: pkg.python && !pkg.noarch && pkg.name !== 'python' && !names.has(`lib${pkg.name}-split`) && rand() < 0.1,
      v1: false,
      localConfig: false,
      compiled: compiled || false,
      win: rand() < 0.3,
      pySelectors: pkg.python && rand() < 0.15,
    };
    f.compiled ||= f.multi || pkg.name === 'python';
    f.v1 = !f.multi && pkg.name !== 'python' && rand() < 0.1;
    f.localConfig = f.compiled && rand() < 0.08;
    const recipeDir = join(options.dir, `${name}-feedstock`, 'recipe');
    const text = f.v1 ? recipeYaml(f, rand) : metaYaml(f, rand);
    stats.feedstocks++;
    if (f.v1) stats.recipeYaml++;
    else stats.metaYaml++;
    if (f.multi) stats.multiOutput++;
    if (f.noarch) stats.noarch++;
    if (f.python) stats.pythonDependent++;
    if (f.localConfig) stats.localConfigs++;
    writes.push(
      (async () => {
        await mkdir(recipeDir, { recursive: true });
        await writeFile(join(recipeDir, f.v1 ? 'recipe.yaml' : 'meta.yaml'), text);
        await writeFile(join(recipeDir, 'build.sh'), f.python ? '$PYTHON -m pip install . --no-deps -vv\n' : './configure --prefix=$PREFIX && make install\n');
        if (f.localConfig) await writeFile(join(recipeDir, LOCAL_CONFIG), 'c_compiler_version:\n  - 12  # [linux]\n  - 17  # [osx]\n');
      })(),
    );
    // Bounded parallelism: enough to hide fs latency, not 25,000 open files.
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return stats;
}
