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
