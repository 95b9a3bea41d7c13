import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Engine } from '../../engine/engine.ts';
import type { Plugin } from '../../model/plugin.ts';
import type { Subdir } from '../../model/types.ts';
import { BuildFailureError } from '../../model/failure.ts';
import { StateDb } from '../../state/state-db.ts';
import { LocalChannel } from '../../conda/channel.ts';
import { fakeConfig } from '../../../tests/fixtures/fake-config.ts';
import { fakePlan } from '../../../tests/fixtures/fake-plan.ts';
import { publisher } from '../../../plugins/publisher/index.ts';
import { makePackage } from '../../../plugins/publisher/test-fixtures.ts';
import { runRunCommand } from './run.ts';
import { runPromoteCommand, runPublishCommand } from './publish.ts';
import { statusCommand } from './status.ts';

const SPEC = { numpy: [], scipy: ['numpy'] };
const ARCHES: Subdir[] = ['linux-64', 'win-64'];

/** Builds real (small) conda packages named after the feedstock; fails `fail` on its arch. */
function realBuilder(fail: { id: string; subdir: string } | null = null): Plugin {
  return {
    name: 'test:real-builder',
    apply(engine) {
      engine.hooks.run.tap('test:real-builder', (run) => {
        for (const subdir of ARCHES) {
          run.hooks.build.for(subdir).tapPromise('test:real-builder', async (task) => {
            if (fail && task.id === fail.id && subdir === fail.subdir) throw new BuildFailureError(`no ${task.id} on ${subdir}`, 'build');
            const artifact = await makePackage(task.outputChannel, { name: task.node.feedstock, subdir: subdir as Subdir });
            return { builder: 'test:real-builder', artifacts: [artifact] };
          });
        }
      });
    },
  };
}

/** `rebuild run` with publishing off (no publisher): the packages finish their stages, nothing is published. */
async function build(dir: string, fail: { id: string; subdir: string } | null = null) {
  const engine = new Engine(fakeConfig(dir, [realBuilder(fail)], { arches: ARCHES }));
  return runRunCommand(engine, {}, { progress: new PassThrough() as any, notice: () => {}, signal: new AbortController().signal, argv: ['run'] }, {
    plan: async (run) => run.targets.map((t) => fakePlan(t, SPEC)),
  });
}

async function capture(fn: (io: { write(t: string): void }) => Promise<number>) {
  let out = '';
  const code = await fn({ write: (t) => void (out += t) });
  return { code, out };
}

const publishing = (dir: string) => new Engine(fakeConfig(dir, [publisher()], { arches: ARCHES }));
const packagesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.conda')).sort() : []);
const groupStatus = (dir: string) => {
  const db = StateDb.open(dir, { readonly: true });
  try {
    return Object.fromEntries(db.groups().map((g) => [g.key, g.status]));
  } finally {
    db.close();
  }
};

const cli = suite('rebuild publish / promote');

cli.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-publish-'));
});
cli.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cli('publish --dry-run says what would be published and writes nothing; publish publishes it, without building', async (ctx) => {
  assert.is(await build(ctx.dir), 0);
  assert.equal(groupStatus(ctx.dir), {});
  const dry = await capture((io) => runPublishCommand(publishing(ctx.dir), { dryRun: true }, io));
  assert.is(dry.code, 0);
  assert.match(dry.out, /numpy-1.0-py3.13: would-publish\n  copy +linux-64\/numpy-1.0-py313h0_0.conda\n  copy +win-64\/numpy-1.0-py313h0_0.conda\n/);
  assert.match(dry.out, /2 would publish, 0 would fail, 0 held\n$/);
  assert.not.ok(existsSync(join(ctx.dir, 'production')));
  assert.equal(groupStatus(ctx.dir), {}, 'a dry run records nothing');

  const json = await capture((io) => runPublishCommand(publishing(ctx.dir), { json: true }, io));
  assert.is(json.code, 0);
  const out = JSON.parse(json.out);
  assert.equal(out.groups.map((g: any) => [g.key, g.status]), [['numpy-1.0-py3.13', 'published'], ['scipy-1.0-py3.13', 'published']]);
  assert.match(out.groups[0].reason, /^2 artifact\(s\) published to .*production by rebuild:publisher$/, out.groups[0].reason);
  assert.equal(packagesIn(join(ctx.dir, 'production')), [
    'linux-64/numpy-1.0-py313h0_0.conda', 'linux-64/scipy-1.0-py313h0_0.conda', 'win-64/numpy-1.0-py313h0_0.conda', 'win-64/scipy-1.0-py313h0_0.conda',
  ]);
  assert.equal(groupStatus(ctx.dir), { 'numpy-1.0-py3.13': 'published', 'scipy-1.0-py3.13': 'published' });
  assert.ok(existsSync(join(ctx.dir, 'logs', 'publish', 'numpy-1.0-py3.13.log')));
  // Nothing left to do.
  const again = await capture((io) => runPublishCommand(publishing(ctx.dir), {}, io));
  assert.equal([again.code, again.out], [0, 'nothing to publish: no group is waiting\n']);
});

