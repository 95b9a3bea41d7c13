import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecipeRenderError } from '../render-error.ts';
import { loadName, recipeTemplates, renameLoads } from './templates.ts';

const templates = suite('recipeTemplates', { dir: '' });

templates.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-templates-'));
});
templates.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

templates('what a recipe loads, transitively, once each; a recipe without tags loads nothing', ({ dir }) => {
  mkdirSync(join(dir, 'parts'));
  writeFileSync(join(dir, 'a.jinja'), "{% include 'parts/b.yaml' %}\n{% import \"a.jinja\" as again %}\n");
  writeFileSync(join(dir, 'parts', 'b.yaml'), '- x\n');
  const raw = "{% import 'a.jinja' as a %}\n{% from 'a.jinja' import y %}\n";
  const found = recipeTemplates(raw, join(dir, 'meta.yaml'), dir, 'f');
  assert.equal([...found.keys()], ['a.jinja', 'parts/b.yaml']);
  assert.is(found.get('parts/b.yaml')!.file, join(dir, 'parts', 'b.yaml'));
  assert.equal(recipeTemplates('package:\n  name: x\n', join(dir, 'meta.yaml'), dir, 'f').size, 0);
});

templates('a missing template or one outside the recipe dir is an error at the loading line of the loading file', ({ dir }) => {
  writeFileSync(join(dir, 'a.jinja'), "\n{% include 'nope.yaml' %}\n");
  const err = (raw: string) => {
    try {
      recipeTemplates(raw, join(dir, 'meta.yaml'), dir, 'f');
    } catch (e) {
      return e as RecipeRenderError;
    }
    throw new Error('no error');
  };
  const missing = err("{% import 'a.jinja' as a %}");
  assert.instance(missing, RecipeRenderError);
  assert.equal([missing.file, missing.line], [join(dir, 'a.jinja'), 2]);
  assert.match(missing.detail, "template 'nope.yaml' not found in the recipe dir");
  const outside = err("\n\n{% include '../../etc/x.yaml' %}");
  assert.equal([outside.file, outside.line], [join(dir, 'meta.yaml'), 3]);
  assert.match(outside.detail, 'outside the recipe dir');
});

templates('templates minijinja would auto-escape (*.yaml, *.json, ...) get a neutral name, references renamed', () => {
  assert.is(loadName('x.jinja'), 'x.jinja');
  assert.is(loadName('reqs.yaml'), 'reqs.yaml.jinja');
  assert.is(renameLoads("{% include 'reqs.yaml' %} {% import \"v.jinja\" as v %} 'reqs.yaml'"), "{% include 'reqs.yaml.jinja' %} {% import \"v.jinja\" as v %} 'reqs.yaml'");
});

templates.run();
