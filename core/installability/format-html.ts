// installability.html: one self-contained page (no script, no external resource), a table with a
// row per package and a column per subdir: "ok" with the number of packages of the environment, or
// "not installable" with the solver's message. Tallies per subdir on top. Deterministic bytes.
import type { InstallabilityCase, InstallabilityResult } from './matrix.ts';

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
h1 { font-size: 1.3rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.ok { background: #dafbe1; }
td.fail { background: #ffebe9; }
td.none { color: #8c959f; }
pre { margin: .3rem 0 0; white-space: pre-wrap; font-size: 12px; }
.src { color: #57606a; font-size: 12px; }
`;

function cell(c: InstallabilityCase | undefined): string {
  if (!c) return '<td class="none">not checked</td>';
  if (c.outcome.ok) return `<td class="ok">ok <span class="src">(${c.outcome.packages.length} packages)</span></td>`;
  return `<td class="fail">not installable<pre>${htmlEscape(c.outcome.message)}</pre></td>`;
}

export function formatInstallabilityHtml(r: InstallabilityResult): string {
  const bySubdir = new Map(r.subdirs.map((s) => [s, new Map<string, InstallabilityCase>()]));
  const sources = new Map<string, Set<string>>();
  for (const c of r.cases) {
    bySubdir.get(c.subdir)?.set(c.name, c);
    const set = sources.get(c.name) ?? new Set<string>();
    for (const s of c.sources) set.add(s);
    sources.set(c.name, set);
  }
  const names = [...sources.keys()].sort();
  const tally = r.subdirs.map((s) => {
    const cases = [...bySubdir.get(s)!.values()];
    const ok = cases.filter((c) => c.outcome.ok).length;
    return `<li>${htmlEscape(s)}: ${ok} of ${cases.length} installable${cases.length - ok ? `, <strong>${cases.length - ok} not</strong>` : ''}</li>`;
  });
  const rows = names.map(
    (n) =>
      `<tr><th>${htmlEscape(n)} <span class="src">${[...sources.get(n)!].sort().join(', ')}</span></th>${r.subdirs.map((s) => cell(bySubdir.get(s)!.get(n))).join('')}</tr>`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Installability, python ${htmlEscape(r.python)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Installability with python ${htmlEscape(r.python)}.*</h1>
<p>Each package solved together with <code>python ${htmlEscape(r.python)}.*</code> against, in order: ${r.channels.map((c) => `<code>${htmlEscape(c)}</code>`).join(', ') || 'no channel'}.</p>
<ul>
${tally.join('\n')}
</ul>
<table>
<thead><tr><th>package</th>${r.subdirs.map((s) => `<th>${htmlEscape(s)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
