import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RenderedOutput, RenderedRecipe, Target } from '../engine/types.ts';
import { applyRunExports } from './run-exports.ts';

const T: Target = { subdir: 'linux-64', python: '3.13' };

function output(name: string, over: Partial<RenderedOutput> = {}, reqs: Partial<RenderedOutput['requirements']> = {}): RenderedOutput {
  return {
    name,
    version: '1.0',
    build: 'h0_0',
    buildNumber: 0,
    noarch: null,
    requirements: { build: [], host: [], run: [], run_constrained: [], ...reqs },
    test: { requires: [], imports: [], commands: [] },
    runExports: { weak: [], strong: [] },
    script: null,
    ...over,
  };
}

function recipe(feedstock: string, outputs: RenderedOutput[], target: Target = T, skip = false): RenderedRecipe {
  return {
    feedstock,
    target,
    recipe: { feedstock, dir: `/agg/${feedstock}`, file: `/agg/${feedstock}/meta.yaml`, format: 'meta.yaml', aggregate: '/agg', variantFiles: [] },
    variants: [{ variant: {}, skip, outputs, source: [], script: null, buildNumber: 0, about: {} }],
    warnings: [],
  };
}

const rx = suite('applyRunExports');

rx('weak exports of host deps and strong exports of build deps go to run :: without duplicates', () => {
  const zlib = output('libz', { runExports: { weak: ['libz >=1.3,<2.0a0'], strong: [] } });
  const gcc = output('gcc_impl', { runExports: { weak: ['ignored-weak'], strong: ['libgcc >=13'] } });
  const app = output('app', {}, { build: ['gcc_impl'], host: ['libz 1.3.*'], run: ['libz >=1.3,<2.0a0'] });
  const recipes = [recipe('zlib', [zlib]), recipe('gcc', [gcc]), recipe('app', [app])];
  applyRunExports(recipes);
  assert.equal(app.requirements.run, ['libz >=1.3,<2.0a0', 'libgcc >=13']);
  assert.equal(app.requirements.host, ['libz 1.3.*', 'libgcc >=13']);
  applyRunExports(recipes);
  assert.equal(app.requirements.run, ['libz >=1.3,<2.0a0', 'libgcc >=13'], 'idempotent');
});

rx('transitive host environment and constrains :: run requirements of host deps count', () => {
  const base = output('libbase', { runExports: { weak: ['libbase 2.*'], strong: [], weak_constrains: ['libbase-tools 2.*'] } });
  const dev = output('libbase-dev', {}, { run: ['libbase'] });
  const user = output('user', {}, { host: ['libbase-dev'] });
  applyRunExports([recipe('base', [base, dev]), recipe('user', [user])]);
  assert.equal(user.requirements.run, ['libbase 2.*']);
  assert.equal(user.requirements.run_constrained, ['libbase-tools 2.*']);
});

rx('noarch outputs only take noarch exports; ignore_run_exports(_from) are honoured', () => {
  const py = output('python', { runExports: { weak: ['python_abi 3.13.* *_cp313'], strong: [], noarch: ['python'] } });
  const lib = output('libq', { runExports: { weak: ['libq 1.*'], strong: [] } });
  const pure = output('pure', { noarch: 'python' }, { host: ['python 3.13.*', 'libq'] });
  const ext = output('ext', { ignoreRunExports: { names: ['python_abi'], from: ['libq'] } }, { host: ['python 3.13.*', 'libq'] });
  applyRunExports([recipe('python', [py]), recipe('libq', [lib]), recipe('pure', [pure]), recipe('ext', [ext])]);
  assert.equal(pure.requirements.run, ['python']);
  assert.equal(ext.requirements.run, []);
});

rx('targets stay apart; skipped variants export nothing; no self export', () => {
  const other: Target = { subdir: 'osx-arm64', python: '3.13' };
  const lib = output('libw', { runExports: { weak: ['libw 1.*'], strong: [] } }, { host: ['libw'] });
  const skipped = output('libs', { runExports: { weak: ['libs 1.*'], strong: [] } });
  const user = output('user', {}, { host: ['libw', 'libs'] });
  applyRunExports([recipe('libw', [lib], other), recipe('libs', [skipped], T, true), recipe('user', [user])]);
  assert.equal(user.requirements.run, []);
  assert.equal(lib.requirements.run, []);
});

rx('only: a rendering added later gets what applying all together gives it; the others are untouched', () => {
  const make = () => {
    const zlib = output('libz', { runExports: { weak: ['libz >=1.3,<2.0a0'], strong: [] } });
    const png = output('libpng', { runExports: { weak: ['libpng >=1.6'], strong: [] } }, { host: ['libz'] });
    const app = output('app', {}, { host: ['libpng'] });
    return [recipe('zlib', [zlib]), recipe('png', [png]), recipe('app', [app])];
  };
  const together = make();
  applyRunExports(together);
  const later = make();
  applyRunExports(later.slice(0, 2));
  const before = JSON.stringify(later.slice(0, 2));
  applyRunExports(later, new Set([later[2]]));
  assert.is(JSON.stringify(later.slice(0, 2)), before);
  assert.equal(later, together);
  assert.equal(later[2].variants[0].outputs[0].requirements.run, ['libpng >=1.6', 'libz >=1.3,<2.0a0']);
});

rx.run();
