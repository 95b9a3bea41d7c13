import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { MissingDescriptionError, referenceRows, renderConfigReference, spliceReference, START_MARKER, END_MARKER } from './reference.ts';
import type { JsonSchema } from './schema.ts';

const r = suite('config reference');

r('a row per schema property, with type, default, merge strategy and description', () => {
  const rows = referenceRows();
  const row = (key: string) => rows.find((x) => x.key === key);
  assert.equal(row('concurrency'), { key: 'concurrency', type: 'integer', default: '`2`', merge: 'replace', description: 'Number of concurrent build slots.' });
  assert.is(row('blocklist')!.merge, 'union');
  assert.is(row('plugins')!.merge, 'by-name');
  assert.is(row('limits')!.merge, 'assign (arch: assign, builder: assign)');
  assert.is(row('bootstrap.chain')!.merge, 'replace');
  assert.is(row('python.to')!.default, 'required');
  assert.is(row('arches')!.type, 'subdir[]');
  assert.is(row('profiles')!.merge, 'base only');
  assert.ok(row('extraVersions.<name>[].version'));
  assert.ok(row('profiles.<name>.extends'));
  assert.not.ok(row('profiles.<name>.arches'), 'profile keys are the top-level keys, documented once');
});

r('fails, naming each property that has no description', () => {
  const schema: JsonSchema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'object', properties: { c: { type: 'number' } }, description: 'b' } } };
  try {
    referenceRows(schema, {});
    assert.unreachable('expected MissingDescriptionError');
  } catch (err) {
    assert.instance(err, MissingDescriptionError);
    assert.is((err as Error).message, 'schema properties without a description: a, b.c');
  }
});

r('spliceReference replaces only the marked section', () => {
  const readme = `# x\n\n${START_MARKER}\nold\n${END_MARKER}\n\n## after\n`;
  assert.is(spliceReference(readme, 'NEW'), `# x\n\n${START_MARKER}\nNEW\n${END_MARKER}\n\n## after\n`);
  assert.throws(() => spliceReference('# no markers', 'x'), /no <!-- config-reference:start -->/);
});

r('the README section is current (as `gen-config-docs --check` would say)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.is(spliceReference(readme, renderConfigReference()), readme, 'run `npx tsx scripts/gen-config-docs.ts`');
});

r('the merge table is rendered as "How profiles merge"', () => {
  const text = renderConfigReference();
  assert.match(text, '### How profiles merge');
  assert.match(text, '| by-name | `plugins` |');
});

r.run();
