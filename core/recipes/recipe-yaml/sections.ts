// Mapping of evaluated recipe.yaml sections onto the engine's types: sources, scripts, tests, run_exports.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageContentsSpec, SourceSpec, TestSpec } from '../../model/types.ts';
import { isPlainObject, type Located } from './evaluate.ts';
import type { YamlPath } from './source-lines.ts';

export type Fail = (path: YamlPath, message: string) => never;

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** `source:` (a mapping or a list of them) → SourceSpec[]. git/hg/svn sources keep only `folder`, with a warning. */
export function toSources(value: unknown, path: YamlPath, fail: Fail, warn?: (path: YamlPath, message: string) => void): SourceSpec[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((s, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (!isPlainObject(s)) fail(at, 'a source must be a mapping (url:, path:, git: ...)');
    const spec: SourceSpec = {};
    const vcs = ['git', 'hg', 'svn'].find((k) => s[k] !== undefined);
    if (vcs) warn?.([...at, vcs], `${vcs} sources are not modelled (url/path only): this source keeps only its target_directory`);
    if (s.url !== undefined) {
      const urls = (Array.isArray(s.url) ? s.url : [s.url]).map(asString);
      if (!urls.length || urls.some((u) => !u)) fail([...at, 'url'], 'url must be a string or a list of strings');
      spec.url = urls as string[];
    }
    for (const key of ['sha256', 'md5', 'path'] as const) {
      if (s[key] === undefined) continue;
      const v = asString(s[key]);
      if (v === undefined) fail([...at, key], `${key} must be a string`);
      spec[key] = v;
    }
    const folder = asString(s.target_directory ?? s.folder);
    if (folder) spec.folder = folder;
    return spec;
  });
}

/**
 * `build.script` → inline text or a file name relative to the recipe dir. A string is inline unless
 * it is one word naming a file (an extension-less name gets `.sh`/`.bat`, as rattler-build does);
 * a list is joined with newlines; `{ file: }` / `{ content: }` are the object form.
 */
export function toScript(value: unknown, path: YamlPath, fail: Fail, recipeDir: string, win: boolean): string | null {
  if (value === undefined || value === null) return null;
  const ext = win ? '.bat' : '.sh';
  const asFile = (name: string) => (/\.[A-Za-z0-9]+$/.test(name) ? name : `${name}${ext}`);
  if (typeof value === 'string') {
    const s = value.trim();
    if (!/\s/.test(s) && s && (existsSync(join(recipeDir, s)) || (!/\.[A-Za-z0-9]+$/.test(s) && existsSync(join(recipeDir, asFile(s)))))) {
      return asFile(s);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((line, i) => asString(line) ?? fail([...path, i], 'a script line must be a string')).join('\n');
  if (isPlainObject(value)) {
    if (value.file !== undefined && value.content !== undefined) fail(path, "script: 'file' and 'content' are mutually exclusive");
    if (value.file !== undefined) {
      const f = asString(value.file);
      if (!f) fail([...path, 'file'], 'script file must be a string');
      return asFile(f);
    }
    if (value.content !== undefined) return toScript(value.content, [...path, 'content'], fail, recipeDir, win) ?? '';
    return null;
  }
  return fail(path, 'script must be a string, a list of commands or a mapping with file: or content:');
}

/** A list of strings (or one string) at `path`, else a located failure. */
function strings(value: unknown, path: YamlPath, fail: Fail, what: string): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v, i) => asString(v) ?? fail(Array.isArray(value) ? [...path, i] : path, `${what} must be a string`));
}

/** v1 `package_contents:` → PackageContentsSpec (`files:` is a list, or `{ exists, not_exists }`). */
function toPackageContents(value: unknown, path: YamlPath, fail: Fail): PackageContentsSpec {
  if (!isPlainObject(value)) fail(path, 'package_contents must be a mapping (files:, site_packages:, bin:, lib:, include:, strict:)');
  const known = new Set(['files', 'site_packages', 'bin', 'lib', 'include', 'strict']);
  for (const key of Object.keys(value)) if (!known.has(key)) fail([...path, key], `unknown package_contents key '${key}' (files, site_packages, bin, lib, include, strict)`);
  const files = value.files;
  const split = isPlainObject(files);
  return {
    files: strings(split ? files.exists : files, [...path, 'files', ...(split ? ['exists'] : [])], fail, 'a file glob'),
    notFiles: split ? strings(files.not_exists, [...path, 'files', 'not_exists'], fail, 'a file glob') : [],
    sitePackages: strings(value.site_packages, [...path, 'site_packages'], fail, 'a module or path'),
    bin: strings(value.bin, [...path, 'bin'], fail, 'an executable name'),
    lib: strings(value.lib, [...path, 'lib'], fail, 'a library name'),
    include: strings(value.include, [...path, 'include'], fail, 'an include glob'),
    strict: value.strict === true,
  };
}

/**
 * v1 `tests:` items → TestSpec: python imports (+ `pip check` and pip, unless `pip_check: false`),
 * script lines, their `files: { source, recipe }` and requirements, `package_contents`.
 */
export function toTestSpec(items: Located<unknown>[], fail: Fail, recipeDir: string, win: boolean): TestSpec {
  const spec: TestSpec = { requires: [], imports: [], commands: [] };
  const push = (list: string[], values: string[]) => values.forEach((v) => !list.includes(v) && list.push(v));
  for (const { value: item, path } of items) {
    if (!isPlainObject(item)) fail(path, 'a test must be a mapping (python:, script:, ...)');
    if (item.python !== undefined) {
      const py = item.python;
      if (!isPlainObject(py)) fail([...path, 'python'], 'python: test must be a mapping with imports:');
      const imports = py.imports === undefined ? [] : Array.isArray(py.imports) ? py.imports : [py.imports];
      push(spec.imports, imports.map((m, i) => asString(m) ?? fail([...path, 'python', 'imports', i], 'an import must be a string')));
      if (py.pip_check !== false) {
        push(spec.requires, ['pip']);
        push(spec.commands, ['pip check']);
      }
    }
    if (item.script !== undefined) {
      const script = toScript(item.script, [...path, 'script'], fail, recipeDir, win);
      if (script) push(spec.commands, Array.isArray(item.script) ? script.split('\n') : [script]);
    }
    if (item.files !== undefined) {
      if (!isPlainObject(item.files)) fail([...path, 'files'], 'test files must be a mapping with source: / recipe:');
      const source = strings(item.files.source, [...path, 'files', 'source'], fail, 'a source path');
      const recipe = strings(item.files.recipe, [...path, 'files', 'recipe'], fail, 'a recipe path');
      if (source.length) push((spec.sourceFiles ??= []), source);
      if (recipe.length) push((spec.files ??= []), recipe);
    }
    if (item.package_contents !== undefined) (spec.packageContents ??= []).push(toPackageContents(item.package_contents, [...path, 'package_contents'], fail));
    if (item.requirements !== undefined) {
      const reqs = item.requirements;
      if (!isPlainObject(reqs)) fail([...path, 'requirements'], 'test requirements must be a mapping with run: / build:');
      for (const section of ['run', 'build'] as const) {
        const list = reqs[section];
        if (list === undefined) continue;
        if (!Array.isArray(list)) fail([...path, 'requirements', section], `test requirements ${section} must be a list`);
        push(spec.requires, list.map((r, i) => asString(r) ?? fail([...path, 'requirements', section, i], 'a requirement must be a match spec string')));
      }
    }
  }
  return spec;
}
