import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Engine } from '../../engine/engine.ts';
import { displayPath } from '../../config/errors.ts';
import { fakeBuilder } from '../../../tests/fixtures/fake-builder.ts';
import { fakeConfig } from '../../../tests/fixtures/fake-config.ts';
import { fakePlan } from '../../../tests/fixtures/fake-plan.ts';
import { runRunCommand } from './run.ts';

const warnings = suite('rebuild run: plan warnings');

warnings.before.each((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rebuild-run-warnings-'));
});
warnings.after.each((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

warnings('a blocklist entry that blocks nothing is said by run (once for all arches), other plan warnings are counted', async (ctx) => {
  const configFile = join(ctx.dir, 'rebuild.config.yaml');
  const engine = new Engine(fakeConfig(ctx.dir, [fakeBuilder()], { arches: ['linux-64', 'win-64'], configFile }));
  const typo = { feedstock: '', file: displayPath(configFile), message: "/blocklist/0/name: 'heavy_ml' matches no package or feedstock on linux-64, so it blocks nothing; did you mean 'heavy-ml'?" };
  const notices: string[] = [];
  const code = await runRunCommand(engine, {}, { progress: new PassThrough() as any, notice: (m) => void notices.push(m), signal: new AbortController().signal, argv: ['run'] }, {
    plan: async (run) =>
      run.targets.map((t) => ({
        ...fakePlan(t, { numpy: [] }),
        warnings: [typo, { feedstock: 'numpy', file: 'agg/numpy-feedstock/recipe/meta.yaml', line: 3, message: "undefined Jinja variable 'x'" }],
      })),
    execute: { indexChannel: async () => {} },
  });
  assert.is(code, 0);
  assert.equal(notices.filter((n) => n.startsWith('warning:')), [`warning: ${typo.file}: ${typo.message}`]);
  assert.ok(notices.includes('2 plan warning(s) (rebuild plan --warnings lists them)'), notices.join('\n'));
});

warnings.run();
