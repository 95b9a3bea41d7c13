import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { loadEngine, loadResolvedConfig } from './context.ts';
import { Engine } from '../engine/engine.ts';
import { ConfigError, displayPath } from '../config/errors.ts';

const TS_FIXTURE = fileURLToPath(new URL('../config/fixtures/ts/', import.meta.url));

const c = suite('cli context');

c('loadEngine :: finds the config, applies --profile and flags, returns an Engine over the frozen config', async () => {
  // The fixture names an aggregate and a staging channel it does not have: paths are checked below.
  const engine = await loadEngine({ profile: 'release', concurrency: '4' }, TS_FIXTURE, { paths: false });
  assert.instance(engine, Engine);
  assert.is(engine.config.profile, 'release');
  assert.is(engine.config.concurrency, 4);
  assert.ok(Object.isFrozen(engine.config));
  const run = engine.createRun();
  assert.equal(run.targets.map((t) => `${t.subdir}/${t.python}`), ['linux-64/3.13', 'win-64/3.13']);
});

c('loadEngine :: paths the config names must exist: one located line each, exit 78', async () => {
  try {
    await loadEngine({}, TS_FIXTURE);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).exitCode, 78);
    const at = (p: string) => displayPath(`${TS_FIXTURE}${p}`);
    assert.equal((err as Error).message.split('\n'), [
      `${at('rebuild.config.ts')}: /aggregate: ${at('aggregate')} does not exist; fix the path (relative to the config file) or check out the aggregate there`,
      `${at('rebuild.config.ts')}: /channels/staging: ${at('channels/staging')} does not exist; fix the path (relative to the config file), or create the folder (an empty folder is an empty channel)`,
    ]);
  }
});

c('loadResolvedConfig :: --config and --work-dir are relative to the working dir', async () => {
  const config = await loadResolvedConfig({ config: 'ts/rebuild.config.ts', workDir: 'out' }, fileURLToPath(new URL('../config/fixtures/', import.meta.url)));
  assert.is(config.configFile, `${TS_FIXTURE}rebuild.config.ts`);
  assert.is(config.workDir, fileURLToPath(new URL('../config/fixtures/out', import.meta.url)));
});

c('a bad flag is a ConfigError (exit code 1)', async () => {
  try {
    await loadResolvedConfig({ arch: ['linux64'] }, TS_FIXTURE);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).exitCode, 64);
    assert.is((err as Error).message, "--arch: 'linux64' is not a known subdir; did you mean 'linux-64'?");
  }
});

c.run();
