// Which name of a template line (meta.yaml) or expression (recipe.yaml `${{ }}`) is the undefined
// one minijinja stopped at (its error names only the line): the names the line's tags read that
// neither the context has nor the template binds (`{% set %}`, `{% for %}`, macros and their
// arguments, imports).

const KEYWORDS = new Set(
  ('and or not in is if else elif endif for endfor set endset macro endmacro call endcall filter endfilter import from as with ' +
    'endwith include block endblock extends raw endraw recursive loop true false none True False None self caller varargs kwargs')
    .split(' '),
);

const TAGS = /\{\{-?([\s\S]*?)-?\}\}|\{%-?([\s\S]*?)-?%\}/g;
const STRINGS = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;

/** Names the template binds itself. */
function boundNames(template: string): Set<string> {
  const bound = new Set<string>();
  const add = (list: string) => list.split(',').forEach((n) => bound.add(n.trim().split(/\s*=/)[0]));
  for (const m of template.matchAll(/\{%-?\s*set\s+([\w\s,]+?)\s*(?:=|-?%\})/g)) add(m[1]);
  for (const m of template.matchAll(/\{%-?\s*for\s+([\w\s,]+?)\s+in\b/g)) add(m[1]);
  for (const m of template.matchAll(/\{%-?\s*macro\s+(\w+)\s*\(([^)]*)\)/g)) {
    bound.add(m[1]);
    add(m[2]);
  }
  for (const m of template.matchAll(/\bimport\s+['"][^'"]*['"]\s+as\s+(\w+)/g)) bound.add(m[1]);
  for (const m of template.matchAll(/\{%-?\s*from\s+['"][^'"]*['"]\s+import\s+([\w\s,]+?)\s*-?%\}/g)) {
    for (const part of m[1].split(',')) bound.add(part.trim().split(/\s+as\s+/).pop()!.trim());
  }
  return bound;
}

/** The names `line` (of `template`; a line without tags is one expression) reads that are not `known` and not bound by the template, in order. */
export function undefinedNames(line: string, template: string, known: (name: string) => boolean): string[] {
  const bodies = [...line.matchAll(TAGS)].map((m) => m[1] ?? m[2]);
  const code = (bodies.length ? bodies : [line]).join(' ').replace(STRINGS, "''");
  const bound = boundNames(template);
  const out: string[] = [];
  for (const m of code.matchAll(/[A-Za-z_]\w*/g)) {
    const name = m[0];
    const before = code.slice(0, m.index).trimEnd();
    const after = code.slice(m.index! + name.length).trimStart();
    if (KEYWORDS.has(name) || bound.has(name) || known(name) || out.includes(name)) continue;
    if (/[.|]$/.test(before) || /\bis(\s+not)?$/.test(before) || /^\d/.test(name)) continue; // attribute, filter, test
    if (after.startsWith('(') || (after.startsWith('=') && !after.startsWith('=='))) continue; // call, keyword argument
    out.push(name);
  }
  return out;
}
