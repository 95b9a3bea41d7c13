// `rebuild render` with this example's config: the plugin's recipes (found through run.hooks.discover)
// and its renderer (run.render) answer, as in a plan.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCommand, type RenderCommandOptions } from '../../../core/cli/commands/render.ts';

const here = dirname(fileURLToPath(import.meta.url));
const test = suite('wheel-builder: rebuild render');

async function render(args: string[], opts: Partial<RenderCommandOptions> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await renderCommand(args, opts as RenderCommandOptions, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd: here });
  return { code, stdout, stderr };
}

test('a feedstock the plugin discovers renders through its renderer', async () => {
  const r = await render(['unitconv'], { json: true, cache: false });
  assert.is(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.is(json.feedstock, 'unitconv');
  const out = json.variants[0].outputs[0];
  assert.is(out.name, 'unit-conv');
  assert.is(out.version, '0.3.1');
  assert.equal(out.requirements.run, ['python', 'tinyunits']);
});

test('--all lists both projects of the requirements.txt', async () => {
  const r = await render([], { all: true, json: true, cache: false });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).map((e: { feedstock: string }) => e.feedstock).sort(), ['tinyunits', 'unitconv']);
});

test.run();
