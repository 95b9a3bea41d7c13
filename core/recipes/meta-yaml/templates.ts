// Templates a meta.yaml reads with `{% import 'x.jinja' as x %}`, `{% from 'x.jinja' import y %}`,
// `{% include 'x.yaml' %}` (or `extends`): conda-build loads them from the recipe dir through its
// FilteredLoader, so their `# [selector]` lines are applied as in the recipe itself. minijinja-js has
// no loader callback: the texts are read here once per recipe (names found in the recipe and, in
// turn, in each template) and handed to the environment before each render.
import { readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { RecipeRenderError } from '../render-error.ts';

export interface RecipeTemplate {
  /** Absolute path of the template file. */
  file: string;
  /** Its text, selectors not yet applied. */
  text: string;
}

const LOADS = /\{%-?\s*(?:import|from|include|extends)\s+(['"])([^'"\n]+)\1/g;

// minijinja escapes what it renders into templates named *.yaml, *.json, *.html, ... (its default
// auto-escape by extension); conda-build's Jinja does not: such templates get a neutral name.
const ESCAPED = /\.(?:html?|xml|json5?|js|ya?ml)$/i;

/** The name a template is registered under in minijinja. */
export const loadName = (name: string): string => (ESCAPED.test(name) ? `${name}.jinja` : name);

/** `text` with every template it loads named by its loadName. */
export function renameLoads(text: string): string {
  return text.replace(LOADS, (m: string, q: string, name: string) => (ESCAPED.test(name) ? m.replace(`${q}${name}${q}`, `${q}${loadName(name)}${q}`) : m));
}

/** 1-based line of `index` in `text`. */
const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * The templates `raw` (the meta.yaml at `file`) loads, transitively, by name. A name that leaves the
 * recipe dir or names no file there is a RecipeRenderError at the line that loads it.
 */
export function recipeTemplates(raw: string, file: string, recipeDir: string, feedstock: string): Map<string, RecipeTemplate> {
  const templates = new Map<string, RecipeTemplate>();
  if (!raw.includes('{%')) return templates;
  const queue: { text: string; file: string }[] = [{ text: raw, file }];
  for (let i = 0; i < queue.length; i++) {
    const from = queue[i];
    for (const m of from.text.matchAll(LOADS)) {
      const name = m[2];
      if (templates.has(name)) continue;
      const path = resolve(recipeDir, name);
      const rel = relative(recipeDir, path);
      const fail = (detail: string): never => {
        throw new RecipeRenderError(feedstock, from.file, lineAt(from.text, m.index ?? 0), detail);
      };
      if (rel.startsWith('..') || rel.split(sep).includes('..')) fail(`template '${name}' is outside the recipe dir (templates are loaded from ${recipeDir})`);
      let text: string;
      try {
        text = readFileSync(join(recipeDir, rel), 'utf8').replace(/^\uFEFF/, '');
      } catch {
        return fail(`template '${name}' not found in the recipe dir (${recipeDir})`);
      }
      templates.set(name, { file: path, text });
      queue.push({ text, file: path });
    }
  }
  return templates;
}
