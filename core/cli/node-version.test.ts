// bin/rebuild.js refuses a Node older than the one the code needs (crypto.hash is Node 20.12's) with
// a line saying so and EX_CONFIG, before any module that would fail to link is loaded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/rebuild.js', import.meta.url));

/** `rebuild --version` in a Node that reports `version`. */
function versionAs(version: string) {
  const script = `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} }); process.argv.splice(1, process.argv.length, ${JSON.stringify(BIN)}, '--version'); await import(${JSON.stringify(BIN)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, REBUILD_BUNDLE: '0' } });
}

test('a Node older than 20.12 is refused with the version needed and exit 78', () => {
  for (const version of ['20.11.1', '20.0.0', '18.19.0']) {
    const r = versionAs(version);
    assert.is(r.status, 78, `${version}: ${r.stderr}`);
    assert.is(r.stderr, `rebuild: Node 20.12 or later is needed; this is Node ${version}\n`);
  }
});

test('Node 20.12 and later run', () => {
  for (const version of ['20.12.0', '22.1.0', process.versions.node]) {
    const r = versionAs(version);
    assert.is(r.status, 0, `${version}: ${r.stderr}`);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  }
});

test.run();
