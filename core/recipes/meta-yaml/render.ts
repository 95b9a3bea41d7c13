// Render a meta.yaml (v0) recipe for one target the way conda-build does:
//   variants (conda_build_config.yaml stack) → per variant:
//   line selectors on the raw text (conda-build's FilteredLoader runs select_lines before Jinja),
//   Jinja with conda-build's context, selectors again on the rendered text (metadata.parse),
//   YAML, outputs, then finalisation (variant pins, build string) shared with recipe.yaml.
// Jinja runs in passes, as conda-build's parse_until_resolved: the first pass learns the package
// name, version, number, outputs and host pins that PKG_*, pin_subpackage and pin_compatible need.
// Dropped selector lines become empty lines, so line numbers of Jinja and YAML errors stay those of
// the file.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Environment } from 'minijinja-js';
import { LineCounter, parseDocument } from 'yaml';
import type { RecipeRef, RenderWarning, RenderedOutput, RenderedRecipe, RenderedVariant, Target } from '../../engine/types.ts';
import { RecipeRenderError } from '../render-error.ts';
import { applySelectors, selectorNamespace } from '../selectors.ts';
import { expandVariants, loadVariantConfig, usedVariantKeys, type VariantConfig } from '../variants.ts';
import { parseRecipeYaml, RecipeYamlError } from '../yaml.ts';
import { finalizeOutput, hashContents, hashDependencies, pinVariantRequirements, plainVersion, specName, type PinConfig } from '../finalize-output.ts';
import { JinjaCompat, rewriteTemplate } from './jinja-compat.ts';
import { condaBuildContext, defaultVariant, platformOf, type SubpackageInfo } from './jinja-context.ts';
import { extractRecipe, RecipeShapeError, type TopLevel } from './outputs.ts';
import { outputKeys } from './used-keys.ts';

export interface RenderMetaYamlOptions {
  /** Extra environment variables visible to `environ` / `os.environ` (the process environment is not). */
  env?: Record<string, string>;
}

const MAX_PASSES = 4;

/** Apply `# [selector]` lines one by one, keeping the line count (a dropped line becomes empty). */
export function selectLines(text: string, ns: Record<string, unknown>, onWarning: (line: number, message: string) => void): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.includes('[') || !line.includes(']')) continue;
    const warnings: { line: number; message: string }[] = [];
    const cr = line.endsWith('\r') ? '\r' : '';
    const kept = applySelectors(`${cr ? line.slice(0, -1) : line}\n`, ns, warnings);
    lines[i] = kept.replace(/\n$/, '') + (kept ? cr : '');
    for (const w of warnings) onWarning(i + 1, w.message);
  }
  return lines.join('\n');
}

function jinjaLine(message: string): number | undefined {
  const m = message.match(/\(in [^)]*?:(\d+)\)/);
  return m ? Number(m[1]) : undefined;
}

function renderJinja(template: string, ctx: Record<string, unknown>, compat: JinjaCompat): string {
  const env = new Environment();
  env.enablePyCompat();
  // conda-build renders undefined names as empty (UndefinedNeverFail); chainable also allows `x.y`.
  env.undefinedBehavior = 'chainable';
  env.keepTrailingNewline = true;
  compat.register(env);
  return env.renderStr(template, ctx);
}

