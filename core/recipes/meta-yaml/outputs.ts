// From the parsed meta.yaml mapping to raw outputs, as conda-build's get_output_dicts_from_metadata
// and get_output_metadata build them: without `outputs:` the package itself is the one output; with
// `outputs:` each entry is one (the top-level package only when an output has its name, then
// merged with the top-level sections). Outputs inherit the version and build number; an output with
// its own `build:` section replaces the top-level one; list-form requirements are run requirements.
import type { Noarch, Requirements, RunExports, SourceSpec, TestSpec } from '../../model/types.ts';
import type { RawOutput } from '../finalize-output.ts';

export class RecipeShapeError extends Error {
  override name = 'RecipeShapeError';
  /** `path` is the YAML path at fault, e.g. `outputs[1].requirements.run[0]`. */
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => !!v && typeof v === 'object' && !Array.isArray(v);

function dict(v: unknown, path: string): Dict {
  if (v === undefined || v === null || v === '') return {};
  if (!isDict(v)) throw new RecipeShapeError(path, `expected a mapping, got ${Array.isArray(v) ? 'a list' : JSON.stringify(v)}`);
  return v;
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** A list of strings: None/empty entries dropped, scalars stringified, mappings refused. */
export function stringList(v: unknown, path: string): string[] {
  const items = list(v);
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    // None (and a hole, which flatMap skipped) is dropped.
    if (x === null || x === undefined) continue;
    if (typeof x === 'object') throw new RecipeShapeError(`${path}[${i}]`, 'expected a string, got a mapping (pip-style requirements are not supported)');
    const s = String(x).trim();
    if (s) out.push(s);
  }
  return out;
}

const TRUES = new Set(['y', 'yes', 'on', 'true']);

/** YAML 1.1 booleans as conda-build's get_value reads them. */
export function truthy(v: unknown): boolean {
  if (typeof v === 'string') return TRUES.has(v.trim().toLowerCase());
  return !!v;
}

export function buildNumber(v: unknown, path: string): number {
  if (v === undefined || v === null || v === '' || v === false) return 0;
  const s = String(v).trim();
  if (!/^[-+]?\d+$/.test(s)) throw new RecipeShapeError(path, `build number must be an integer, got '${s}'`);
  return Number(s);
}

function noarchOf(v: unknown, python = false): Noarch {
  if (python || v === 'python') return 'python';
  if (v === 'generic' || v === true || (typeof v === 'string' && TRUES.has(v.toLowerCase()))) return 'generic';
  return null;
}

export function requirements(v: unknown, path: string): Requirements {
  // A list is the run requirements (conda-build's expand_reqs).
  const r = Array.isArray(v) ? { run: v } : dict(v, path);
  return {
    build: stringList(r.build, `${path}.build`),
    host: stringList(r.host, `${path}.host`),
    run: stringList(r.run, `${path}.run`),
    run_constrained: stringList(r.run_constrained, `${path}.run_constrained`),
  };
}

export function runExports(v: unknown, path: string): RunExports {
  if (!isDict(v)) return { weak: stringList(v, path), strong: [] };
  const out: RunExports = { weak: stringList(v.weak, `${path}.weak`), strong: stringList(v.strong, `${path}.strong`) };
  for (const k of ['noarch', 'weak_constrains', 'strong_constrains'] as const) if (v[k] !== undefined) out[k] = stringList(v[k], `${path}.${k}`);
  return out;
}

export function testSpec(v: unknown, path: string): TestSpec {
  const t = dict(v, path);
  const spec: TestSpec = {
    requires: stringList(t.requires, `${path}.requires`),
    imports: stringList(t.imports, `${path}.imports`),
    commands: stringList(t.commands, `${path}.commands`),
  };
  const sourceFiles = stringList(t.source_files, `${path}.source_files`);
  const files = stringList(t.files, `${path}.files`);
  if (sourceFiles.length) spec.sourceFiles = sourceFiles;
  if (files.length) spec.files = files;
  return spec;
}

function ignoreRunExports(build: Dict, path: string): Pick<RawOutput, 'ignoreRunExports'> {
  const names = stringList(build.ignore_run_exports, `${path}.ignore_run_exports`);
  const from = stringList(build.ignore_run_exports_from, `${path}.ignore_run_exports_from`);
  return names.length || from.length ? { ignoreRunExports: { names: names.map((n) => n.split(/\s/)[0]), from: from.map((n) => n.split(/\s/)[0]) } } : {};
}

function script(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  return Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined).map(String).join('\n') : String(v);
}

