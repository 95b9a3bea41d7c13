import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../model/types.ts';
import { recipeFromPath } from '../discover.ts';
import { keyScope } from './key-scope.ts';
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
