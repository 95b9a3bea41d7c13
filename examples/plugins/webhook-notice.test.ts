// The example notice plugin, loaded the way a user loads it: examples/plugins/rebuild.config.ts
// imports ./webhook-notice.ts by a relative path; a publish failure reaches a webhook (a loopback
// HTTP server here) with the group's markdown section, the token only in the Authorization header;
// the publisher's own markdown notice is written too. A webhook that is down changes nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigContext } from '../../core/cli/context.ts';
import { Engine } from '../../core/engine/engine.ts';
import { failureClassOf } from '../../core/model/failure.ts';
import { group, makePackage, tempDir } from '../../plugins/publisher/test-fixtures.ts';
import { startServer } from '../../plugins/publisher/test-server.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const TOKEN = 'hook-token-0f9e8d7c';

async function loadExample(webhook: string, workDir: string) {
  process.env.NOTICE_WEBHOOK_URL = webhook;
  process.env.NOTICE_WEBHOOK_TOKEN = TOKEN;
  try {
    return (await loadConfigContext({ config: join(here, 'rebuild.config.ts'), workDir }, here)).config;
  } finally {
    delete process.env.NOTICE_WEBHOOK_URL;
  }
}

const s = suite('examples/plugins: webhook notice');

s('the config loads the plugin by relative import, next to the built-in publisher', async () => {
  const t = tempDir();
  try {
    const config = await loadExample('http://127.0.0.1:9/hook', t.dir);
    const names = config.plugins.map((p) => p.name);
    assert.ok(names.includes('acme:webhook-notice'), names.join(', '));
    assert.ok(names.includes('rebuild:publisher'), names.join(', '));
    assert.is(config.publish.label, 'rc');
  } finally {
    t.cleanup();
  }
});

s('a failed publication is posted to the webhook with its markdown; the notice file is written too', async () => {
  const t = tempDir();
  const server = await startServer();
  try {
    server.route('POST /hook', () => [204]);
    const config = await loadExample(`${server.url}/hook`, t.dir);
    const run = new Engine(config).createRun();
    const built = join(config.workDir, 'channel');
    const a = await makePackage(built, { name: 'foo' });
    // Recorded at build with another hash: validation fails.
    const err = await run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[{ ...a, sha256: 'b'.repeat(64) }]])).then(() => null, (e) => e);
    assert.is(failureClassOf(err, 'internal'), 'publish');
    assert.is(server.seen.length, 1);
    const req = server.seen[0];
    assert.is(req.headers.authorization, `Bearer ${TOKEN}`);
    const body = JSON.parse(req.body.toString());
    assert.equal([body.feedstock, body.group, body.step, body.package], ['foo', 'foo-1.0-py3.13', 'validate', `linux-64/${a.filename}`]);
    assert.match(body.reason, /is not the one recorded at build b{64}/);
    assert.match(body.text, /^<!-- rebuild:group foo-1.0-py3.13 -->\n## foo-1.0-py3.13\n/);
    assert.match(body.text, /What to do:/);
    assert.ok(existsSync(join(config.workDir, 'notices', 'foo.md')));
    assert.not.match(readFileSync(join(config.workDir, 'notices', 'foo.md'), 'utf8'), new RegExp(TOKEN));
  } finally {
    await server.close();
    t.cleanup();
  }
});

s('a webhook that is down: logged in the group log, the publish failure is unchanged', async () => {
  const t = tempDir();
  const server = await startServer();
  try {
    server.route('POST /hook', () => [503, 'down']);
    const config = await loadExample(`${server.url}/hook`, t.dir);
    const run = new Engine(config).createRun();
    const a = await makePackage(join(config.workDir, 'channel'), { name: 'foo' });
    const lines: string[] = [];
    const err = await run.hooks.publish.promise(group(config.workDir, 'foo', ['foo'], [[{ ...a, sha256: 'b'.repeat(64) }]], lines)).then(() => null, (e) => e);
    assert.match(err?.message ?? '', /validation of foo-1.0-py3.13 failed/);
    assert.ok(lines.includes('acme:webhook-notice: the webhook answered HTTP 503'), lines.join('\n'));
  } finally {
    await server.close();
    t.cleanup();
  }
});

s.run();