export function sources(v: unknown, path: string): SourceSpec[] {
  const entries = Array.isArray(v) ? v : v ? [v] : [];
  return entries.map((e, i) => {
    const p = Array.isArray(v) ? `${path}[${i}]` : path;
    const s = dict(e, p);
    const out: SourceSpec = {};
    const urls = stringList(s.url, `${p}.url`);
    if (urls.length) out.url = urls;
    for (const k of ['sha256', 'md5', 'path', 'folder'] as const) if (s[k] !== undefined && s[k] !== null && s[k] !== '') out[k] = String(s[k]);
    return out;
  });
}

/** The top-level facts of a rendered meta.yaml. */
export interface TopLevel {
  name: string;
  version: string;
  buildNumber: number;
  skip: boolean;
  script: string | null;
  source: SourceSpec[];
  about: Dict;
  build: Dict;
  /** Per output: the raw output plus its own `build:` mapping (skip, force_use_keys, ...). */
  outputs: { raw: RawOutput; build: Dict; index: number | null }[];
  /** Output entries that are not conda packages (wheels, ...), by name. */
  ignored: string[];
  /** With `outputs:`, the top-level build/host requirements: the environment of the top-level build script. */
  requirements?: { build: string[]; host: string[] };
}

/** Extract package, build, requirements, test, source, about and outputs from a rendered meta.yaml. */
export function extractRecipe(meta: unknown, options: { lenient?: boolean } = {}): TopLevel {
  const m = dict(meta, '<document>');
  const pkg = dict(m.package, 'package');
  const build = dict(m.build, 'build');
  const name = pkg.name === undefined || pkg.name === null ? '' : String(pkg.name);
  const version = pkg.version === undefined || pkg.version === null ? '' : String(pkg.version);
  const number = buildNumber(build.number, 'build.number');
  const about = dict(m.about, 'about');
  const topReqs = requirements(m.requirements, 'requirements');
  const topTest = testSpec(m.test, 'test');
  const top: TopLevel = {
    name,
    version,
    buildNumber: number,
    skip: truthy(build.skip),
    script: script(build.script),
    source: sources(m.source, 'source'),
    about,
    build,
    outputs: [],
    ignored: [],
  };
  const license = about.license !== undefined && about.license !== null ? String(about.license) : undefined;
  const outputsRaw = m.outputs;
  if (outputsRaw === undefined || outputsRaw === null || (Array.isArray(outputsRaw) && !outputsRaw.length)) {
    if (!name && !options.lenient) throw new RecipeShapeError('package.name', 'missing');
    top.outputs.push({
      index: null,
      build,
      raw: {
        name,
        version,
        buildNumber: number,
        buildString: build.string ? String(build.string) : null,
        noarch: noarchOf(build.noarch, truthy(build.noarch_python)),
        requirements: topReqs,
        test: topTest,
        runExports: runExports(build.run_exports, 'build.run_exports'),
        script: top.script,
        features: stringList(build.features, 'build.features'),
        license,
        ...ignoreRunExports(build, 'build'),
      },
    });
    if (!options.lenient) checkPackages(top, m);
    return top;
  }
  if (!Array.isArray(outputsRaw)) throw new RecipeShapeError('outputs', 'expected a list of mappings (`- name: ...`)');
  top.requirements = { build: topReqs.build, host: topReqs.host };
  outputsRaw.forEach((entry, i) => {
    const path = `outputs[${i}]`;
    const o = dict(entry, path);
    const type = o.type === undefined ? 'conda' : String(o.type);
    const oname = o.name === undefined || o.name === null ? name : String(o.name);
    if (!type.startsWith('conda')) {
      top.ignored.push(oname);
      return;
    }
    if (!oname) throw new RecipeShapeError(`${path}.name`, 'missing');
    const same = oname === name;
    let reqs = requirements(o.requirements, `${path}.requirements`);
    let obuild: Dict;
    if (same) {
      // combine_top_level_metadata_with_output: the output's keys win, the top level fills the rest.
      const given = Array.isArray(o.requirements) ? { run: o.requirements } : dict(o.requirements, `${path}.requirements`);
      reqs = {
        build: 'build' in given ? reqs.build : topReqs.build,
        host: 'host' in given ? reqs.host : topReqs.host,
        run: 'run' in given ? reqs.run : topReqs.run,
        run_constrained: 'run_constrained' in given ? reqs.run_constrained : topReqs.run_constrained,
      };
      obuild = { ...build, ...dict(o.build, `${path}.build`) };
    } else {
      // A package never depends on itself: drop its own name from the output's requirements.
      const notSelf = (s: string) => s.split(/\s/)[0] !== oname;
      reqs = { build: reqs.build.filter(notSelf), host: reqs.host.filter(notSelf), run: reqs.run.filter(notSelf), run_constrained: reqs.run_constrained };
      if ('build' in o) {
        obuild = { ...dict(o.build, `${path}.build`) };
        if (obuild.number === undefined) obuild.number = o.number ?? number;
        if (obuild.noarch === undefined && o.noarch !== undefined) obuild.noarch = o.noarch;
      } else {
        obuild = { ...build };
        for (const k of ['entry_points', 'run_exports', 'script']) {
          if (k in o) obuild[k] = o[k];
          else delete obuild[k];
        }
        obuild.noarch = o.noarch;
        delete obuild.noarch_python;
        if (o.noarch_python !== undefined) obuild.noarch_python = o.noarch_python;
        for (const k of ['number', 'string', 'run_exports', 'track_features', 'features']) if (o[k] !== undefined && o[k] !== null) obuild[k] = o[k];
      }
    }
    let test: TestSpec;
    if ('test' in o) test = testSpec(o.test, `${path}.test`);
    else if (same && (o.script || o.files)) test = topTest;
    else test = same ? topTest : { requires: topTest.requires, imports: [], commands: [] };
    const oabout = 'about' in o ? dict(o.about, `${path}.about`) : about;
    const olicense = oabout.license !== undefined && oabout.license !== null ? String(oabout.license) : undefined;
    top.outputs.push({
      index: i,
      build: obuild,
      raw: {
        name: oname,
        version: o.version !== undefined && o.version !== null && o.version !== '' ? String(o.version) : version,
        buildNumber: buildNumber(obuild.number, `${path}.build.number`),
        buildString: obuild.string ? String(obuild.string) : null,
        noarch: noarchOf(obuild.noarch, truthy(obuild.noarch_python)),
        requirements: reqs,
        test,
        runExports: runExports(obuild.run_exports, `${path}.build.run_exports`),
        script: script(o.script) ?? (same ? top.script : script(dict(o.build, `${path}.build`).script)),
        features: stringList(obuild.features, `${path}.build.features`),
        license: olicense,
        ...ignoreRunExports(obuild, `${path}.build`),
      },
    });
  });
  if (!options.lenient) checkPackages(top, m);
  return top;
}

