// Render a recipe.yaml (v1, rattler-build format) for one target: pure YAML first, then per variant
// the `context:` chain, `${{ }}` / `if:` evaluation, outputs (single, multi, staging + inherit), build
// strings, and pins resolved against the sibling outputs. One RenderedVariant per variant.
import { warningCollector } from '../warning-collector.ts';
import { readFileSync } from 'node:fs';
import type {
  Noarch,
  RecipeRef,
  RenderedOutput,
  RenderedRecipe,
  RenderedStaging,
  RenderedVariant,
  RunExports,
  Target,
} from '../../model/types.ts';
import { MatchSpecError, parseMatchSpec } from '../../conda/match-spec.ts';
import { expandVariants, usedVariantKeys } from '../variants.ts';
import { parseRecipeYaml } from '../yaml.ts';
import { RecipeRenderError } from '../render-error.ts';
import { pooledRender } from '../render-pool.ts';
import { evaluateCondition, evaluateList, evaluateNode, evaluateString, isPlainObject, selectItems, type EvalScope, type Located } from './evaluate.ts';
import { buildPrefix, specName, variantHash } from './build-string.ts';
import { pinVariantRequirements } from '../finalize-output.ts';
import { hasPin, recipeFunctions, resolvePins, type PinRequest } from './functions.ts';
import { RecipeJinja, type JinjaContext } from './jinja.ts';
import { applyPin, PinError } from './pin.ts';
import { platformVariables } from './platform.ts';
import { loadRecipeVariantConfig, type RecipeVariantWarning } from './recipe-variants.ts';
import { toScript, toSources, toTestSpec } from './sections.ts';
import { pathKey, SourceLines, withPath, type YamlPath } from './source-lines.ts';
import { ignoredVariantKeys, recipeUsedKeys } from './used-keys.ts';
import { scriptContext } from './script-context.ts';
import { v0Syntax, type V0Evidence } from './v0-syntax.ts';
import { renderMetaYamlHere } from '../meta-yaml/render.ts';
import { recipeYamlScriptEnv } from '../script-env.ts';

export interface RenderRecipeYamlOptions {
  /**
   * Variables for `env.get()` / `env.exists()`; default none. Never the process environment as a
   * whole: the render plugin passes the config's allow-listed variables (core/config/environment.ts).
   */
  environ?: Record<string, string | undefined>;
}

let shared: RecipeJinja | null = null;
/** One minijinja environment per process: creating one costs a wasm instance. */
const sharedJinja = (): RecipeJinja => (shared ??= new RecipeJinja());

type Obj = Record<string, unknown>;
type Spec = Located<string>;
type RunExportSpecs = { weak: Spec[]; strong: Spec[]; noarch: Spec[]; weak_constrains: Spec[]; strong_constrains: Spec[] };

// recipe.yaml run_exports kinds → RunExports fields (conda-build spells the constraints `constrains`).
const RUN_EXPORT_KINDS: Record<string, keyof RunExportSpecs> = {
  weak: 'weak',
  strong: 'strong',
  noarch: 'noarch',
  weak_constraints: 'weak_constrains',
  strong_constraints: 'strong_constrains',
  weak_constrains: 'weak_constrains',
  strong_constrains: 'strong_constrains',
};

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Render `recipe` (format recipe.yaml) for `target`. Throws RecipeYamlError (bad YAML) or RecipeRenderError, with file and line. */
export async function renderRecipeYaml(recipe: RecipeRef, target: Target, options: RenderRecipeYamlOptions = {}): Promise<RenderedRecipe> {
  // In a process that renders many, on a worker thread of the render pool (same result; the
  // environment env.get() reads is sent along).
  const job = { format: 'recipe.yaml' as const, recipe, target, options: () => ({ ...options, environ: { ...(options.environ ?? {}) } }) };
  return pooledRender(job, () => renderRecipeYamlHere(recipe, target, options));
}

