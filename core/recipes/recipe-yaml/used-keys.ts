// Which variant keys a recipe.yaml uses, read from its structure as rattler-build does
// (`used_variables`): names in `${{ }}` expressions, `if:` and `skip:` conditions, requirement names
// that are variant keys, compiler('c') → c_compiler + c_compiler_version (same for stdlib),
// pin_compatible('numpy') → numpy, and build.variant.use_keys / ignore_keys. Requirement names
// count only when unpinned (`- numpy`, not `- numpy >=2`): only those take a variant value.
import { isConditional, isPlainObject } from './evaluate.ts';
import { splitTemplate } from './jinja.ts';

const REQUIREMENT_SECTIONS = new Set(['build', 'host', 'run', 'run_constraints', 'run_constrained']);

/** Names an expression reads (string literals and attribute names removed). */
export function expressionNames(expr: string): string[] {
  const names: string[] = [];
  for (const m of expr.matchAll(/\b(compiler|stdlib)\(\s*['"]([\w-]+)['"]/g)) names.push(`${m[2]}_${m[1]}`, `${m[2]}_${m[1]}_version`);
  for (const m of expr.matchAll(/\bpin_compatible\(\s*['"]([\w.-]+)['"]/g)) names.push(m[1]);
  if (/\bcdt\(/.test(expr)) names.push('cdt_name', 'cdt_arch');
  const bare = expr.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
  for (const m of bare.matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)) names.push(m[1]);
  return names;
}

function templateNames(s: string): string[] {
  try {
    return splitTemplate(s).flatMap((p) => ('expr' in p ? expressionNames(p.expr) : []));
  } catch {
    return []; // reported when the string is evaluated
  }
}

/** The variant keys (of `keys`) that the parsed recipe uses. */
export function recipeUsedKeys(recipe: unknown, keys: Iterable<string>): Set<string> {
  const known = new Set(keys);
  const found = new Set<string>();
  const ignored = new Set<string>();
  const add = (names: string[]) => names.forEach((n) => known.has(n) && found.add(n));

  const walk = (node: unknown, parentKey: string | null, inRequirements: boolean): void => {
    if (typeof node === 'string') {
      add(templateNames(node));
      // Only an unpinned requirement takes the variant's value (conda-build and rattler-build alike).
      if (inRequirements && parentKey && REQUIREMENT_SECTIONS.has(parentKey) && /^[A-Za-z0-9_][\w.-]*$/.test(node.trim())) add([node.trim()]);
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, parentKey, inRequirements);
      return;
    }
    if (!isPlainObject(node)) return;
    if (isConditional(node)) {
      if (typeof node.if === 'string') add([...expressionNames(node.if), ...templateNames(node.if)]);
      walk(node.then, parentKey, inRequirements);
      walk(node.else, parentKey, inRequirements);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'skip') {
        for (const cond of Array.isArray(value) ? value : [value]) {
          if (typeof cond === 'string') add(expressionNames(cond));
          else walk(cond, key, false);
        }
        continue;
      }
      if (key === 'variant' && isPlainObject(value)) {
        for (const k of asStrings(value.use_keys)) if (known.has(k)) found.add(k);
        for (const k of asStrings(value.ignore_keys)) ignored.add(k);
      }
      walk(value, key, inRequirements || key === 'requirements');
    }
  };
  walk(recipe, null, false);
  for (const k of ignored) found.delete(k);
  return found;
}

/** `build.variant.ignore_keys` of the recipe and its outputs. */
export function ignoredVariantKeys(recipe: unknown): Set<string> {
  const ignored = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isPlainObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'variant' && isPlainObject(value)) asStrings(value.ignore_keys).forEach((k) => ignored.add(k));
        else walk(value);
      }
    }
  };
  walk(recipe);
  return ignored;
}

const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
