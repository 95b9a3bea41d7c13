import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFullYaml, parseRecipeYaml, parseSimpleYaml, RecipeYamlError, UNSUPPORTED } from './yaml.ts';

const yaml = suite('parseRecipeYaml');

yaml('keeps the text of unquoted numbers :: 3.10 is not 3.1', () => {
  assert.equal(parseRecipeYaml('python:\n  - 3.10\n  - 3.9\nnumber: 0\nskip: true\nx: null\n', 'cbc.yaml'), {
    python: ['3.10', '3.9'],
    number: '0',
    skip: true,
    x: null,
  });
});

yaml('reports the file and line of a syntax error', () => {
  try {
    parseRecipeYaml('package:\n  name: a\n   version: 1\n', '/agg/a/recipe/meta.yaml');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeYamlError);
    assert.match((err as Error).message, /^\/agg\/a\/recipe\/meta\.yaml:2:\d+: invalid YAML: /);
  }
});

yaml('the fast reader answers as the library :: rendered recipe shapes', () => {
  const text = [
    'package:',
    '  name: pyfoo   # a comment',
    '  version: 1.10',
    '',
    '# whole-line comment',
    'build:',
    '  number: 0',
    '  skip: False',
    '  noarch: ~',
    '  script: $PREFIX/bin/python -m pip install . -vv',
    'requirements:',
    '  host:',
    '  - python 3.13.*',
    "  - 'numpy >=1.26'",
    '  run:',
    '    - "six"',
    '    -',
    'outputs:',
    '  - name: libfoo',
    '    requirements:',
    '      - zlib',
    '  - - nested',
    '    - list',
    'about:',
    "  summary: it''s a#b 'quoted' text",
    "  license: 'it''s'",
    '  empty:',
    '',
  ].join('\n');
  const fast = parseSimpleYaml(text);
  assert.is.not(fast, UNSUPPORTED);
  assert.equal(fast, parseFullYaml(text, 'meta.yaml'));
  assert.equal(JSON.stringify(fast), JSON.stringify(parseFullYaml(text, 'meta.yaml')));
});

yaml('the fast reader leaves the rest to the library :: flow, anchors, block scalars, multi-line, errors', () => {
  for (const text of [
    'a: [1, [2]]\n', "a: ['x', 2]\n", 'a: [a, b,]\n', 'a: {b: 1}\n', 'a: &x 1\nb: *x\n', 'a: |2\n  text\n', 'a: >\n  text\n    more\n', 'a: b\n  c\n',
    'a: "x\\ty"\n', "a: 'open\n", 'a: b: c\n', 'a:\tb\n', '---\na: 1\n', '? a\n: b\n', '"a": 1\n', 'a: !!str 1\n',
    'a:\n  b: 1\n c: 2\n', '- a\nb: 1\n', 'just text\n', 'true: 1\n', '__proto__: 1\n', 'a: -1\n', 'a: @x\n',
  ]) {
    assert.is(parseSimpleYaml(text), UNSUPPORTED, JSON.stringify(text));
  }
});

