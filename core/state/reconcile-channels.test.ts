// Our channels' indexes follow their files at the start of a run: a deleted artifact of the
// bootstrap chain and a changed one of the output channel are dropped from repodata.json before
// anything is built (no solver picks them), rebuilt, and the channels end as they were.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine/engine.ts';
import { executeRun } from '../engine/execute.ts';
import { STAGE } from '../engine/stage.ts';
import type { Plugin } from '../model/plugin.ts';
import { ChannelIndexWriter } from '../conda/repodata.ts';
import { isPackageFile } from '../conda/package-types.ts';
import { hostRunner } from '../../plugins/runner-host/index.ts';
import { bootstrap } from '../../plugins/bootstrap/index.ts';
import { stepBuilder } from '../../tests/fixtures/step-builder.ts';
import { fakeConfig } from '../../tests/fixtures/fake-config.ts';
import { fakePlan } from '../../tests/fixtures/fake-plan.ts';
import { channelBytes } from '../../tests/fixtures/channel-bytes.ts';
import { reconcileChannelIndexes } from './reconcile-channels.ts';

const reconcile = suite('channel index reconciliation');

reconcile.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-reconcile-'));
});
reconcile.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

// A bootstrap chain: python built first for the bootstrap channel, pip with it, then the final python.
const CHAIN = { 'python@bootstrap': [], pip: ['python@bootstrap'], python: ['pip'] };

const indexed = (channel: string) => Object.keys(JSON.parse(readFileSync(join(channel, 'linux-64', 'repodata.json'), 'utf8')).packages).sort();

/** One run of the chain through the host runner; `observe` sees the first task before its build. */
async function runChain(work: string, observe?: () => void) {
  const built: string[] = [];
  let seen = false;
  const observer: Plugin = {
    name: 'test:observer',
    apply(engine) {
      engine.hooks.run.tap('test:observer', (run) => {
        run.hooks.prepareTask.tap({ name: 'test:observer', stage: STAGE.PIN }, (task) => {
          if (!seen) observe?.();
          seen = true;
          built.push(task.id);
          return task;
        });
      });
    },
  };
  const notices: string[] = [];
  const engine = new Engine(fakeConfig(work, [observer, bootstrap(), stepBuilder({ steps: 1, stepSeconds: '0', marker: 'rebuild-reconcile-test', hold: join(work, 'no-hold') }), hostRunner()], {
    channels: { reference: null, target: null, build: [], staging: null, production: null },
  }));
  const run = engine.createRun();
  const outcome = await executeRun(run, [fakePlan(run.targets[0], CHAIN)], { notice: (m) => notices.push(m) });
  return { outcome, built: built.sort(), notices };
}

reconcile('a deleted bootstrap artifact and a changed output artifact leave the index before any build, and are rebuilt alone', async (ctx) => {
  const work = join(ctx.dir, 'work');
  const first = await runChain(work);
  assert.is(first.outcome.exitCode, 0);
  assert.equal(first.built, ['pip', 'python', 'python@bootstrap']);
  const before = channelBytes(work);
  const boot = join(work, 'bootstrap-channel');
  const out = join(work, 'channel');
  assert.equal(indexed(boot), ['python-1.0-py313_0.tar.bz2']);
  assert.equal(indexed(out), ['pip-1.0-py313_0.tar.bz2', 'python-1.0-py313_0.tar.bz2']);

  // Lost: the bootstrap python; changed in place, same size: pip of the output channel.
  unlinkSync(join(boot, 'linux-64', 'python-1.0-py313_0.tar.bz2'));
  const pip = join(out, 'linux-64', 'pip-1.0-py313_0.tar.bz2');
  const bytes = readFileSync(pip);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(pip, bytes);

  let atStart: { boot: string[]; out: string[] } | null = null;
  const second = await runChain(work, () => (atStart = { boot: indexed(boot), out: indexed(out) }));
  assert.is(second.outcome.exitCode, 0);
  assert.equal(atStart, { boot: [], out: ['python-1.0-py313_0.tar.bz2'] }, 'the index listed files that are gone or changed when the first build started');
  assert.equal(second.built, ['pip', 'python@bootstrap']);
  assert.match(second.notices.join('\n'), /bootstrap-channel\/linux-64\/repodata\.json: dropped 1 stale entry \(python-1\.0-py313_0\.tar\.bz2: file missing\)/);
  assert.match(second.notices.join('\n'), /channel\/linux-64\/repodata\.json: dropped 1 stale entry \(pip-1\.0-py313_0\.tar\.bz2: changed since it was built\)/);
  assert.equal(channelBytes(work), before);
});

