import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeProjectName, parseWheelName, renderProjectIndex, renderRootIndex } from './pep503.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = '0123456789abcdef'.repeat(4);

const normalize = suite('normalizeProjectName');

normalize("PEP 503's examples all give friendly-bard", () => {
  for (const name of ['friendly-bard', 'Friendly-Bard', 'FRIENDLY-BARD', 'friendly.bard', 'friendly_bard', 'friendly--bard', 'FrIeNdLy-._.-bArD']) {
    assert.is(normalizeProjectName(name), 'friendly-bard', name);
  }
});

normalize('keeps digits and single letters', () => {
  assert.is(normalizeProjectName('Zope.Interface'), 'zope-interface');
  assert.is(normalizeProjectName('py2_3'), 'py2-3');
  assert.is(normalizeProjectName('x'), 'x');
});

normalize.run();

const wheelName = suite('parseWheelName');

wheelName('name, version and tags of a wheel file name', () => {
  assert.equal(parseWheelName('unit_conv-0.3.1-py3-none-any.whl'), { distribution: 'unit_conv', project: 'unit-conv', version: '0.3.1', tags: 'py3-none-any' });
  assert.equal(parseWheelName('TinyUnits-1.2.0-py2.py3-none-any.whl'), { distribution: 'TinyUnits', project: 'tinyunits', version: '1.2.0', tags: 'py2.py3-none-any' });
});

wheelName('a build tag belongs to the tags', () => {
  assert.equal(parseWheelName('foo-1.0-1local-cp313-cp313-manylinux_2_17_x86_64.whl')?.tags, '1local-cp313-cp313-manylinux_2_17_x86_64');
});

wheelName('anything else is not a wheel', () => {
  for (const name of ['foo-1.0-py313_0.conda', 'foo-1.0.tar.gz', 'foo-1.0-py3-none.whl', 'index.html', '-1.0-py3-none-any.whl']) assert.is(parseWheelName(name), null, name);
});

wheelName.run();

const root = suite('renderRootIndex');

root('one anchor per project, normalized, sorted, deduplicated — the exact page', () => {
  assert.is(
    renderRootIndex(['unit-conv', 'TinyUnits', 'tinyunits']),
    [
      '<!DOCTYPE html>',
      '<html>',
      '  <head>',
      '    <meta name="pypi:repository-version" content="1.0">',
      '    <title>Simple index</title>',
      '  </head>',
      '  <body>',
      '    <a href="tinyunits/">tinyunits</a><br>',
      '    <a href="unit-conv/">unit-conv</a><br>',
      '  </body>',
      '</html>',
      '',
    ].join('\n'),
  );
});

root('the same projects in any order give the same bytes', () => {
  assert.is(renderRootIndex(['b', 'a', 'c']), renderRootIndex(['c', 'b', 'a']));
});

root.run();

const project = suite('renderProjectIndex');

project('one anchor per file with its sha256 fragment, sorted by file name — the exact page', () => {
  const files = [
    { filename: 'unit_conv-0.3.1-py3-none-any.whl', sha256: SHA_B },
    { filename: 'unit_conv-0.10.0-py3-none-any.whl', sha256: SHA_A },
  ];
  assert.is(
    renderProjectIndex('Unit_Conv', files),
    [
      '<!DOCTYPE html>',
      '<html>',
      '  <head>',
      '    <meta name="pypi:repository-version" content="1.0">',
      '    <title>Links for unit-conv</title>',
      '  </head>',
      '  <body>',
      '    <h1>Links for unit-conv</h1>',
      `    <a href="unit_conv-0.10.0-py3-none-any.whl#sha256=${SHA_A}">unit_conv-0.10.0-py3-none-any.whl</a><br>`,
      `    <a href="unit_conv-0.3.1-py3-none-any.whl#sha256=${SHA_B}">unit_conv-0.3.1-py3-none-any.whl</a><br>`,
      '  </body>',
      '</html>',
      '',
    ].join('\n'),
  );
  assert.is(renderProjectIndex('unit-conv', [...files].reverse()), renderProjectIndex('Unit_Conv', files));
});

project('a version with a local part is escaped in the href, shown as is', () => {
  const html = renderProjectIndex('foo', [{ filename: 'foo-1.0+acme.1-py3-none-any.whl', sha256: SHA_A }]);
  assert.ok(html.includes(`<a href="foo-1.0%2Bacme.1-py3-none-any.whl#sha256=${SHA_A}">foo-1.0+acme.1-py3-none-any.whl</a>`), html);
});

project('Requires-Python goes on the anchor, escaped', () => {
  const html = renderProjectIndex('foo', [{ filename: 'foo-1.0-py3-none-any.whl', sha256: SHA_A, requiresPython: '>=3.8,<4' }]);
  assert.ok(html.includes(`<a href="foo-1.0-py3-none-any.whl#sha256=${SHA_A}" data-requires-python="&gt;=3.8,&lt;4">foo-1.0-py3-none-any.whl</a><br>`), html);
});

project('a hash that is not 64 hex digits is refused', () => {
  assert.throws(() => renderProjectIndex('foo', [{ filename: 'foo-1.0-py3-none-any.whl', sha256: 'ABC' }]), /foo-1\.0-py3-none-any\.whl: sha256 must be 64/);
});

project.run();
