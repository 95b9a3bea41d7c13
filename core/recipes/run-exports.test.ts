import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Target } from '../model/types.ts';
import { applyRunExports } from './run-exports.ts';
import { output, recipe, T } from './rendered-fixture.ts';
import { randomAggregate } from './random-aggregate-fixture.ts';

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

rx('the top-level build environment of a multi-output recipe :: strong exports of its build go to its host, nothing to run', () => {
  const gcc = output('gcc_impl', { runExports: { weak: ['ignored-weak'], strong: ['libgcc >=13'] } });
  const py = output('python', { version: '3.13.1', runExports: { weak: ['python_abi 3.13.* *_cp313'], strong: [] } });
  const lib = output('libthing', {}, { build: ['gcc_impl'], host: ['zlib'] });
  const split = recipe('thing', [lib]);
  split.variants[0].requirements = { build: ['gcc_impl', 'cmake'], host: ['python 3.13.*', 'mako'] };
  const noHost = recipe('other', [output('other')]);
  noHost.variants[0].requirements = { build: ['gcc_impl'], host: [] };
  const recipes = [recipe('gcc', [gcc]), recipe('python', [py]), split, noHost];
  applyRunExports(recipes);
  assert.equal(split.variants[0].requirements, { build: ['gcc_impl', 'cmake'], host: ['python 3.13.*', 'mako', 'libgcc >=13'] });
  assert.equal(noHost.variants[0].requirements, { build: ['gcc_impl'], host: [] }, 'without a host section the build env is the host: no package to export to');
  applyRunExports(recipes);
  assert.equal(split.variants[0].requirements.host, ['python 3.13.*', 'mako', 'libgcc >=13'], 'idempotent');
  assert.equal(lib.requirements.host, ['zlib', 'libgcc >=13']);
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
  const py = output('python', { version: '3.13.1', runExports: { weak: ['python_abi 3.13.* *_cp313'], strong: [], noarch: ['python'] } });
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
    const zlib = output('libz', { version: '1.3.1', runExports: { weak: ['libz >=1.3,<2.0a0'], strong: [] } });
    const png = output('libpng', { version: '1.6.43', runExports: { weak: ['libpng >=1.6'], strong: [] } }, { host: ['libz'] });
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

// python-feedstock (the newest python) beside python-3.13-feedstock: both build `python`.
const python = (version: string) => {
  const ver2 = version.split('.').slice(0, 2).join('.');
  return output('python', { version, runExports: { weak: [`python_abi ${ver2}.* *_cp${ver2.replace('.', '')}`], strong: [] } });
};

rx('several renderings of a name: only the one the spec and the variant resolve to exports', () => {
  const newest = python('3.14.0');
  const branch = python('3.13.1');
  const ext = output('ext', {}, { host: ['python'] });
  const pinned = output('pinned', {}, { host: ['python 3.13.*'] });
  // The newest python comes first in the aggregate: the first rendering of the name is not the one installed.
  applyRunExports([recipe('python', [newest]), recipe('python-3.13', [branch]), recipe('ext', [ext], T, false, { python: '3.13' }), recipe('pinned', [pinned])]);
  assert.equal(ext.requirements.run, ['python_abi 3.13.* *_cp313']);
  assert.equal(pinned.requirements.run, ['python_abi 3.13.* *_cp313']);

  // Pulled in through a run requirement, the same choice holds.
  const dev = output('python-dev', {}, { run: ['python'] });
  const user = output('user', {}, { host: ['python-dev'] });
  applyRunExports([recipe('python', [python('3.14.0')]), recipe('python-3.13', [python('3.13.1')]), recipe('dev', [dev]), recipe('user', [user])]);
  assert.equal(user.requirements.run, ['python_abi 3.13.* *_cp313']);
});

rx('no rendering satisfies the spec or the variant: the package comes from a channel, nothing is exported from the aggregate', () => {
  const ext = output('ext', {}, { host: ['python'] });
  const lib = output('uses-libq', {}, { host: ['libq 1.*'] });
  const libq2 = output('libq', { version: '2.0', runExports: { weak: ['libq >=2.0,<3.0a0'], strong: [] } });
  const libq3 = output('libq', { version: '3.0', runExports: { weak: ['libq >=3.0,<4.0a0'], strong: [] } });
  applyRunExports([recipe('python', [python('3.14.0')]), recipe('python-3.12', [python('3.12.7')]), recipe('ext', [ext], T, false, { python: '3.13' }), recipe('libq', [libq2]), recipe('libq-3', [libq3]), recipe('lib', [lib])]);
  assert.equal(ext.requirements.run, []);
  assert.equal(lib.requirements.run, []);
});

rx('only one rendering (a bootstrap build): what the full order gives, its own cycle iterated to the end', () => {
  // applyRunExports works out whether the one recipe reads what its own walks add (a search from it)
  // instead of ordering every recipe; applied together with one already applied recipe (idempotent:
  // it gains nothing), the whole order is made: both must give the same requirements.
  // (Applied once where its walks do read what they add, 4 of these 160 differ: seeds 1, 15, 17, 19.)
  for (let seed = 0; seed < 20; seed++) for (let pick = 0; pick < 8; pick++) {
    const make = () => randomAggregate(seed >> 1, seed % 2 === 1);
    const added = (others: ReturnType<typeof make>) => {
      const k = (seed * 7 + pick * 13) % others.length;
      const later = make()[k]; // the same recipe again, rendered later (e.g. python's bootstrap build)
      applyRunExports(others);
      return [...others, later];
    };
    const alone = added(make());
    applyRunExports(alone, new Set([alone[alone.length - 1]]));
    const ordered = added(make());
    applyRunExports(ordered, new Set([ordered[ordered.length - 1], ordered[0]]));
    assert.is(JSON.stringify(alone), JSON.stringify(ordered), `seed ${seed}, pick ${pick}`);
  }
});

rx.run();