reconcile('derived index files a killed writer left behind (no repodata.json.zst) are written again, though nothing is built into that channel', async (ctx) => {
  const work = join(ctx.dir, 'work');
  assert.is((await runChain(work)).outcome.exitCode, 0);
  const before = channelBytes(work);
  // What a run killed within the derived files' interval leaves: repodata.json ahead, the .zst
  // removed, run_exports.json and channeldata.json of an earlier write.
  const boot = join(work, 'bootstrap-channel');
  unlinkSync(join(boot, 'linux-64', 'repodata.json.zst'));
  writeFileSync(join(boot, 'linux-64', 'run_exports.json'), '{"info": {"subdir": "linux-64"}, "packages": {}, "packages.conda": {}}\n');
  writeFileSync(join(boot, 'channeldata.json'), '{"channeldata_version": 1, "packages": {}, "subdirs": []}\n');
  const behind: string[] = [];
  await reconcileChannelIndexes([boot, join(work, 'channel')], new Set(), undefined, behind);
  assert.equal(behind, [join(boot, 'linux-64')]);
  const again = await runChain(work);
  assert.is(again.outcome.exitCode, 0);
  assert.equal(again.built, []);
  assert.equal(channelBytes(work), before);
});

reconcile('the tested channel a killed run left mid-write (repodata.json a link to a dead writer\'s generation, derived files behind, a file unindexed) is settled though nothing is tested', async (ctx) => {
  const work = join(ctx.dir, 'work');
  assert.is((await runChain(work)).outcome.exitCode, 0);
  // A tested channel as the tester leaves it: two packages copied in and indexed.
  const tested = join(work, 'tested');
  mkdirSync(join(tested, 'linux-64'), { recursive: true });
  for (const name of ['pip-1.0-py313_0.tar.bz2', 'python-1.0-py313_0.tar.bz2']) writeFileSync(join(tested, 'linux-64', name), readFileSync(join(work, 'channel', 'linux-64', name)));
  const writer = new ChannelIndexWriter(tested);
  await writer.update(['linux-64'], [], { complete: true });
  await writer.close();
  const before = channelBytes(work, ['tested']);
  assert.equal(indexed(tested), ['pip-1.0-py313_0.tar.bz2', 'python-1.0-py313_0.tar.bz2']);
  // Killed mid-write: repodata.json a link to the dead writer's generation (listing pip only: python
  // was copied in after it), the derived files of an earlier write, no .zst.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const sub = join(tested, 'linux-64');
  const data = JSON.parse(readFileSync(join(sub, 'repodata.json'), 'utf8'));
  delete data.packages['python-1.0-py313_0.tar.bz2'];
  writeFileSync(join(sub, `.repodata.json.${dead}.3`), `${JSON.stringify(data, null, 1)}\n`);
  unlinkSync(join(sub, 'repodata.json'));
  symlinkSync(`.repodata.json.${dead}.3`, join(sub, 'repodata.json'));
  unlinkSync(join(sub, 'repodata.json.zst'));
  writeFileSync(join(sub, 'run_exports.json'), '{"info": {"subdir": "linux-64"}, "packages": {}, "packages.conda": {}}\n');
  writeFileSync(join(tested, 'channeldata.json'), '{"channeldata_version": 1, "packages": {}, "subdirs": []}\n');
  const again = await runChain(work);
  assert.is(again.outcome.exitCode, 0);
  assert.equal(again.built, []);
  assert.ok(lstatSync(join(sub, 'repodata.json')).isFile(), 'repodata.json a regular file again');
  assert.equal(readdirSync(sub).filter((n) => n.startsWith('.repodata.json.')), []);
  assert.equal(channelBytes(work, ['tested']), before);
});

