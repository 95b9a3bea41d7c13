import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../model/types.ts';
import { recipeFromPath } from '../discover.ts';
import { keyScope, recipeLiterals } from './key-scope.ts';
import { forEachJinjaBlock } from '../variants.ts';
import { renderMetaYamlHere } from './render.ts';

const config = (keys: string[]) => ({ values: Object.freeze(Object.fromEntries(keys.map((k) => [k, ['1']]))), zipKeys: [], extra: {} });

const scope = suite('keyScope');

scope('a recipe names its keys: Jinja names, requirements (- and _ alike), lower-cased names, scripts', () => {
  const c = config(['openssl', 'libxml2', 'foo_bar', 'pixman', 'cmake_args', 'zlib', 'unused', 'c_compiler', 'gcc_linux-64', 'python']);
  const s = keyScope(['{% set name = "Pixman" %}\n  - openssl\n  - foo-bar  # [libxml2 > 1]\n', 'cmake ${CMAKE_ARGS} ${cmake_args}'], c);
  assert.equal(s.keys, ['openssl', 'libxml2', 'foo_bar', 'pixman', 'cmake_args', 'c_compiler', 'gcc_linux-64', 'python']);
});

scope('covers: a rendered text naming a key out of scope is not covered; words inside a name are not names', () => {
  const c = config(['openssl', 'r', 'zlib']);
  const s = keyScope(['  - openssl\n'], c);
  assert.ok(s.covers('  - openssl 3.*\n  - r-xml2\n'));
  assert.not.ok(s.covers('  - zlib\n'));
  // In a selector, `r-base` is r minus base: r is read.
  assert.not.ok(s.covers('  - foo  # [r-base]\n'));
});

scope('covers with the recipe\'s literals answers as covers of the whole text :: seeded random recipes and renders', () => {
  // A render copies the recipe's text between its Jinja blocks, drops or repeats some of it, and
  // puts anything where the blocks were: the parts equal to the recipe's need not be read.
  const c = config(['zlib', 'openssl', 'foo_bar', 'r', 'numpy', 'libxml2', 'xz', 'bzip2', 'curl']);
  let seed = 907;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const pieces = ['  - openssl\n', 'requirements:\n', '  host:\n', '    - foo-bar >=1\n', 'about: text xz\n', ' ', '\n', 'source:\n  url: https://x/y.tar.gz\n', '{{ name }}', '{% if x %}', '{% endif %}', '{{ compiler("c") }}', 'numpy', 'zlib', '-', '.', 'fetch with cu', 'rl as the tool\n', '{{ v }}', '{{ v }}'];
  const made = ['', 'zlib', 'numpy', 'z', 'lib', 'xml2', 'open', 'foo', '_bar', '1.2', ' ', '\n  - r-base\n', 'libxml2', 'bzip2', 'cu', 'rl', 'curl', 'cu', 'rl'];
  const seen = { covered: 0, not: 0 };
  for (let round = 0; round < 1500; round++) {
    let recipe = '';
    for (let k = rnd(14); k >= 0; k--) recipe += pieces[rnd(pieces.length)];
    const s = keyScope([recipe], c);
    // The render: each literal part copied (or dropped, or twice), each block replaced by made text.
    let render = '';
    let from = 0;
    const literal = (text: string) => {
      const how = rnd(6);
      if (how === 0) return '';
      if (how === 1) return text + text;
      if (how === 2) return text.slice(rnd(text.length + 1));
      return text;
    };
    forEachJinjaBlock(recipe, (_, start, end) => {
      render += literal(recipe.slice(from, start)) + made[rnd(made.length)] + (rnd(3) ? '' : made[rnd(made.length)]);
      from = end;
    });
    render += literal(recipe.slice(from));
    const whole = s.covers(render);
    assert.is(s.covers(render, recipeLiterals(recipe)), whole, JSON.stringify([recipe, render]));
    seen[whole ? 'covered' : 'not']++;
  }
  assert.ok(seen.covered > 100 && seen.not > 30, JSON.stringify(seen));
});

scope('debug() shows the whole context: every key', () => {
  assert.is(keyScope(['{{ debug() }}'], config(['a', 'b'])).keys, null);
});

const render = suite('renderMetaYaml: keys named only by what the render makes');
let dir = '';
render.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebuild-key-scope-'));
});
render.after(() => rmSync(dir, { recursive: true, force: true }));

render('a requirement built by Jinja and an output script reading a key get the full variant', async () => {
  const agg = join(dir, 'agg');
  const recipe = join(agg, 'built-feedstock', 'recipe');
  mkdirSync(recipe, { recursive: true });
  writeFileSync(join(agg, 'conda_build_config.yaml'), 'openssl:\n  - 3\nzlib:\n  - 1.3\nspecial_flag:\n  - on\n  - off\n');
  writeFileSync(
    join(recipe, 'meta.yaml'),
    [
      '{% set lib = "open" ~ "ssl" %}',
      'package:',
      '  name: built',
      '  version: 1.0',
      'requirements:',
      '  host:',
      '    - {{ lib }}',
      'outputs:',
      '  - name: built',
      '    script: install.sh',
      '    requirements:',
      '      host:',
      '        - {{ lib }}',
      '',
    ].join('\n'),
  );
  // The output's own script reads a key that no text of the recipe names before the render.
  writeFileSync(join(recipe, 'install.sh'), 'make install FLAG=${special_flag} \n');
  const target: Target = { subdir: 'linux-64', python: '3.13' };
  const r = await renderMetaYamlHere(await recipeFromPath(recipe), target);
  const o = r.variants[0].outputs[0];
  // Pinned by the variant as conda-build does: the key is in the variant although the recipe's
  // text never names it (only the rendered text does).
  assert.equal(o.requirements.host, ['openssl 3.*']);
  // special_flag is used by the output's script: it is in the hash (its first value, 'on').
  const plain = o.build;
  writeFileSync(join(recipe, 'install.sh'), 'make install\n');
  const without = (await renderMetaYamlHere(await recipeFromPath(recipe), target)).variants[0].outputs[0].build;
  assert.is.not(plain, without);
});

scope.run();
render.run();
