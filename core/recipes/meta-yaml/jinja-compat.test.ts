import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Environment } from 'minijinja-js';
import { JinjaCompat, pyFormatPercent, pySlice, pyStrFormat, rewriteExpression, rewriteTemplate } from './jinja-compat.ts';

function render(template: string, ctx: Record<string, unknown> = {}): { out: string; compat: JinjaCompat } {
  const env = new Environment();
  env.enablePyCompat();
  env.undefinedBehavior = 'chainable';
  const compat = new JinjaCompat();
  compat.register(env);
  return { out: env.renderStr(rewriteTemplate(template), ctx), compat };
}

const rewrite = suite('rewriteTemplate');

rewrite('turns missing methods into helper calls :: receiver chains', () => {
  assert.is(rewriteExpression(" environ.get('A', 'd') "), " __m_get(environ, 'A', 'd') ");
  assert.is(rewriteExpression(" os.environ.get('A') "), " __m_get(os.environ, 'A') ");
  assert.is(rewriteExpression(" data['x'].get('y', {}).get('z') "), " __m_get(__m_get(data['x'], 'y', {}), 'z') ");
  assert.is(rewriteExpression(" f(a).rsplit('.', 1)[0] "), " __m_rsplit(f(a), '.', 1)[0] ");
});

rewrite('leaves known methods, strings and comments alone', () => {
  assert.is(rewriteExpression(" name.split('.')[0] "), " name.split('.')[0] ");
  assert.is(rewriteTemplate("a: '{{ x }}.get(' {# d.get('x') #}"), "a: '{{ x }}.get(' {# d.get('x') #}");
  assert.is(rewriteTemplate("{% raw %}{{ d.get('x') }}{% endraw %}"), "{% raw %}{{ d.get('x') }}{% endraw %}");
  assert.is(rewriteExpression(` "a.get('x')" `), ` "a.get('x')" `);
});

rewrite('rewrites printf-style % :: tuple, name and filter operands', () => {
  assert.is(rewriteExpression(" '%s-%s' % (a, b) "), " __pyfmt('%s-%s', (a, b)) ");
  assert.is(rewriteExpression(" 'v%s' % version|lower ~ 'x' "), " __pyfmt('v%s', version|lower) ~ 'x' ");
});

rewrite('rewrites slices of values, not list literals or subscripts :: x[a:b], x[::-1], d[k][:3]', () => {
  assert.is(rewriteExpression(" environ['H'][:7] "), " __slice(environ['H'], none, 7) ");
  assert.is(rewriteExpression(" v[1:-1] ~ s[::-1] "), " __slice(v, 1, -1) ~ __slice(s, none, none, -1) ");
  assert.is(rewriteExpression(" environ.get('T', 'v1.2')[1:] "), " __slice(__m_get(environ, 'T', 'v1.2'), 1, none) ");
  assert.is(rewriteExpression(" [1, 2][0] ~ d['a:b'] ~ x[i] "), " [1, 2][0] ~ d['a:b'] ~ x[i] ");
});