// conda-build's check_bad_chrs for package/name and package/version (names are lowercase too).
const BAD_NAME = /[=@#$%^&*:;"'\\|<>?/ !A-Z]/;
const BAD_VERSION = /[=@#$%^&*:;"'\\|<>?/ \-]/;

/** Every output has a valid conda package name and a version (the build would fail otherwise). */
function checkPackages(top: TopLevel, m: Dict): void {
  const entries = Array.isArray(m.outputs) ? (m.outputs as unknown[]) : [];
  for (const o of top.outputs) {
    const own = o.index === null ? {} : dict(entries[o.index], `outputs[${o.index}]`);
    const namePath = o.index !== null && own.name !== undefined ? `outputs[${o.index}].name` : 'package.name';
    const versionPath = o.index !== null && own.version !== undefined && own.version !== null && own.version !== '' ? `outputs[${o.index}].version` : 'package.version';
    const { name, version } = o.raw;
    if (BAD_NAME.test(name)) {
      throw new RecipeShapeError(namePath, `invalid package name '${name}': conda package names are lowercase letters, digits and '.', '_', '-', '+'`);
    }
    if (!version) throw new RecipeShapeError(versionPath, `missing: package ${name} has no version`);
    if (BAD_VERSION.test(version)) throw new RecipeShapeError(versionPath, `invalid version '${version}' of package ${name}: no spaces, '-' or any of =@#$%^&*:;"'\\|<>?/`);
  }
}