cli('a group with an arch that did not build is held, with the arch named', async (ctx) => {
  assert.is(await build(ctx.dir, { id: 'scipy', subdir: 'win-64' }), 1);
  const r = await capture((io) => runPublishCommand(publishing(ctx.dir), {}, io));
  assert.is(r.code, 0);
  assert.match(r.out, /scipy-1.0-py3.13: held — waiting for win-64 \(failed at build\)/);
  assert.match(r.out, /1 published, 0 failed, 1 held/);
  assert.equal(packagesIn(join(ctx.dir, 'production')), ['linux-64/numpy-1.0-py313h0_0.conda', 'win-64/numpy-1.0-py313h0_0.conda']);
});

cli('a failed group: exit 1, notice written; promote after the cause is fixed publishes it', async (ctx) => {
  assert.is(await build(ctx.dir), 0);
  // Production holds another numpy under the same name (an earlier campaign's build).
  const other = await makePackage(join(ctx.dir, 'other'), { name: 'numpy', subdir: 'win-64', content: 'an earlier numpy\n' });
  await new LocalChannel(join(ctx.dir, 'production')).add([other.path]);
  const r = await capture((io) => runPublishCommand(publishing(ctx.dir), {}, io));
  assert.is(r.code, 1);
  assert.match(r.out, /numpy-1.0-py3.13: failed — .*validation of numpy-1.0-py3.13 failed: win-64\/numpy-1.0-py313h0_0.conda: .*holds win-64\/numpy-1.0-py313h0_0.conda already with other content/, r.out);
  assert.equal(groupStatus(ctx.dir)['numpy-1.0-py3.13'], 'failed');
  assert.ok(existsSync(join(ctx.dir, 'notices', 'numpy.md')));
  // status names the failure with its reason, per arch.
  const status = await capture((io) => statusCommand([], { workDir: ctx.dir }, io));
  assert.match(status.out, /linux-64 numpy: built, publish failed \(publish\): .*holds win-64\/numpy-1.0-py313h0_0.conda already with other content/, status.out);
  assert.match(status.out, /publish groups: 1 failed, 1 published/);
  // promote only takes failed groups, by name.
  const rejects = (p: Promise<unknown>) => p.then(() => '', (e) => String(e.message));
  assert.match(await rejects(runPromoteCommand(publishing(ctx.dir), ['scipy'], {})), /scipy did not fail \(scipy-1.0-py3.13: published\)/);
  assert.match(await rejects(runPromoteCommand(publishing(ctx.dir), ['pandas'], {})), /no publish group named pandas; the groups are: numpy-1.0-py3.13, scipy-1.0-py3.13/);
  // The old file is removed from production; promote validates and copies again.
  await new LocalChannel(join(ctx.dir, 'production')).remove([other.filename]);
  const p = await capture((io) => runPromoteCommand(publishing(ctx.dir), ['numpy'], {}, io));
  assert.is(p.code, 0, p.out);
  assert.match(p.out, /numpy-1.0-py3.13: published/);
  assert.equal(groupStatus(ctx.dir)['numpy-1.0-py3.13'], 'published');
  assert.not.ok(existsSync(join(ctx.dir, 'notices', 'numpy.md')));
});

cli.run();