reconcile('reconcileChannelIndexes: drops entries of missing files and of files known changed; an index with nothing stale is left byte for byte', async (ctx) => {
  const work = join(ctx.dir, 'work');
  assert.is((await runChain(work)).outcome.exitCode, 0);
  const out = join(work, 'channel');
  const index = join(out, 'linux-64', 'repodata.json');
  const original = readFileSync(index);
  assert.equal(await reconcileChannelIndexes([out, join(ctx.dir, 'nowhere')]), []);
  assert.ok(readFileSync(index).equals(original));

  // Temp files of a killed writer (a dead pid) go; a live writer's (this process) stay.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const temps = [`.pip-1.0-py313_0.conda.info.${dead}.0a1b2c3d.tmp`, `..pip-1.0-py313_0.conda.info.${dead}.0a1b2c3d.tmp.tar.${dead}.9f8e7d6c.tmp`, `.pip-1.0-py313_0.conda.${process.pid}.12345678.tmp`];
  for (const t of temps) writeFileSync(join(out, 'linux-64', t), 'part');
  assert.equal(await reconcileChannelIndexes([out]), []);
  assert.equal(readdirSync(join(out, 'linux-64')).filter((n) => n.endsWith('.tmp')), [temps[2]]);
  unlinkSync(join(out, 'linux-64', temps[2]));
  assert.ok(readFileSync(index).equals(original));

  unlinkSync(join(out, 'linux-64', 'pip-1.0-py313_0.tar.bz2'));
  assert.ok(existsSync(join(out, 'linux-64', 'repodata.json.zst')));
  const dropped = await reconcileChannelIndexes([out], new Set([join(out, 'linux-64', 'python-1.0-py313_0.tar.bz2')]));
  assert.equal(dropped.map((d) => `${d.filename} ${d.why}`), ['pip-1.0-py313_0.tar.bz2 missing', 'python-1.0-py313_0.tar.bz2 changed']);
  // The .zst listed the dropped entries (solvers read it before repodata.json): gone with them.
  assert.not.ok(existsSync(join(out, 'linux-64', 'repodata.json.zst')), 'a repodata.json.zst listing dropped entries was left');
  // The rest is as the index writer writes it: an empty channel's index, byte for byte.
  unlinkSync(join(out, 'linux-64', 'python-1.0-py313_0.tar.bz2'));
  const reconciled = readFileSync(index, 'utf8');
  rmSync(index);
  await new ChannelIndexWriter(out).update(['linux-64']);
  assert.is(reconciled, readFileSync(index, 'utf8'));
});

reconcile('a subdir with package files and no repodata.json (a run killed before its first index write): its files are unindexed, not behind', async (ctx) => {
  const work = join(ctx.dir, 'work');
  assert.is((await runChain(work)).outcome.exitCode, 0);
  const out = join(work, 'channel');
  const sub = join(out, 'linux-64');
  for (const name of readdirSync(sub)) if (!isPackageFile(name)) rmSync(join(sub, name), { recursive: true, force: true });
  mkdirSync(join(out, 'osx-64'));
  const unindexed: string[] = [];
  const behind: string[] = [];
  assert.equal(await reconcileChannelIndexes([out], new Set(), unindexed, behind), []);
  assert.equal(unindexed, readdirSync(sub).filter(isPackageFile).sort().map((n) => join(sub, n)));
  assert.ok(unindexed.length >= 2);
  assert.equal(behind, [], 'a subdir without an index has no derived files behind it');
  assert.not.ok(existsSync(join(sub, 'repodata.json')), 'nothing written: the caller indexes the files');
});

reconcile('a repodata.json a killed writer left as a symlink to its generation file becomes a regular file; a dangling one is rebuilt', async (ctx) => {
  // A process that is gone: its pid names the generation files, as a SIGKILLed run's writer's would.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const sub = join(ctx.dir, 'bootstrap-channel', 'linux-64');
  mkdirSync(sub, { recursive: true });
  const index = '{\n "info": {\n  "subdir": "linux-64"\n },\n "packages": {},\n "packages.conda": {},\n "removed": [],\n "repodata_version": 1\n}\n';
  writeFileSync(join(sub, `.repodata.json.${dead}.2`), 'an older generation');
  writeFileSync(join(sub, `.repodata.json.${dead}.7`), index);
  symlinkSync(`.repodata.json.${dead}.7`, join(sub, 'repodata.json'));
  // A live writer's link (this process) is its own business: left alone.
  const live = join(ctx.dir, 'channel', 'linux-64');
  mkdirSync(live, { recursive: true });
  writeFileSync(join(live, `.repodata.json.${process.pid}.1`), index);
  symlinkSync(`.repodata.json.${process.pid}.1`, join(live, 'repodata.json'));

  await reconcileChannelIndexes([join(ctx.dir, 'bootstrap-channel'), join(ctx.dir, 'channel')]);
  assert.ok(lstatSync(join(sub, 'repodata.json')).isFile(), 'a regular file');
  assert.is(readFileSync(join(sub, 'repodata.json'), 'utf8'), index, 'the same bytes');
  assert.equal(readdirSync(sub), ['repodata.json'], 'the dead writer\'s generation files removed');
  assert.ok(lstatSync(join(live, 'repodata.json')).isSymbolicLink(), 'a live writer\'s link is kept');

  // The generation file itself gone too (a dangling link): rebuilt from the package files (none here).
  unlinkSync(join(sub, 'repodata.json'));
  symlinkSync(`.repodata.json.${dead}.9`, join(sub, 'repodata.json'));
  await reconcileChannelIndexes([join(ctx.dir, 'bootstrap-channel')]);
  assert.ok(lstatSync(join(sub, 'repodata.json')).isFile());
  assert.equal(JSON.parse(readFileSync(join(sub, 'repodata.json'), 'utf8')).packages, {});
});

reconcile.run();
