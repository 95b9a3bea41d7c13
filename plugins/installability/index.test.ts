import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../core/engine/engine.ts';
import type { RunSummary } from '../../core/model/types.ts';
import { PluginOptionsError } from '../../core/engine/plugin-options.ts';
import { buildChannel, referenceChannel, testedChannel } from '../../core/installability/fixtures/channels.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { installability, PLUGIN_NAME } from './index.ts';

const summary = (interrupted = false): RunSummary => ({ runId: 1, startedAt: '', endedAt: '', counts: {}, results: [], notBuilt: [], planErrors: 0, interrupted });

const plugin = suite<{ dir: string }>('rebuild:installability');

plugin.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'installability-plugin-'));
});
plugin.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

function runWith(dir: string, notices: string[], over: Parameters<typeof fakeConfig>[2] = {}) {
  const work = join(dir, 'work');
  const config = fakeConfig(work, [installability({ notice: (m) => notices.push(m), threads: 1 })], {
    arches: ['linux-64', 'linux-aarch64'],
    ...over,
    channels: { tested: testedChannel(join(dir, 'tested')), build: [buildChannel(join(dir, 'conda-forge'))], ...over.channels },
  });
  return { run: new Engine(config).createRun({ arches: ['linux-aarch64'] }), work };
}

plugin('at the end of a run :: the run’s arches, files in <workDir>/report, one line that says what was found', async ({ dir }) => {
  const notices: string[] = [];
  const { run, work } = runWith(dir, notices);
  await run.hooks.report.promise(summary());
  assert.equal(notices, [`installability: linux-aarch64 2/3 installable with python 3.13; written to ${join(work, 'report')}/ (installability.junit.xml, installability.html)`]);
  const xml = readFileSync(join(work, 'report', 'installability.junit.xml'), 'utf8');
  assert.match(xml, /<testsuite name="installability linux-aarch64 python 3\.13" tests="3" failures="1"/);
  assert.not.match(xml, /linux-64/, '--arch narrowed the run to linux-aarch64');
  assert.ok(existsSync(join(work, 'report', 'installability.html')));
  assert.ok(existsSync(join(work, 'cache', 'installability')), 'solves are cached in the work dir');
});

plugin('a reference channel that cannot be read is a notice, never a failed run; an interrupted run checks nothing', async ({ dir }) => {
  const notices: string[] = [];
  const { run, work } = runWith(dir, notices, { channels: { reference: join(dir, 'no-such-channel') } });
  await run.hooks.report.promise(summary(true));
  assert.equal(notices, []);
  await run.hooks.report.promise(summary());
  assert.equal(notices, [`installability not checked: channel ${join(dir, 'no-such-channel')}: no such directory`]);
  assert.not.ok(existsSync(join(work, 'report', 'installability.html')));
});

plugin('the reference list is checked too', async ({ dir }) => {
  const notices: string[] = [];
  const { run } = runWith(dir, notices, { channels: { reference: referenceChannel(join(dir, 'reference')) } });
  await run.hooks.report.promise(summary());
  assert.match(notices.join('\n'), /^installability: linux-aarch64 3\/5 installable/);
});

plugin('options :: enabled false taps nothing; options are validated', async ({ dir }) => {
  const config = fakeConfig(join(dir, 'work'), [installability({ enabled: false })]);
  assert.is(new Engine(config).createRun().hooks.report.taps.length, 0);
  assert.throws(() => installability({ threads: 0 }), (e: unknown) => e instanceof PluginOptionsError && new RegExp(PLUGIN_NAME).test((e as Error).message));
});

plugin.run();
