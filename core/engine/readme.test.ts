// core/engine/README.md is the hook reference: every hook of Engine and Run has its section there.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Engine } from './engine.ts';
import { resolveConfig } from '../config/resolve.ts';

const readme = suite('core/engine/README.md');

readme('documents every engine and run hook', () => {
  const text = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const config = resolveConfig({ python: { from: '3.12', to: '3.13' }, arches: ['linux-64'], aggregate: '.' }, { rootDir: '/tmp', profile: null });
  const engine = new Engine(config);
  const run = engine.createRun();
  const names = [...Object.keys(engine.hooks).map((k) => `engine.${k}`), ...Object.keys(run.hooks).map((k) => `run.${k}`)];
  const missing = names.filter((n) => !text.includes(`### \`${n}\``));
  assert.equal(missing, [], `hooks without a section in core/engine/README.md: ${missing.join(', ')}`);
});

readme.run();