yaml('the fast reader answers as the library :: seeded random documents', () => {
  let seed = 2018;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const keys = ['a', 'name', 'b_c', 'x-y', 'k.v', 'true', 'on', 'y', 'NaN', 'key two', '"q"', '1'];
  const vals = ['x', '1', '3.10', '0o17', '0x1F', '1e3', '.inf', '.nan', '+1', '-1', '~', 'null', 'NULL', 'true', 'False', 'yes', '',
    '""', "''", "'it''s'", '"a b"', '"a" # c', 'a # c', 'a#b', 'a: b', 'a:b', 'a:', '- a', '[1]', '{a: 1}', '*x', '|', 'é ü',
    '>=3.8', 'numpy 1.26.*', 'https://x/y#z', '? x', "a'b", 'x #', '00', '1_000',
    '[a, b]', '[python, numpy, python_impl]', '[]', '[ x ,y ]', '[1.10, 3.9]', '[a, b,]', "[a, 'b']", '[true, null, ~, False]', '[a] # c', '[a]#c', '[0x1F, 1e3, 00]'];
  const gen = (depth: number, indent: number): string[] => {
    const out: string[] = [];
    const pad = ' '.repeat(indent);
    const seq = rnd(3) === 0;
    for (let i = 1 + rnd(4); i > 0; i--) {
      if (rnd(10) === 0) out.push(pad + '# c');
      const head = seq ? pad + '-' : pad + keys[rnd(keys.length)] + ':';
      const r = rnd(5);
      if (depth < 3 && r === 0) out.push(head, ...gen(depth + 1, indent + 1 + rnd(3)));
      else if (depth < 3 && r === 1 && !seq) out.push(head, ...gen(depth + 1, indent));
      else if (depth < 3 && r === 2 && seq) {
        const sub = gen(depth + 1, indent + 2);
        out.push(head + ' ' + sub[0].trimStart(), ...sub.slice(1));
      } else {
        const v = vals[rnd(vals.length)];
        out.push(head + (v ? ' ' + v : ''));
        if (rnd(15) === 0) out.push(pad + '  more');
      }
      if (rnd(20) === 0) out.push(' '.repeat(rnd(6)) + 'stray: 1');
    }
    return out;
  };
  let answered = 0;
  for (let i = 0; i < 4000; i++) {
    const text = gen(0, 0).join('\n') + '\n';
    const fast = parseSimpleYaml(text);
    if (fast === UNSUPPORTED) continue;
    answered++;
    assert.equal(JSON.stringify(fast), JSON.stringify(parseFullYaml(text, 'f.yaml')), text);
  }
  assert.ok(answered > 500, `${answered} documents read by the fast reader`);
});

yaml('block scalars: the fast reader answers as the library :: seeded random documents', () => {
  let seed = 1031;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const headers = ['|', '|-', '|+', '>', '>-', '>+', '|  # c', '>- # c', '|2', '| x'];
  const rows = ['text', 'two words', '# not a comment', 'key: value', '- item', "it's \"quoted\"", '{{ jinja }}', '', '', ' ', '   ', '      '];
  const block = (indent: number): string[] => {
    const n = indent + 1 + rnd(3);
    const out: string[] = [];
    for (let i = rnd(5); i >= 0; i--) {
      const r = rows[rnd(rows.length)];
      out.push(r.trim() ? ' '.repeat(n + (rnd(8) === 0 ? 1 + rnd(2) : 0)) + r : r);
    }
    if (rnd(6) === 0) out.push(' '.repeat(rnd(n + 2)) + '# trailing comment');
    return out;
  };
  let answered = 0;
  for (let i = 0; i < 4000; i++) {
    const doc: string[] = [];
    for (let k = 1 + rnd(3); k > 0; k--) {
      const header = headers[rnd(headers.length)];
      const shape = rnd(3);
      if (shape === 0) doc.push(`k${k}: ${header}`, ...block(0));
      else if (shape === 1) doc.push(`k${k}:`, `  - ${header}`, ...block(2), '  - plain');
      else doc.push(`k${k}:`, `  sub: ${header}`, ...block(2), '  other: 1');
    }
    const text = doc.join('\n') + (rnd(4) ? '\n' : '');
    const fast = parseSimpleYaml(text);
    if (fast === UNSUPPORTED) continue;
    answered++;
    let full: unknown;
    try {
      full = parseFullYaml(text, 'f.yaml');
    } catch (err) {
      assert.unreachable(`the fast reader read what the library rejects: ${JSON.stringify(text)} ${(err as Error).message}`);
    }
    assert.equal(JSON.stringify(fast), JSON.stringify(full), JSON.stringify(text));
  }
  assert.ok(answered > 1000, `${answered} documents read by the fast reader`);
});

yaml('an alias whose anchor is not set before it :: RecipeYamlError at the alias line, not a bare ReferenceError', () => {
  try {
    parseRecipeYaml('package:\n  name: pkg\nrequirements:\n  run:\n    - *nvpkg\n', '/agg/pkg/recipe/meta.yaml');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RecipeYamlError);
    assert.is((err as Error).message, '/agg/pkg/recipe/meta.yaml:5: invalid YAML: Unresolved alias (the anchor must be set before the alias): nvpkg');
  }
});

yaml.run();
