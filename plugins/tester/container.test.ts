// The same tests through the container runner (real podman, the busybox test image): the tester's
// commands go through task.exec, so they run in the container, with the test root mounted at its
// own path, and each test's own time limit stops the container. Needs podman (see .ci/install-system);
// fails with the reason when it is missing, never skips.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import type { TestReport } from '../../core/model/types.ts';
import { Engine } from '../../core/engine/engine.ts';
import { containerRunner } from '../runner-container/index.ts';
import { ensureTestImage } from '../runner-container/test-image.ts';
import { testConfig } from '../runner-container/test-task.ts';
import { built, output, testChannels, testTask as makeTask, type TestChannels } from './fixtures/test-channel.ts';
import { testTask } from './test-task.ts';

const c = suite('testTask in a container (podman)', { ch: null as unknown as TestChannels });
c.before.each(async (ctx) => {
  ctx.ch = await testChannels();
});
c.after.each((ctx) => ctx.ch.cleanup());

const SHPKG = `#!/bin/sh\n[ "$1" = --version ] && echo "shpkg 1.0 in $(cat /etc/os-name 2>/dev/null || echo a container)" && exit 0\nexit 1\n`;

c('commands run in the container with the test prefix mounted; a hanging one is stopped at its limit', async ({ ch }) => {
  const image = await ensureTestImage();
  const run = new Engine(testConfig([containerRunner({ images: { 'linux-64': image } })])).createRun();
  const a = await built(ch, { name: 'shpkg', files: { 'bin/shpkg': SHPKG } });
  const task = makeTask(ch, [a], [output('shpkg', {
    commands: [
      'shpkg --version',
      // The host has python3; the busybox image has none: this runs in the container.
      'test ! -e /usr/bin/python3 && test -x "$PREFIX/bin/$PKG_NAME"',
      'sleep 30',
    ],
  })]);
  task.exec = async (req) => (await run.hooks.exec.promise({ ...req, task }))!;
  const report: TestReport = { id: task.id, checks: [] };
  await testTask(task, report, { checkTimeoutSeconds: 2 });
  assert.equal(report.checks.map((k) => `${k.name}: ${k.ok ? 'ok' : `FAILED ${k.message}`}`), [
    'install: ok',
    'commands[0]: shpkg --version: ok',
    'commands[1]: test ! -e /usr/bin/python3 && test -x "$PREFIX/bin/$PKG_NAME": ok',
    'commands[2]: sleep 30: FAILED timed out after 2 s',
  ]);
  const log = readFileSync(task.logFile, 'utf8');
  assert.match(log, /shpkg 1\.0 in a container/);
  assert.match(log, /\[rebuild:runner-container\] timed out after 2000 ms/);
});

c.run();
