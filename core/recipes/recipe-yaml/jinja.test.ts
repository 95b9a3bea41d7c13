import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JinjaEvalError, RecipeJinja, splitTemplate } from './jinja.ts';
import { recipeFunctions } from './functions.ts';
import { platformVariables } from './platform.ts';

const split = suite('splitTemplate');

split('splits literal text and ${{ }} expressions :: quotes may hold }}', () => {
  assert.equal(splitTemplate("a-${{ x }}-${{ '}}' ~ y }}"), [{ text: 'a-' }, { expr: 'x' }, { text: '-' }, { expr: "'}}' ~ y" }]);
});

split('leaves {{ and {% without $ as text :: shell and go templates survive', () => {
  assert.equal(splitTemplate("fmt '{{.Version}}' {% raw %}"), [{ text: "fmt '{{.Version}}' {% raw %}" }]);
});

split('an unclosed ${{ is an error', () => {
  assert.throws(() => splitTemplate('x ${{ y'), (e: Error) => e instanceof JinjaEvalError && /unclosed/.test(e.message));
});

split.run();

const jinja = suite('RecipeJinja');

const ctx = (extra: Record<string, unknown> = {}) => {
  const j = new RecipeJinja();
  const c: Record<string, unknown> = { ...platformVariables('linux-64'), python: '3.13', ...extra };
  Object.assign(c, recipeFunctions({ jinja: j, subdir: 'linux-64', variant: { python: '3.13' }, environ: { HOME_X: 'hx' }, warn: () => {} }));
  return { j, c };
};

jinja('renders filters and python string methods', () => {
  const { j, c } = ctx({ version: '2.10.1', name: 'FooBar' });
  assert.is(j.render("${{ name | lower }}-${{ version.replace('.', '_') }}", c), 'foobar-2_10_1');
  assert.is(j.render("${{ (version | split('.'))[:2] | join('.') }}", c), '2.10');
  assert.is(j.render("${{ version.split('.')[0] }}${{ name[0] }}${{ version.startswith('2') }}", c), '2Ftrue');
  assert.is(j.render('${{ python | version_to_buildstring }}', c), '313');
  assert.is(j.render("${{ python is startingwith('3.1') }}", c), 'true');
});

jinja('typed rendering keeps lists and booleans of a lone expression', () => {
  const { j, c } = ctx({ version: '1.2.3' });
  assert.equal(j.render("${{ version.split('.') }}", c, true), ['1', '2', '3']);
  assert.is(j.render('${{ linux and x86_64 }}', c, true), true);
  assert.is(j.render('v${{ version }}', c, true), 'v1.2.3');
});

jinja('an undefined name in interpolation is an error naming the expression', () => {
  const { j, c } = ctx();
  assert.throws(() => j.render('${{ nope }}', c), (e: Error) => e instanceof JinjaEvalError && e.undefinedName && /'\$\{\{ nope \}\}'.*undefined/.test(e.message));
});

jinja('a syntax error is an error, and the environment stays usable after it', () => {
  const { j, c } = ctx();
  assert.throws(() => j.render('${{ 1 + }}', c), (e: Error) => e instanceof JinjaEvalError && /syntax error/.test(e.message));
  assert.is(j.render('${{ 1 + 2 }}', c), '3');
});

jinja('errors raised by recipe functions surface, and do not poison the environment', () => {
  const { j, c } = ctx();
  assert.throws(() => j.render("${{ env.get('UNSET_VAR') }}", c), (e: Error) => /UNSET_VAR is not set/.test(e.message));
  assert.is(j.render("${{ env.get('UNSET_VAR', default='d') }}|${{ env.get('HOME_X') }}|${{ env.exists('HOME_X') }}", c), 'd|hx|true');
});

jinja('conditions :: platform names, match(), and undefined names as false with a report', () => {
  const { j, c } = ctx();
  assert.is(j.condition('linux and not win', c), true);
  assert.is(j.condition('match(python, ">=3.10,<3.14")', c), true);
  assert.is(j.condition('${{ match(python, "<3.10") }}', c), false);
  const undefinedNames: string[] = [];
  assert.is(j.condition('cuda_compiler and linux', c, (d) => undefinedNames.push(d)), false);
  assert.is(undefinedNames.length, 1);
  assert.is(j.condition('not cuda_compiler', c), true);
});

jinja('match() with an invalid spec is an error', () => {
  const { j, c } = ctx();
  assert.throws(() => j.condition('match(python, ">=>3")', c), (e: Error) => /match\('3\.13', '>=>3'\)/.test(e.message));
});

jinja.run();