/** 1-based line of a YAML path (`outputs[1].requirements.run[0]`) in `text`, if it can be found. */
function lineOfPath(text: string, path: string): number | undefined {
  try {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
    const keys = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
    for (let n = keys.length; n > 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lc.linePos(node.range[0]).line;
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

/** The first line of `text` containing every hint. */
function lineOf(text: string, hints: string[]): number | undefined {
  const wanted = hints.filter(Boolean);
  if (!wanted.length) return undefined;
  const i = text.split('\n').findIndex((l) => wanted.every((h) => l.includes(h)));
  return i < 0 ? undefined : i + 1;
}

interface PassResult {
  top: TopLevel | null;
  text: string;
}

interface VariantJob {
  recipe: RecipeRef;
  target: Target;
  raw: string;
  config: VariantConfig;
  variant: Record<string, string>;
  options: RenderMetaYamlOptions;
  warn(line: number | undefined, message: string): void;
}

const placeholder = (name: string) => `__rebuild_exact_build_of_${name}__`;

function renderVariant(job: VariantJob): RenderedVariant {
  const { recipe, target, raw } = job;
  const file = recipe.file;
  const full: Record<string, string> = { ...defaultVariant(target), ...job.variant };
  const ns = selectorNamespace(target, full);
  const selected = selectLines(raw, ns, (line, message) => job.warn(line, message));
  const template = rewriteTemplate(selected);
  const win = platformOf(target.subdir) === 'win';
  const extra = job.config.extra ?? {};
  const pinRunAsBuild = (extra.pin_run_as_build ?? {}) as Record<string, PinConfig>;
  const listKey = (k: string) => (job.config.values[k] ?? (Array.isArray(extra[k]) ? (extra[k] as string[]) : undefined)) as string[] | undefined;

  const keysOf = (top: TopLevel, o: TopLevel['outputs'][number]) =>
    outputKeys({ raw, selected, config: job.config, variant: full, recipeDir: recipe.dir, index: o.index, script: o.index === null ? null : o.raw.script, win });
  const finalizeCtx = (top: TopLevel, o: TopLevel['outputs'][number]) => {
    const k = keysOf(top, o);
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : v ? [String(v)] : []);
    return {
      variant: full,
      usedKeys: k.used,
      requirementsUsedKeys: k.requirementsUsed,
      pinRunAsBuild,
      ignoreVersion: listKey('ignore_version'),
      ignoreBuildOnlyDeps: listKey('ignore_build_only_deps'),
      numpyXX: k.numpyXX,
      numpyPinCompatibleXX: k.numpyPinCompatibleXX,
      forceUseKeys: list(o.build.force_use_keys),
      forceIgnoreKeys: list(o.build.force_ignore_keys),
    };
  };

  const pass = (prev: TopLevel | null, final: boolean): PassResult => {
    const outputs = new Map<string, SubpackageInfo>();
    const hostVersions = new Map<string, string>();
    let hash = '';
    const first = prev?.outputs.find((o) => o.raw.name === prev.name) ?? prev?.outputs[0];
    if (prev) {
      for (const o of prev.outputs) {
        outputs.set(o.raw.name, { version: o.raw.version, exactBuild: placeholder(o.raw.name) });
        for (const spec of pinVariantRequirements(o.raw.requirements.host, full)) {
          const v = plainVersion(spec);
          if (v && !hostVersions.has(specName(spec))) hostVersions.set(specName(spec), v);
        }
      }
      if (first) hash = hashDependencies(hashContents({ requirements: first.raw.requirements, noarch: first.raw.noarch }, finalizeCtx(prev, first)));
    }
    const local = prev?.source.find((s) => s.path)?.path;
    const compat = new JinjaCompat();
    const ctx = condaBuildContext(
      {
        target,
        variant: full,
        selectors: ns,
        lookup: { recipeDir: recipe.dir, sourceDir: local ? resolve(recipe.dir, local) : null },
        pkg: {
          name: prev?.name ?? '',
          version: prev?.version ?? '',
          buildNumber: String(prev?.buildNumber ?? 0),
          hash,
          buildString: 'placeholder',
        },
        outputs,
        hostVersions,
        final,
        warn: (message, hints) => job.warn(lineOf(raw, hints ?? []), message),
        env: job.options.env,
      },
      compat,
    );
    let text: string;
    try {
      text = renderJinja(template, ctx, compat);
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      throw new RecipeRenderError(recipe.feedstock, file, jinjaLine(msg), `jinja error: ${msg.split('\n')[0].replace(/\s*\(in [^)]*\)\s*$/, '')}`, { cause: err });
    }
    if (compat.errors.length) {
      const e = compat.errors[0];
      throw new RecipeRenderError(recipe.feedstock, file, lineOf(raw, e.hints), `jinja error: ${e.message}`);
    }
    text = selectLines(text, ns, (line, message) => (final ? job.warn(line, message) : undefined));
    let meta: unknown;
    try {
      meta = parseRecipeYaml(text, file);
    } catch (err) {
      if (err instanceof RecipeYamlError) {
        const shifted = text.split('\n').length !== raw.split('\n').length;
        throw new RecipeRenderError(recipe.feedstock, file, err.line, `invalid YAML${shifted ? ' (line of the rendered recipe)' : ''}: ${err.detail}`, { cause: err });
      }
      throw err;
    }
    try {
      return { top: extractRecipe(meta), text };
    } catch (err) {
      if (err instanceof RecipeShapeError) throw new RecipeRenderError(recipe.feedstock, file, lineOfPath(text, err.path), err.message, { cause: err });
      throw err;
    }
  };

  // Earlier passes may fail for want of what they are to learn; the final pass reports errors.
  let prev: TopLevel | null = null;
  for (let i = 0; i < MAX_PASSES - 1; i++) {
    let next: TopLevel | null = null;
    try {
      next = pass(prev, false).top;
    } catch {
      break;
    }
    const same =
      prev !== null &&
      next !== null &&
      next.name === prev.name &&
      next.version === prev.version &&
      next.buildNumber === prev.buildNumber &&
      JSON.stringify(next.outputs.map((o) => [o.raw.name, o.raw.version, o.raw.requirements.host])) ===
        JSON.stringify(prev.outputs.map((o) => [o.raw.name, o.raw.version, o.raw.requirements.host]));
    prev = next;
    if (same || !next) break;
  }
  const { top } = pass(prev, true);
  if (!top) throw new RecipeRenderError(recipe.feedstock, file, undefined, 'recipe renders to nothing');

  for (const name of top.ignored) job.warn(lineOf(raw, ['name:', name]), `output '${name}' is not a conda package (type is not conda); not rendered`);
  const outputs: RenderedOutput[] = [];
  for (const o of top.outputs) {
    if (!top.skip && o.index !== null && o.build.skip !== undefined && /^(true|yes|on|y)$/i.test(String(o.build.skip))) continue;
    outputs.push(finalizeOutput(o.raw, finalizeCtx(top, o)));
  }
  // Exact pin_subpackage pins name the sibling's build string, known only now.
  const builds = new Map(outputs.map((o) => [placeholder(o.name), o.build]));
  const fill = (specs: string[]) => specs.map((s) => s.replace(/__rebuild_exact_build_of_[^\s]*?__/g, (p) => builds.get(p) ?? '*'));
  for (const o of outputs) {
    for (const k of ['build', 'host', 'run', 'run_constrained'] as const) o.requirements[k] = fill(o.requirements[k]);
    o.test.requires = fill(o.test.requires);
    o.runExports.weak = fill(o.runExports.weak);
    o.runExports.strong = fill(o.runExports.strong);
  }
  return {
    variant: job.variant,
    skip: top.skip,
    outputs,
    source: top.source,
    script: top.script,
    buildNumber: top.buildNumber,
    about: top.about,
  };
}

/** Render one meta.yaml recipe for a target: every variant, with warnings. Throws RecipeRenderError. */
export async function renderMetaYaml(recipe: RecipeRef, target: Target, options: RenderMetaYamlOptions = {}): Promise<RenderedRecipe> {
  let raw: string;
  try {
    raw = await readFile(recipe.file, 'utf8');
  } catch (err) {
    throw new RecipeRenderError(recipe.feedstock, recipe.file, undefined, `cannot read recipe: ${(err as Error).message}`, { cause: err });
  }
  raw = raw.replace(/^\uFEFF/, '');
  const warnings: RenderWarning[] = [];
  const seen = new Set<string>();
  const warn = (file: string, line: number | undefined, message: string) => {
    const key = `${file}:${line}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    warnings.push({ feedstock: recipe.feedstock, file, ...(line ? { line } : {}), message });
  };

  let config: VariantConfig;
  const variantWarnings: { file: string; line: number; message: string }[] = [];
  try {
    config = await loadVariantConfig(recipe.variantFiles, target, variantWarnings);
  } catch (err) {
    const e = err as { file?: string; line?: number; message?: string };
    const file = e.file ?? recipe.variantFiles.find((f) => String(e.message).includes(f)) ?? recipe.variantFiles[0] ?? recipe.file;
    const detail = String(e.message ?? err).replace(`${file}${e.line ? `:${e.line}` : ''}: `, '');
    throw new RecipeRenderError(recipe.feedstock, file, e.line, `variant config: ${detail}`, { cause: err });
  }
  for (const w of variantWarnings) warn(w.file, w.line, w.message);

  // conda-build's default variant (target_platform, native compilers) is part of every config.
  const defaults = defaultVariant(target);
  const augmented: VariantConfig = {
    ...config,
    values: { ...Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, [v]])), ...config.values },
  };
  const used = usedVariantKeys(raw, augmented);
  const variants = expandVariants(augmented, used, target, recipe.variantOverrides);

  const rendered: RenderedVariant[] = [];
  for (const variant of variants) {
    rendered.push(
      renderVariant({ recipe, target, raw, config: augmented, variant, options, warn: (line, message) => warn(recipe.file, line, message) }),
    );
  }
  return { feedstock: recipe.feedstock, recipe, target, variants: rendered, warnings };
}
