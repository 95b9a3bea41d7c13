// The variant config of a recipe.yaml: the stacked conda_build_config.yaml files of the RecipeRef,
// then rattler-build's recipe-local `variants.yaml` (its VARIANTS_CONFIG_FILE), which is pure YAML
// with `if:/then:/else:` selectors instead of `# [sel]` comments. A later file replaces a key.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecipeRef, Target } from '../../model/types.ts';
import { loadVariantConfig, type VariantConfig } from '../variants.ts';
import { parseRecipeYaml } from '../yaml.ts';
import { RecipeRenderError } from '../render-error.ts';
import { evaluateNode, isPlainObject, type EvalScope } from './evaluate.ts';
import { RecipeJinja } from './jinja.ts';
import { platformVariables } from './platform.ts';
import { SourceLines, withPath, type YamlPath } from './source-lines.ts';

export const RECIPE_VARIANTS_FILE = 'variants.yaml';

export interface RecipeVariantWarning {
  file: string;
  line?: number;
  message: string;
}

/** Load the variant config for a recipe.yaml and target. */
export async function loadRecipeVariantConfig(recipe: RecipeRef, target: Target, jinja: RecipeJinja, warnings: RecipeVariantWarning[]): Promise<VariantConfig> {
  const selectorWarnings: { file: string; line: number; message: string }[] = [];
  const base = await loadVariantConfig(recipe.variantFiles, target, selectorWarnings);
  warnings.push(...selectorWarnings);
  const local = join(recipe.dir, RECIPE_VARIANTS_FILE);
  if (recipe.variantFiles.includes(local) || !existsSync(local)) return base;
  const text = readFileSync(local, 'utf8');
  return stackVariantConfig(base, readVariantsYaml(text, local, recipe.feedstock, target, jinja, warnings));
}

/** Parse a variants.yaml for a target: selectors resolved, list values as strings. */
export function readVariantsYaml(text: string, file: string, feedstock: string, target: Target, jinja: RecipeJinja, warnings: RecipeVariantWarning[]): VariantConfig {
  const raw = parseRecipeYaml(text, file);
  const lines = new SourceLines(text);
  const scope: EvalScope = {
    jinja,
    ctx: { ...platformVariables(target.subdir) },
    fail(path: YamlPath, message: string): never {
      throw new RecipeRenderError(feedstock, file, lines.lineOf(path), withPath(message, path));
    },
    warn(path: YamlPath, message: string) {
      warnings.push({ file, line: lines.lineOf(path), message });
    },
  };
  const out: VariantConfig = { values: {}, zipKeys: [], extra: {} };
  if (raw === null) return out;
  if (!isPlainObject(raw)) scope.fail([], 'a variants file must be a mapping of keys to lists');
  const value = evaluateNode(raw, [], scope) as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'zip_keys') {
      const groups = Array.isArray(v) && v.every((g) => typeof g === 'string') ? [v] : v;
      if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g) && g.every((k) => typeof k === 'string'))) {
        scope.fail([key], 'zip_keys must be a list of lists of keys');
      }
      out.zipKeys = groups as string[][];
    } else if (isPlainObject(v)) out.extra[key] = v;
    else out.values[key] = (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined).map(String);
  }
  return out;
}

/** `top` over `base`: keys replaced, zip groups of `top` replace the base groups they overlap. */
export function stackVariantConfig(base: VariantConfig, top: VariantConfig): VariantConfig {
  const topZipped = new Set(top.zipKeys.flat());
  return {
    values: { ...base.values, ...top.values },
    zipKeys: [...base.zipKeys.filter((g) => !g.some((k) => topZipped.has(k))), ...top.zipKeys],
    extra: { ...base.extra, ...top.extra },
  };
}
