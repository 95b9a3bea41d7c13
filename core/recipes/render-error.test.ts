import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Environment } from 'minijinja-js';
import { RecipeRenderError, withoutJinjaDebug } from './render-error.ts';
import { renderErrorReason } from '../graph/render-nodes.ts';
import type { RecipeRef } from '../model/types.ts';

/** The text minijinja gives for a syntax error at line 3 (with its debug block, as our renderers get it). */
function jinjaSyntaxError(): string {
  const env = new Environment();
  env.enablePyCompat();
  try {
    env.renderStr('package:\n  name: x\n  - {% if %}\n', {});
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('minijinja rendered a broken template');
}

const errors = suite('render errors are one line');

errors('minijinja appends a debug block (what the rule is for)', () => {
  assert.match(jinjaSyntaxError(), /\n-{3,} .* -{3,}\n/);
});

errors('withoutJinjaDebug keeps the first line only; other text is left as it is', () => {
  const text = jinjaSyntaxError();
  assert.is(withoutJinjaDebug(text), text.split('\n')[0]);
  assert.is(withoutJinjaDebug('a: b\n  c'), 'a: b\n  c');
});

errors('RecipeRenderError and the plan node reason: located, one line', () => {
  const err = new RecipeRenderError('x', '/agg/x-feedstock/recipe/meta.yaml', 3, `jinja error: ${jinjaSyntaxError()}`);
  assert.not.match(err.message, '\n');
  assert.not.match(err.detail, '\n');
  const ref = { feedstock: 'x', file: '/agg/x-feedstock/recipe/meta.yaml' } as RecipeRef;
  const reason = renderErrorReason(ref, new Error('render failed', { cause: new Error(jinjaSyntaxError()) }));
  assert.ok(reason.startsWith('render error in /agg/x-feedstock/recipe/meta.yaml'), reason);
  assert.not.match(reason, '\n');
});

errors.run();
