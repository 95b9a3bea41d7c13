// Python dependency: does a rendered output need rebuilding for a new python? It does when a
// build/host/run requirement is `python` or an ABI pin (`python_abi`), or when it *is* python. So
// does every output of a multi-output recipe whose top-level build environment (build/host, the
// environment of the top-level build script) has one: conda-build builds them all in that pass.
// And the channel side: was a repodata record built for a given python (`recordPinsPython`)?
import type { RenderedOutput, RenderedVariant } from '../model/types.ts';
import type { PackageRecord } from '../conda/repodata-read.ts';
import { tryParseMatchSpec, versionMatchesOrFalse } from '../conda/match-spec.ts';

/** Package names whose presence in build/host/run ties an output to one python version. */
export const PYTHON_NAMES: ReadonlySet<string> = new Set(['python', 'python_abi']);

const SECTIONS = ['host', 'build', 'run'] as const;

function specName(spec: string): string {
  const s = spec.trim();
  const sep = s.indexOf('::');
  const m = (sep >= 0 ? s.slice(sep + 2) : s).match(/^[A-Za-z0-9_][A-Za-z0-9_.\-+]*/);
  return m ? m[0].toLowerCase() : '';
}

/** Does a requirement name python or python_abi (what makes an output python-dependent)? */
export function isPythonSpec(spec: string): boolean {
  return PYTHON_NAMES.has(specName(spec));
}

function firstPythonSpec(requirements: Partial<Record<(typeof SECTIONS)[number], string[]>>, prefix = ''): string | null {
  for (const section of SECTIONS) {
    for (const spec of requirements[section] ?? []) {
      if (PYTHON_NAMES.has(specName(spec))) return `${prefix}${section}: ${spec.trim()}`;
    }
  }
  return null;
}

/** The requirement that ties this output to python, as "host: python 3.13.*", or null. */
export function outputPythonDependency(output: RenderedOutput): string | null {
  if (PYTHON_NAMES.has(output.name.toLowerCase())) return `provides ${output.name}`;
  return firstPythonSpec(output.requirements);
}

/** The python requirement of a variant's top-level build environment, as "top-level host: python 3.13.*", or null. */
export function topLevelPythonDependency(variant: RenderedVariant): string | null {
  return variant.requirements ? firstPythonSpec(variant.requirements, 'top-level ') : null;
}

export interface PythonOutput {
  output: RenderedOutput;
  dependency: string;
}

/** Every python-dependent output of the non-skipped variants, in variant order. */
export function pythonOutputs(variants: RenderedVariant[]): PythonOutput[] {
  const out: PythonOutput[] = [];
  for (const v of variants) {
    if (v.skip) continue;
    for (const o of v.outputs) {
      const dependency = outputPythonDependency(o);
      if (dependency) out.push({ output: o, dependency });
    }
  }
  return out;
}

/**
 * The node-level dependency (first python-dependent output that is not `noarch: python`, else a
 * top-level environment on python that builds such an output, else the first noarch one or top-level
 * environment), and whether every output that depends on python, its own way or through the
 * top-level environment, is `noarch: python`.
 */
export function nodePythonDependency(variants: RenderedVariant[]): { dependency: string | null; allNoarch: boolean } {
  const outs = pythonOutputs(variants);
  const arch = outs.find((o) => o.output.noarch !== 'python');
  if (arch) return { dependency: arch.dependency, allNoarch: false };
  let top: string | null = null;
  for (const v of variants) {
    if (v.skip) continue;
    const dependency = topLevelPythonDependency(v);
    if (!dependency) continue;
    if (v.outputs.some((o) => o.noarch !== 'python')) return { dependency, allNoarch: false };
    top ??= dependency;
  }
  const dependency = outs[0]?.dependency ?? top;
  return { dependency, allNoarch: dependency !== null };
}

const BUILD_PY = /(?<![a-z])(?:py|cp)(\d)(\d{1,2})(?!\d)/i;

/** Was this record built for `python` (major.minor)? Its build string (`py313…`) or a python/python_abi pin says so. */
export function recordPinsPython(record: PackageRecord, python: string): boolean {
  const m = record.build?.match(BUILD_PY);
  if (m && `${m[1]}.${m[2]}` === python) return true;
  const [major, minor] = python.split('.').map(Number);
  for (const dep of record.depends ?? []) {
    const spec = tryParseMatchSpec(dep);
    if (!spec || !PYTHON_NAMES.has(spec.name) || spec.version === null) continue;
    // A pin for this python admits it and neither neighbour (`python >=3.6` pins nothing).
    if (
      versionMatchesOrFalse(spec.version, `${python}.0`) &&
      !versionMatchesOrFalse(spec.version, `${major}.${minor + 1}.0`) &&
      (minor === 0 || !versionMatchesOrFalse(spec.version, `${major}.${minor - 1}.0`))
    ) {
      return true;
    }
  }
  return false;
}

