// A publish killed (SIGKILL) at several points, then run again: nothing is uploaded twice, nothing is
// lost. The child process (fixtures/publish-child.ts) publishes a two-arch group to a prefix.dev-style
// server on loopback (every upload counted there) or to a production folder, and kills itself
// right after a given step line; the parent then publishes the same group again in-process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File } from '../../core/conda/file-hash.ts';
import type { Artifact } from '../../core/model/types.ts';
import { fakePrefix, KEY } from './fake-prefix.ts';
import { parseMultipart } from './test-server.ts';
import { createPublisher } from './index.ts';
import { publishGroup } from './publish-group.ts';
import { configIn, group, makePackage, tempDir } from './test-fixtures.ts';

const CHILD = fileURLToPath(new URL('./fixtures/publish-child.ts', import.meta.url));

/** Run the child (asynchronously: the loopback server it talks to lives in this process). */
function child(spec: object, dir: string, killAfter: string): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, file, dir, killAfter], { env: { ...process.env, PREFIX_API_KEY: KEY } });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => p.on('close', (_code, signal) => resolve({ signal, stdout, stderr })));
}

async function publishAgain(dir: string, spec: { production: string; options: object; members: Artifact[][] }) {
  const config = configIn(dir, [], { channels: { production: spec.production }, publish: { label: 'rc' } });
  const publisher = createPublisher(config, spec.options);
  const g = group(config.workDir, 'foo', ['foo'], spec.members);
  const ctx = publisher.context(g, async () => {});
  try {
    return await publishGroup(g, ctx);
  } finally {
    await Promise.all([ctx.staging.close(), ctx.production.close()]);
  }
}

const packageFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.conda')).sort() : []);

// Each step line the publisher writes, in order: staged ×2, then copied ×2 (then staging is emptied).
const POINTS = [
  { name: 'after the first file was staged', killAfter: 'staged linux-64' },
  { name: 'after staging, before any copy', killAfter: 'staged win-64' },
  { name: 'after the first copy to production', killAfter: 'copied to production linux-64' },
  { name: 'after every copy, before staging was emptied', killAfter: 'copied to production win-64' },
];

const s = suite('publish killed and resumed');

s.before.each(() => {
  process.env.PREFIX_API_KEY = KEY;
});

for (const point of POINTS) {
  s(`prefix.dev-style server, killed ${point.name}: each file uploaded once, the group published`, async () => {
    const t = tempDir();
    const server = await fakePrefix(join(t.dir, 'srv'));
    try {
      const built = join(t.dir, 'work', 'channel');
      const members = [[await makePackage(built, { name: 'foo' })], [await makePackage(built, { name: 'foo', subdir: 'win-64' })]];
      const spec = { production: `${server.url}/rebuild`, options: { kind: 'prefix', prefix: { server: server.url, channel: 'rebuild', backoffMs: 1 } }, members };
      const killed = await child(spec, t.dir, point.killAfter);
      assert.is(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
      assert.not.match(killed.stdout, /done/);
      const result = await publishAgain(t.dir, spec);
      assert.equal(result.published.map((a) => `${a.subdir}/${a.filename}`), ['linux-64/foo-1.0-py313h0_0.conda', 'win-64/foo-1.0-py313h0_0.conda']);
      const bySha = new Map(members.flat().map((a) => [a.sha256, a.subdir]));
      const uploads = server.seen.filter((r) => r.method === 'POST').map((r) => bySha.get(parseMultipart(r)[0].headers['x-file-sha256']));
      assert.equal(uploads.sort(), ['linux-64', 'win-64'], 'each file was posted exactly once across both processes');
      assert.equal(packageFiles(join(t.dir, 'work', 'staging')), [], 'staging emptied');
    } finally {
      await server.close();
      t.cleanup();
    }
  });
}

s('production folder, killed after the first copy: the copied file is not written again', async () => {
  const t = tempDir();
  try {
    const built = join(t.dir, 'work', 'channel');
    const members = [[await makePackage(built, { name: 'foo' })], [await makePackage(built, { name: 'foo', subdir: 'win-64' })]];
    const production = join(t.dir, 'work', 'production');
    const spec = { production, options: {}, members };
    const killed = await child(spec, t.dir, 'copied to production linux-64');
    assert.is(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
    const first = join(production, 'label/rc/linux-64/foo-1.0-py313h0_0.conda');
    const before = statSync(first);
    await publishAgain(t.dir, spec);
    const after = statSync(first);
    assert.equal([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
    assert.equal(packageFiles(production), ['label/rc/linux-64/foo-1.0-py313h0_0.conda', 'label/rc/win-64/foo-1.0-py313h0_0.conda']);
    assert.is(await sha256File(join(production, 'label/rc/win-64/foo-1.0-py313h0_0.conda')), members[1][0].sha256);
  } finally {
    t.cleanup();
  }
});

s.run();