/** renderRecipeYaml on this thread. */
export async function renderRecipeYamlHere(recipe: RecipeRef, target: Target, options: RenderRecipeYamlOptions = {}): Promise<RenderedRecipe> {
  const text = readFileSync(recipe.file, 'utf8');
  const v0 = v0Syntax(text);
  if (v0) return renderV0RecipeYaml(recipe, target, options, v0);
  const raw = parseRecipeYaml(text, recipe.file);
  const lines = new SourceLines(text);
  const { warnings, warn } = warningCollector(recipe.feedstock);
  const fail = (path: YamlPath, message: string): never => {
    throw new RecipeRenderError(recipe.feedstock, recipe.file, lines.lineOf(path) ?? 1, withPath(message, path));
  };
  if (!isPlainObject(raw)) return fail([], 'a recipe.yaml must be a mapping (package:, source:, build:, ...)');
  if (raw.schema_version !== undefined && String(raw.schema_version) !== '1') {
    fail(['schema_version'], `unsupported schema_version ${String(raw.schema_version)} (only 1)`);
  }

  const jinja = sharedJinja();
  const variantWarnings: RecipeVariantWarning[] = [];
  const config = await loadRecipeVariantConfig(recipe, target, jinja, variantWarnings);
  for (const w of variantWarnings) warn(w.file, w.line, w.message);
  // conda-build's text scan (shared with meta.yaml) and rattler-build's structural one.
  const used = new Set([...usedVariantKeys(text, config), ...recipeUsedKeys(raw, Object.keys(config.values))]);
  for (const key of ignoredVariantKeys(raw)) used.delete(key);
  const variants = expandVariants(config, used, target, recipe.variantOverrides);

  const renderer = new VariantRenderer(
    recipe,
    target,
    raw,
    jinja,
    options.environ ?? {},
    fail,
    (path, message) => warn(recipe.file, lines.lineOf(path), message),
    (line, message) => warn(recipe.file, line, message),
  );
  return { feedstock: recipe.feedstock, recipe, target, variants: variants.map((v) => renderer.render(v)), warnings };
}