/** rewriteTemplate as it was written with a regex per tag opener and per whitespace control (the reference). */
function rewriteTemplateByRegex(source: string): string {
  const TAG_OPEN = /\{[{%#]/g;
  let out = '';
  let i = 0;
  while (i < source.length) {
    TAG_OPEN.lastIndex = i;
    const at = TAG_OPEN.exec(source)?.index ?? -1;
    if (at < 0) {
      out += source.slice(i);
      break;
    }
    out += source.slice(i, at);
    const kind = source[at + 1];
    const closer = kind === '{' ? '}}' : kind === '%' ? '%}' : '#}';
    let j = at + 2;
    let quote = '';
    for (; j < source.length; j++) {
      const c = source[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (kind !== '#' && (c === "'" || c === '"')) quote = c;
      else if (source.startsWith(closer, j)) break;
    }
    if (j >= source.length) {
      out += source.slice(at);
      break;
    }
    const end = j + 2;
    if (kind === '#') {
      out += source.slice(at, end);
    } else {
      let inner = source.slice(at + 2, j);
      const lead = inner.match(/^[-+]?/)![0];
      const trail = inner.match(/[-+]?$/)![0];
      inner = inner.slice(lead.length, inner.length - trail.length);
      if (kind === '%' && /^\s*raw\s*$/.test(inner)) {
        const endRaw = source.slice(end).search(/\{%[-+]?\s*endraw\s*[-+]?%\}/);
        const stop = endRaw < 0 ? source.length : end + endRaw;
        out += source.slice(at, stop);
        i = stop;
        continue;
      }
      out += `{${kind}${lead}${rewriteExpression(inner)}${trail}${closer}`;
    }
    i = end;
  }
  return out;
}

rewrite('by character codes as by the regexes :: seeded random templates (tags, strings, escapes, raw, whitespace control)', () => {
  const parts = ['{', '}', '{{', '}}', '{%', '%}', '{#', '#}', '-', '+', "'", '"', '\\', ' ', '\n', 'x', 'd.get("a")', "v[1:]", "'%s' % v", 'raw', ' raw ', 'endraw', '{% endraw %}', '{%- endraw -%}', '{% raw %}', '-%}', '{%-', '{{-', '-}}', '+}}', 'é'];
  let seed = 2026;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (let round = 0; round < 20000; round++) {
    let text = '';
    for (let k = rnd(14); k >= 0; k--) text += parts[rnd(parts.length)];
    assert.is(rewriteTemplate(text), rewriteTemplateByRegex(text), JSON.stringify(text));
  }
  // Where a tag ends shows only when what lies in it is rewritten (`d.get(1)`): each case puts a method call on either side.
  const cases = ['{{-}}', '{{+}}', '{{}}', '{%-%}', '{%- raw -%}{{ a.get(1) }}{% endraw %}x{{ b.get(2) }}', '{{ "}}" }}{{', '{# {{ #}'];
  for (const end of ['}}', '%}']) {
    const open = end === '}}' ? '{{' : '{%';
    cases.push(`${open} '\\' ${end}' ~ d.get(1) ${end}`, `${open} "\\" ${end}" ~ d.get(1) ${end}`, `${open} ' ${end} d.get(1) ' ${end}`, `{# ' #} d.get(1) ' #}{{ x.get(2) }}`);
    cases.push(`${open}- d.get(1) -${end}`, `${open}+ d.get(1) +${end}`, `${open}-d.get(1)${end}`, `${open} d.get(1)+${end}`, `{${open} d.get(1) ${end}`, `${open} d.get(1) `, `${open} '`);
  }
  for (const text of cases) assert.is(rewriteTemplate(text), rewriteTemplateByRegex(text), text);
});

rewrite('keeps the line count of multi-line tags', () => {
  const src = "{{ d.get(\n 'x',\n 'y') }}\nline: {{ '%s' %\n v }}\n";
  assert.is(rewriteTemplate(src).split('\n').length, src.split('\n').length);
});

rewrite('keeps Python unknown escapes :: regex in a string', () => {
  assert.is(rewriteExpression(String.raw` re('(\d+)\.x', "\n") `), String.raw` re('(\\d+)\\.x', "\n") `);
  // Nothing else to rewrite (no `.`, `[` or `%`): the escape alone is still doubled.
  assert.is(rewriteExpression(String.raw` re('\d+') `), String.raw` re('\\d+') `);
});

rewrite('the same inside rewritten again gives the same text; expressions with nothing to rewrite are kept', () => {
  const tag = " x.rsplit('.', 1) ";
  assert.is(rewriteExpression(tag), " __m_rsplit(x, '.', 1) ");
  assert.is(rewriteExpression(tag), " __m_rsplit(x, '.', 1) ");
  assert.is(rewriteExpression(" x.rsplit('-', 1) "), " __m_rsplit(x, '-', 1) ");
  assert.is(rewriteExpression(' name|lower ~ "-" ~ version '), ' name|lower ~ "-" ~ version ');
});

rewrite.run();

const runtime = suite('JinjaCompat helpers');

runtime('dict.get with defaults :: template dicts, JS objects, undefined', () => {
  const { out } = render("{% set d = {'A': 'z'} %}{{ d.get('A', 'q') }}{{ d.get('B', 'q') }}|{{ environ.get('X', 'dx') }}{{ environ.get('Y', 'dy') }}|{{ nope.get('k', 'dn') }}", {
    environ: { X: 'x' },
  });
  assert.is(out, 'zq|xdy|dn');
});

runtime('str methods :: rsplit, format, index, zfill, partition', () => {
  assert.is(render("{{ '1.2.3'.rsplit('.', 1)[0] }}|{{ 'a b  c'.rsplit(None, 1)|join(',') }}").out, '1.2|a b,c');
  assert.is(render("{{ '{}-{}'.format('a', 'b') }}|{{ '{name}!{0}'.format(1, name='x') }}|{{ '{:>4}'.format('a') }}").out, 'a-b|x!1|   a');
  assert.is(render("{{ 'abc'.index('c') }}|{{ '7'.zfill(3) }}|{{ 'k=v'.partition('=')[2] }}|{{ 'vX'.removeprefix('v') }}").out, '2|007|v|X');
});

runtime('printf formatting :: %s %d %02d %(name)s and the format filter', () => {
  assert.is(render("{{ '%s-%s' % ('a', 'b') }}|{{ \"%d.%02d\" % (3, 1) }}|{{ '%(n)s' % {'n': 'x'} }}|{{ '%s.%s'|format(1, 2) }}").out, 'a-b|3.01|x|1.2');
  assert.is(pyFormatPercent('%5.1f|%-3s|%%', [3.14159, 'a']), '  3.1|a  |%');
  assert.is(pyFormatPercent(7, 3), 1);
  assert.is(pyStrFormat('{0[k]}{1.a}', [{ k: 'K' }, { a: 'A' }], new Map()), 'KA');
});

runtime('int/float/str/len globals :: numbers from text', () => {
  assert.is(render("{{ int('42') + 1 }}|{{ int(float('3.10')) }}|{{ str(3) ~ 'x' }}|{{ len('abc') }}|{{ int(v.split('.')[0]) * 2 }}", { v: '2.5' }).out, '43|3|3x|3|4');
});

runtime('slices as Python :: strings, lists, negative and stepped bounds; an undefined value slices to empty', () => {
  const env = { H: '3f9a0c7de1b2', L: ['a', 'b', 'c', 'd'] };
  assert.is(render("{{ H[:7] }}|{{ H[-4:] }}|{{ H[::-1][:3] }}|{{ H[1:6:2] }}|{{ L[1:3]|join(',') }}|{{ L[::-2]|join(',') }}", env).out, '3f9a0c7|e1b2|2b1|fac|b,c|d,b');
  assert.is(render("[{{ nope[:3] }}]|[{{ environ['NOPE'][1:] }}]", { environ: {} }).out, '[]|[]');
  assert.is(pySlice('abcdef', -100, 100, null), 'abcdef');
  assert.is(pySlice('abcdef', 10, null, -1), 'fedcba');
});

runtime('d.get(k, {}).get(...) on loaded data: nested maps come back whole', () => {
  const data = { project: { version: '1.2.3', urls: { home: 'h' } } };
  assert.is(render("{{ d.get('project', {}).get('version', '0') }}|{{ d.get('project').get('urls', {}).get('home') }}|{{ d.get('x', {}).get('y', 'dflt') }}", { d: data }).out, '1.2.3|h|dflt');
});

runtime('a failing helper never throws into minijinja :: the error is recorded', () => {
  const { out, compat } = render("a{{ int('x1') }}b");
  assert.is(out, 'a0b');
  assert.is(compat.errors.length, 1);
  assert.match(compat.errors[0].message, /int\(\): ValueError: invalid literal for int\(\) with base 10: 'x1'/);
  assert.equal(compat.errors[0].hints, ['int', 'x1']);
});

runtime.run();
