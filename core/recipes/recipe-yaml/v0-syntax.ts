// A recipe.yaml written in meta.yaml (v0) syntax, as some real feedstocks carry: no `context:` and no
// `schema_version:` (a v1 recipe's own markers), but Jinja statements (`{% set %}`), bare `{{ }}`
// (v1 writes `${{ }}`) or `# [selector]` comments. Such a file is rendered as meta.yaml, with a warning.

export interface V0Evidence {
  line: number;
  /** What gave it away, e.g. `{% set %}`. */
  what: string;
}

const V1_KEYS = /^(?:context|schema_version)\s*:/m;

/** The first v0-only construct of `text`, or null when it is (or may be) a v1 recipe. */
export function v0Syntax(text: string): V0Evidence | null {
  if (V1_KEYS.test(text)) return null;
  // A comment like `# [optional]` in a recipe that uses `${{ }}` is a comment, not a selector.
  const v1Expressions = text.includes('${{');
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const statement = l.match(/\{%-?\s*(\w+)/);
    if (statement) return { line: i + 1, what: `{% ${statement[1]} %}` };
    if (/(^|[^$])\{\{/.test(l)) return { line: i + 1, what: '{{ }} without $' };
    if (!v1Expressions && /\s#\s*\[[^\]]+\]\s*$/.test(l)) return { line: i + 1, what: 'a # [selector] comment' };
  }
  return null;
}