/** A recipe.yaml in meta.yaml syntax: rendered by the meta.yaml renderer, with a warning that says so. */
async function renderV0RecipeYaml(recipe: RecipeRef, target: Target, options: RenderRecipeYamlOptions, v0: V0Evidence): Promise<RenderedRecipe> {
  const environ = Object.fromEntries(Object.entries(options.environ ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  const rendered = await renderMetaYamlHere(recipe, target, { environ });
  const warning = {
    feedstock: recipe.feedstock,
    file: recipe.file,
    line: v0.line,
    message: `recipe.yaml is written in meta.yaml (v0) syntax (${v0.what}; no context: or schema_version:): rendered as meta.yaml — rename it meta.yaml, or convert it to the v1 format`,
  };
  return { ...rendered, warnings: [warning, ...rendered.warnings] };
}

interface AssembledOutput {
  node: Obj;
  path: YamlPath;
  name: string;
  version: string;
  noarch: Noarch;
  buildNumber: number;
  skip: boolean;
  /** `build.string` before evaluation (needs `hash`), with its path. */
  buildString: Located<unknown> | null;
  requirements: { build: Spec[]; host: Spec[]; run: Spec[]; run_constrained: Spec[] };
  runExports: RunExportSpecs;
  ignoreRunExports?: { names: string[]; from: string[] };
  tests: Located<unknown>[];
  script: string | null;
  about: Obj;
  inherit?: string;
}

interface StagingOutput {
  name: string;
  node: Obj;
  path: YamlPath;
  build: Spec[];
  host: Spec[];
  script: string | null;
  source: ReturnType<typeof toSources>;
}

class VariantRenderer {
  private readonly win: boolean;

  constructor(
    private readonly recipe: RecipeRef,
    private readonly target: Target,
    private readonly raw: Obj,
    private readonly jinja: RecipeJinja,
    private readonly environ: Record<string, string | undefined>,
    private readonly fail: (path: YamlPath, message: string) => never,
    private readonly warn: (path: YamlPath, message: string) => void,
    private readonly warnAt: (line: number | undefined, message: string) => void,
  ) {
    this.win = target.subdir.startsWith('win-');
  }

  render(variant: Record<string, string>): RenderedVariant {
    const { raw } = this;
    const ctx: JinjaContext = { ...platformVariables(this.target.subdir), ...variant };
    const scope: EvalScope = { jinja: this.jinja, ctx, fail: this.fail, warn: this.warn };
    Object.assign(
      ctx,
      recipeFunctions({ jinja: this.jinja, subdir: this.target.subdir, variant, environ: this.environ, warn: (m) => this.warn(scope.at ?? [], m) }),
    );
    this.evaluateContext(scope);
    scope.script = scriptContext({
      subdir: this.target.subdir,
      python: variant.python ?? this.target.python,
      recipeDir: this.recipe.dir,
      variant,
      pkg: this.packageHead(scope),
    });
    const skip = this.evaluateSkip(isPlainObject(raw.build) ? raw.build.skip : undefined, ['build', 'skip'], scope);
    try {
      const topBuild = this.evaluateBuild(raw.build, ['build'], scope);
      const about = (this.evaluateMapping(raw.about, ['about'], scope) ?? {}) as Obj;
      const base: RenderedVariant = {
        variant,
        skip,
        outputs: [],
        source: toSources(evaluateNode(raw.source, ['source'], scope), ['source'], this.fail, this.warn),
        script: toScript(topBuild.script, ['build', 'script'], this.fail, this.recipe.dir, this.win),
        buildNumber: this.buildNumber(topBuild.number, ['build', 'number']) ?? 0,
        about,
        ...recipeYamlScriptEnv(topBuild.script),
      };
      return this.renderOutputs(base, topBuild, scope, variant);
    } catch (err) {
      // A variant skipped for this target may use names only other targets define: keep it, skipped.
      if (skip && err instanceof RecipeRenderError) {
        this.warnAt(err.line, `skipped variant not rendered: ${err.detail}`);
        return { variant, skip, outputs: [], source: [], script: null, buildNumber: 0, about: {} };
      }
      throw err;
    }
  }

  private renderOutputs(base: RenderedVariant, topBuild: Obj, scope: EvalScope, variant: Record<string, string>): RenderedVariant {
    const { raw } = this;
    const about = base.about;
    const multi = raw.outputs !== undefined && raw.outputs !== null;
    const staging: StagingOutput[] = [];
    const outputs: AssembledOutput[] = [];
    if (raw.cache !== undefined && raw.cache !== null) staging.push(this.assembleStaging(raw.cache, ['cache'], scope, 'cache'));

    if (multi) {
      if (!Array.isArray(raw.outputs)) this.fail(['outputs'], 'outputs must be a list of outputs (each with package: or staging:)');
      if (raw.requirements !== undefined) this.fail(['requirements'], 'requirements is not allowed at the top of a multi-output recipe: give each output its own');
      if (raw.package !== undefined) this.fail(['package'], 'a multi-output recipe names itself with recipe: (name, version), not package:');
      const head = this.evaluateMapping(raw.recipe, ['recipe'], scope) ?? {};
      const topTests = this.evaluateTests(raw.tests, ['tests'], scope);
      for (const item of selectItems(raw.outputs as unknown[], ['outputs'], scope)) {
        const node = item.value;
        if (!isPlainObject(node)) this.fail(item.path, 'an output must be a mapping with package: or staging:');
        if (node.staging !== undefined) staging.push(this.assembleStaging(node, item.path, scope));
        else if (node.package !== undefined) outputs.push(this.assembleOutput(node, item.path, scope, { head, topBuild, about, topTests, single: false }));
        else this.fail(item.path, 'an output needs package: (a package) or staging: (a staging cache)');
      }
      if (!outputs.length) this.fail(['outputs'], 'a multi-output recipe needs at least one package output');
    } else {
      if (raw.package === undefined || raw.package === null) {
        this.fail([], 'no package: section (a single-output recipe needs package: with name and version; a multi-output one recipe: and outputs:)');
      }
      outputs.push(this.assembleOutput(raw, [], scope, { head: {}, topBuild, about, topTests: [], single: true }));
    }

    // Outputs that inherit a staging output need its build/host requirements installed to build.
    const byStaging = new Map(staging.map((s) => [s.name, s]));
    for (const out of outputs) {
      const implicit = raw.cache !== undefined && raw.cache !== null && out.node.inherit === undefined ? 'cache' : undefined;
      const from = out.inherit ?? implicit;
      if (!from) continue;
      const st = byStaging.get(from);
      if (!st) {
        this.fail([...out.path, 'inherit'], `inherit: no staging output named '${from}'${staging.length ? ` (staging outputs: ${staging.map((s) => s.name).join(', ')})` : ''}`);
      }
      out.inherit = from;
      out.requirements.build = dedupe([...st.build, ...out.requirements.build]);
      out.requirements.host = dedupe([...st.host, ...out.requirements.host]);
    }

    const finals = this.finalize(outputs, staging, variant, scope);
    const kept = finals.filter((_, i) => !outputs[i].skip);
    return {
      ...base,
      skip: base.skip || kept.length === 0,
      outputs: kept.length ? kept : finals,
      buildNumber: this.buildNumber(topBuild.number, ['build', 'number']) ?? outputs[0].buildNumber,
      ...(staging.length ? { staging: staging.map(toRenderedStaging) } : {}),
    };
  }

  // ---------------------------------------------------------------- sections

  private evaluateContext(scope: EvalScope): void {
    const context = this.raw.context;
    if (context === undefined || context === null) return;
    if (!isPlainObject(context)) this.fail(['context'], 'context must be a mapping of names to values');
    // In order: a value may use the keys before it.
    for (const [key, value] of Object.entries(context)) {
      if (!/^[A-Za-z_]\w*$/.test(key)) this.fail(['context', key], `context key '${key}' is not a valid name`);
      const v = evaluateNode(value, ['context', key], scope, { typed: true });
      scope.ctx[key] = v === undefined ? '' : v;
    }
  }

  /** Name, version and build number of the recipe (package: or recipe:) for PKG_* in scripts; what cannot be evaluated is left out (it fails later, located). */
  private packageHead(scope: EvalScope): { name?: string; version?: string; buildNumber?: string } {
    const head = (key: 'package' | 'recipe' | 'build', field: string) => {
      const node = this.raw[key];
      if (!isPlainObject(node) || node[field] === undefined) return undefined;
      try {
        return asString(evaluateNode(node[field], [key, field], { ...scope, warn: () => {} }));
      } catch {
        return undefined;
      }
    };
    return { name: head('package', 'name') ?? head('recipe', 'name'), version: head('package', 'version') ?? head('recipe', 'version'), buildNumber: head('build', 'number') };
  }

  private evaluateMapping(node: unknown, path: YamlPath, scope: EvalScope): Obj | undefined {
    if (node === undefined || node === null) return undefined;
    if (!isPlainObject(node)) this.fail(path, `${path[path.length - 1]} must be a mapping`);
    return evaluateNode(node, path, scope) as Obj;
  }

  /** `build:` without `string` (needs the hash) and `skip` (conditions), which are evaluated apart. */
  private evaluateBuild(node: unknown, path: YamlPath, scope: EvalScope): Obj {
    if (node === undefined || node === null) return {};
    if (!isPlainObject(node)) this.fail(path, 'build must be a mapping');
    const parent = pathKey(path);
    const raw = (p: YamlPath) => p.length === path.length + 1 && (p[path.length] === 'string' || p[path.length] === 'skip') && pathKey(p.slice(0, -1)) === parent;
    const out = evaluateNode(node, path, scope, { raw }) as Obj;
    delete out.skip;
    return out;
  }

  private evaluateSkip(node: unknown, path: YamlPath, scope: EvalScope): boolean {
    if (node === undefined || node === null) return false;
    if (Array.isArray(node)) return selectItems(node, path, scope).some((item) => evaluateCondition(item.value, item.path, scope));
    return evaluateCondition(node, path, scope);
  }

  private evaluateTests(node: unknown, path: YamlPath, scope: EvalScope): Located<unknown>[] {
    if (node === undefined || node === null) return [];
    if (!Array.isArray(node)) this.fail(path, 'tests must be a list (python:, script:, ...)');
    return evaluateList(node, path, scope);
  }

  private buildNumber(value: unknown, path: YamlPath): number | undefined {
    if (value === undefined || value === null) return undefined;
    const s = asString(value)?.trim();
    if (!s || !/^\d+$/.test(s)) this.fail(path, `build number must be a non-negative integer, not '${String(value)}'`);
    return Number(s);
  }

  private noarch(value: unknown, path: YamlPath): Noarch {
    if (value === undefined || value === null || value === false) return null;
    const s = String(value).trim();
    if (s === '' || s === 'none' || s === 'None' || s === 'null' || s === '~') return null;
    if (s === 'python' || s === 'generic') return s;
    return this.fail(path, `noarch must be 'python' or 'generic', not '${s}'`);
  }

  private specs(list: unknown, path: YamlPath, scope: EvalScope): Spec[] {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) this.fail(path, `${path[path.length - 1]} must be a list of match specs`);
    return evaluateList(list, path, scope).map((l) => {
      const s = asString(l.value)?.trim();
      if (!s) this.fail(l.path, 'a requirement must be a match spec string');
      return { value: s, path: l.path };
    });
  }

  private assembleStaging(node: unknown, path: YamlPath, scope: EvalScope, implicitName?: string): StagingOutput {
    if (!isPlainObject(node)) this.fail(path, 'a staging output must be a mapping');
    let name = implicitName;
    if (!name) {
      const head = this.evaluateMapping(node.staging, [...path, 'staging'], scope);
      name = asString(head?.name);
      if (!name) this.fail([...path, 'staging'], 'a staging output needs staging: name:');
    }
    const reqPath = [...path, 'requirements'];
    const reqs = node.requirements;
    if (reqs !== undefined && reqs !== null && !isPlainObject(reqs)) this.fail(reqPath, 'requirements must be a mapping');
    for (const key of ['run', 'run_constraints', 'run_exports']) {
      if (isPlainObject(reqs) && reqs[key] !== undefined) this.fail([...reqPath, key], `a staging output has no ${key} requirements (only build, host, ignore_run_exports)`);
    }
    const build = this.evaluateBuild(node.build, [...path, 'build'], scope);
    return {
      name,
      node,
      path,
      build: this.specs(isPlainObject(reqs) ? reqs.build : undefined, [...reqPath, 'build'], scope),
      host: this.specs(isPlainObject(reqs) ? reqs.host : undefined, [...reqPath, 'host'], scope),
      script: toScript(build.script, [...path, 'build', 'script'], this.fail, this.recipe.dir, this.win),
      source: toSources(evaluateNode(node.source, [...path, 'source'], scope), [...path, 'source'], this.fail, this.warn),
    };
  }

  private assembleOutput(
    node: Obj,
    path: YamlPath,
    scope: EvalScope,
    top: { head: Obj; topBuild: Obj; about: Obj; topTests: Located<unknown>[]; single: boolean },
  ): AssembledOutput {
    const pkgPath = [...path, 'package'];
    const pkg = this.evaluateMapping(node.package, pkgPath, scope) ?? {};
    const name = asString(pkg.name)?.trim();
    if (!name) this.fail(pkg.name === undefined ? pkgPath : [...pkgPath, 'name'], 'package name is missing or empty');
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.\-+]*$/.test(name)) this.fail([...pkgPath, 'name'], `invalid package name '${name}'`);
    const version = asString(pkg.version ?? top.head.version)?.trim();
    if (!version) this.fail(pkg.version === undefined ? pkgPath : [...pkgPath, 'version'], `package ${name} has no version${top.single ? '' : ' (set package.version or recipe.version)'}`);
    if (/[\s-]/.test(version)) this.fail([...pkgPath, 'version'], `version '${version}' cannot contain '-' or spaces`);

    // Single output: the top-level build is the output's. Multi: top-level keys, then the output's.
    const isSingle = top.single;
    const ownBuild = isSingle ? top.topBuild : this.evaluateBuild(node.build, [...path, 'build'], scope);
    const build = isSingle ? ownBuild : { ...top.topBuild, ...ownBuild };
    const rawBuild = isPlainObject(node.build) ? node.build : {};
    const rawTopBuild = isPlainObject(this.raw.build) ? this.raw.build : {};
    const buildString: Located<unknown> | null =
      rawBuild.string !== undefined ? { value: rawBuild.string, path: [...path, 'build', 'string'] }
      : !isSingle && rawTopBuild.string !== undefined ? { value: rawTopBuild.string, path: ['build', 'string'] }
      : null;
    const buildPath = isPlainObject(node.build) && node.build.number !== undefined ? [...path, 'build', 'number'] : ['build', 'number'];

    const reqPath = [...path, 'requirements'];
    const reqs = node.requirements;
    if (reqs !== undefined && reqs !== null && !isPlainObject(reqs)) this.fail(reqPath, 'requirements must be a mapping (build:, host:, run:, ...)');
    const r = (isPlainObject(reqs) ? reqs : {}) as Obj;
    const constraintsKey = r.run_constraints !== undefined ? 'run_constraints' : 'run_constrained';

    let inherit: string | undefined;
    if (node.inherit !== undefined && node.inherit !== null) {
      const inh = evaluateNode(node.inherit, [...path, 'inherit'], scope);
      inherit = isPlainObject(inh) ? asString(inh.from) : asString(inh);
      if (!inherit) this.fail([...path, 'inherit'], 'inherit must name a staging output (inherit: name, or inherit: { from: name })');
    }

    const about = isSingle ? top.about : { ...top.about, ...(this.evaluateMapping(node.about, [...path, 'about'], scope) ?? {}) };
    return {
      node,
      path,
      name: name.toLowerCase(),
      version,
      noarch: this.noarch(build.noarch, [...(isPlainObject(node.build) && node.build.noarch !== undefined ? path : []), 'build', 'noarch']),
      buildNumber: this.buildNumber(build.number, buildPath) ?? 0,
      skip: !isSingle && this.evaluateSkip(rawBuild.skip, [...path, 'build', 'skip'], scope),
      buildString,
      requirements: {
        build: this.specs(r.build, [...reqPath, 'build'], scope),
        host: this.specs(r.host, [...reqPath, 'host'], scope),
        run: this.specs(r.run, [...reqPath, 'run'], scope),
        run_constrained: this.specs(r[constraintsKey], [...reqPath, constraintsKey], scope),
      },
      runExports: this.runExports(r.run_exports, [...reqPath, 'run_exports'], scope),
      ...this.ignoreRunExports(r.ignore_run_exports, [...reqPath, 'ignore_run_exports'], scope),
      tests: [...top.topTests, ...this.evaluateTests(node.tests, [...path, 'tests'], scope)],
      script: isSingle ? null : toScript(ownBuild.script, [...path, 'build', 'script'], this.fail, this.recipe.dir, this.win),
      about,
      ...(inherit ? { inherit } : {}),
    };
  }

  /** A list is weak run exports; a mapping has weak, strong, noarch, weak_constraints, strong_constraints. */
  private runExports(node: unknown, path: YamlPath, scope: EvalScope): RunExportSpecs {
    const out: RunExportSpecs = { weak: [], strong: [], noarch: [], weak_constrains: [], strong_constrains: [] };
    if (node === undefined || node === null) return out;
    if (Array.isArray(node)) return { ...out, weak: this.specs(node, path, scope) };
    if (!isPlainObject(node)) this.fail(path, 'run_exports must be a list or a mapping with weak: / strong: / ...');
    for (const key of Object.keys(node)) {
      const kind = RUN_EXPORT_KINDS[key];
      if (!kind) this.fail([...path, key], `unknown run_exports kind '${key}' (weak, strong, noarch, weak_constraints, strong_constraints)`);
      out[kind] = [...out[kind], ...this.specs(node[key], [...path, key], scope)];
    }
    return out;
  }

  /** `ignore_run_exports: { by_name: [...], from_package: [...] }`. */
  private ignoreRunExports(node: unknown, path: YamlPath, scope: EvalScope): { ignoreRunExports?: { names: string[]; from: string[] } } {
    if (node === undefined || node === null) return {};
    if (!isPlainObject(node)) this.fail(path, 'ignore_run_exports must be a mapping with by_name: / from_package:');
    for (const key of Object.keys(node)) {
      if (key !== 'by_name' && key !== 'from_package') this.fail([...path, key], `unknown ignore_run_exports key '${key}' (by_name, from_package)`);
    }
    const names = (key: string) => this.specs(node[key], [...path, key], scope).map((s) => specName(s.value));
    return { ignoreRunExports: { names: names('by_name'), from: names('from_package') } };
  }

  // ---------------------------------------------------------------- finalize

  private finalize(outputs: AssembledOutput[], staging: StagingOutput[], variant: Record<string, string>, scope: EvalScope): RenderedOutput[] {
    const variantKeys = Object.keys(variant);
    const shared = Object.fromEntries(Object.entries(this.raw).filter(([k]) => k !== 'outputs'));

    // Unpinned build/host requirements named like a variant key take its value (`python` → `python 3.13.*`).
    const pinSection = (specs: Spec[]): Spec[] => {
      const pinned = pinVariantRequirements(specs.map((s) => s.value), variant);
      return specs.map((s, i) => ({ ...s, value: pinned[i] }));
    };
    for (const out of [...outputs, ...staging]) {
      const reqs = 'requirements' in out ? out.requirements : out;
      reqs.build = pinSection(reqs.build);
      reqs.host = pinSection(reqs.host);
    }

    // Build strings first: exact pins need them.
    const builds = outputs.map((out) => {
      const usesPython = [...out.requirements.build, ...out.requirements.host].some((s) => specName(s.value) === 'python');
      // The keys this output reads, with the shared top level and the staging output it inherits.
      const inherited = staging.find((st) => st.name === out.inherit)?.node;
      const used = recipeUsedKeys(out.path.length ? [shared, out.node, inherited] : this.raw, variantKeys);
      if (usesPython) used.add('python');
      if (out.noarch) used.delete('python');
      const hashInput: Record<string, string> = {};
      for (const k of used) if (variant[k] !== undefined) hashInput[k] = variant[k];
      if (!out.noarch) hashInput.target_platform = this.target.subdir;
      const hash = `${buildPrefix(usesPython, out.noarch, variant.python ?? this.target.python)}h${variantHash(hashInput)}`;
      if (!out.buildString) return `${hash}_${out.buildNumber}`;
      const child: EvalScope = { ...scope, ctx: { ...scope.ctx, hash } };
      const value = typeof out.buildString.value === 'string' ? evaluateString(out.buildString.value, out.buildString.path, child) : out.buildString.value;
      const s = asString(value)?.trim();
      if (!s || /[\s-]/.test(s)) this.fail(out.buildString.path, `build string '${s ?? ''}' must be non-empty, without '-' or spaces`);
      return s;
    });

    const byName = new Map(outputs.map((o, i) => [o.name, { version: o.version, build: builds[i] }]));
    const resolve = (spec: Spec): string => {
      const text = hasPin(spec.value) ? resolvePins(spec.value, (pin) => this.resolvePin(pin, spec.path, byName, variant)) : spec.value;
      try {
        parseMatchSpec(text);
      } catch (err) {
        if (err instanceof MatchSpecError) this.fail(spec.path, err.message);
        throw err;
      }
      return text;
    };
    const resolveAll = (specs: Spec[]) => unique(specs.map(resolve));

    for (const st of staging) {
      st.build = st.build.map((s) => ({ ...s, value: resolve(s) }));
      st.host = st.host.map((s) => ({ ...s, value: resolve(s) }));
    }

    return outputs.map((out, i) => {
      const test = toTestSpec(out.tests, this.fail, this.recipe.dir, this.win);
      test.requires = resolveAll(test.requires.map((value) => ({ value, path: [...out.path, 'tests'] })));
      const re = out.runExports;
      const runExports: RunExports = { weak: resolveAll(re.weak), strong: resolveAll(re.strong) };
      if (re.noarch.length) runExports.noarch = resolveAll(re.noarch);
      if (re.weak_constrains.length) runExports.weak_constrains = resolveAll(re.weak_constrains);
      if (re.strong_constrains.length) runExports.strong_constrains = resolveAll(re.strong_constrains);
      const license = asString(out.about.license);
      return {
        name: out.name,
        version: out.version,
        build: builds[i],
        buildNumber: out.buildNumber,
        noarch: out.noarch,
        requirements: {
          build: resolveAll(out.requirements.build),
          host: resolveAll(out.requirements.host),
          run: resolveAll(out.requirements.run),
          run_constrained: resolveAll(out.requirements.run_constrained),
        },
        test,
        runExports,
        script: out.script,
        ...(license ? { license } : {}),
        ...(out.ignoreRunExports ? { ignoreRunExports: out.ignoreRunExports } : {}),
        ...(out.inherit ? { inherit: out.inherit } : {}),
      };
    });
  }

  private resolvePin(pin: PinRequest, path: YamlPath, byName: Map<string, { version: string; build: string }>, variant: Record<string, string>): string {
    try {
      if (pin.kind === 'subpackage') {
        const target = byName.get(pin.name);
        if (!target) {
          return this.fail(path, `pin_subpackage('${pin.name}'): no output of this recipe is named '${pin.name}' (outputs: ${[...byName.keys()].join(', ')})`);
        }
        return applyPin(pin.name, target.version, target.build, pin.args);
      }
      // Without solving the host environment, the variant value is the version pin_compatible pins to.
      const value = variant[pin.name];
      if (!value) {
        this.warn(path, `pin_compatible('${pin.name}'): no variant value for '${pin.name}'; left unpinned (rattler-build pins it to the solved host version)`);
        return pin.name;
      }
      return applyPin(pin.name, value.split(' ')[0].replace(/\.?\*$/, ''), null, pin.args);
    } catch (err) {
      if (err instanceof PinError) this.fail(path, err.message);
      throw err;
    }
  }
}

const toRenderedStaging = (s: StagingOutput): RenderedStaging => ({
  name: s.name,
  requirements: { build: unique(s.build.map((x) => x.value)), host: unique(s.host.map((x) => x.value)) },
  script: s.script,
  source: s.source,
});

const unique = (xs: string[]): string[] => [...new Set(xs)];

function dedupe(specs: Spec[]): Spec[] {
  const seen = new Set<string>();
  return specs.filter((s) => !seen.has(s.value) && (seen.add(s.value), true));
}
