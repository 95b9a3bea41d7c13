// The plugin's set-up: off without convert.to, config errors for an arch converting from itself or
// noarch (exit 78), one file per package converted (the .tar.bz2 when a build has both formats).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Engine } from '../../core/engine/engine.ts';
import { EXIT } from '../../core/engine/exit-codes.ts';
import { UserError } from '../../core/model/errors.ts';
import type { Artifact } from '../../core/model/types.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { converter, packagesToConvert } from './index.ts';

const s = suite('rebuild:converter set-up');

const runOf = (convert: { from?: string; to?: readonly string[] }) =>
  new Engine(fakeConfig('/tmp/rebuild-converter-unused', [converter()], { arches: ['linux-64', 'win-64'], convert: convert as never })).createRun();

s('off until convert.to lists arches; on, it answers run.hooks.buildFrom and builds win-64 before any builder', () => {
  assert.is(runOf({ to: [] }).hooks.buildFrom.taps.length, 0);
  const run = runOf({ from: 'linux-64', to: ['win-64'] });
  assert.equal(run.hooks.buildFrom.taps.map((t) => t.name), ['rebuild:converter']);
  assert.equal(run.hooks.build.for('win-64').taps.map((t) => t.name), ['rebuild:converter']);
  assert.is(run.hooks.build.for('linux-64').taps.length, 0);
});

s('an arch converting from itself, or noarch, is a config error (78)', () => {
  for (const [convert, message] of [
    [{ from: 'linux-64', to: ['linux-64', 'win-64'] }, /convert\.to lists linux-64, the arch convert\.from converts from/],
    [{ from: 'noarch', to: ['win-64'] }, /noarch packages serve every platform already/],
  ] as const) {
    const err = (() => {
      try {
        runOf(convert);
      } catch (e) {
        return e;
      }
      return assert.unreachable('accepted');
    })() as Error;
    // Thrown in apply: the engine wraps it (PluginHookError naming the plugin); the CLI exits with the cause's code.
    assert.is(err.name, 'PluginHookError');
    assert.match(err.message, /^plugin rebuild:converter failed in hook apply: /);
    const user = (err as { cause: unknown }).cause;
    assert.instance(user, UserError);
    assert.is((user as UserError).exitCode, EXIT.CONFIG);
    assert.match((user as UserError).message, message);
  }
});

s('packagesToConvert: one file per package, the .tar.bz2 when both formats are there', () => {
  const a = (filename: string) => ({ filename, path: `/c/linux-64/${filename}` }) as Artifact;
  assert.equal(packagesToConvert([a('x-1-0.conda'), a('x-1-0.tar.bz2'), a('y-1-0.conda')]).map((p) => p.filename), ['x-1-0.tar.bz2', 'y-1-0.conda']);
});

s.run();
