// The loopback channel server under a concurrent writer: repodata.json is replaced by atomic rename
// (as ChannelIndexWriter does) while many requests read it; every response must be one whole version.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { serveChannels } from './channel-server.ts';
import { emptyRepodata, type Repodata } from './repodata.ts';

const server = suite('serveChannels under a renaming writer');

/** A repodata of `n` packages (versions of different sizes: a short read of a longer one shows). */
function repodataOf(n: number): string {
  const data: Repodata = emptyRepodata('linux-64');
  for (let i = 0; i < n; i++) {
    data.packages[`pkg${i}-1.0-py313_0.tar.bz2`] = {
      name: `pkg${i}`, version: '1.0', build: 'py313_0', build_number: 0, depends: ['python >=3.13,<3.14'], subdir: 'linux-64',
      sha256: 'ab'.repeat(32), size: 1000 + i,
    };
  }
  return `${JSON.stringify(data, null, 1)}\n`;
}

/** GET over one fresh connection; the body as received, and the content-length announced. */
function get(url: string): Promise<{ status: number; length: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const fail = (err: Error) => resolve({ error: err.message });
    const req = request(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, length: Number(res.headers['content-length']), body: Buffer.concat(chunks).toString() }));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('response aborted')));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('request hung')));
    req.on('error', fail);
    req.end();
  });
}

server('each read of repodata.json is one whole version while a writer renames new ones over it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-serve-'));
  const sub = join(dir, 'linux-64');
  mkdirSync(sub);
  const versions = [repodataOf(400), repodataOf(20), repodataOf(900), repodataOf(1)];
  const file = join(sub, 'repodata.json');
  await writeFile(file, versions[0]);
  const served = await serveChannels([dir]);
  let writing = true;
  let renames = 0;
  // The writer: a new version to a temp name, renamed over the served file, as fast as it goes.
  const writer = (async () => {
    for (let i = 1; writing && i < 100_000; i++) {
      const tmp = join(sub, `.repodata.json.${i}.tmp`);
      await writeFile(tmp, versions[i % versions.length]);
      await rename(tmp, file);
      renames++;
    }
  })();
  const bad: string[] = [];
  try {
    const url = `${served.urlFor(dir)}/linux-64/repodata.json`;
    for (let round = 0; round < 20; round++) {
      const responses = await Promise.all(Array.from({ length: 16 }, () => get(url)));
      for (const r of responses) {
        if ('error' in r) bad.push(r.error);
        else if (r.status !== 200) bad.push(`HTTP ${r.status}`);
        else if (Buffer.byteLength(r.body) !== r.length) bad.push(`content-length ${r.length}, body ${Buffer.byteLength(r.body)} bytes`);
        else if (!versions.includes(r.body)) bad.push(`a body of ${r.length} bytes that is no written version`);
        else JSON.parse(r.body);
      }
    }
  } finally {
    writing = false;
    await writer;
    await served.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(renames > 20, `the writer renamed only ${renames} times`);
  assert.equal(bad, [], `${bad.length} of 320 reads were not a whole version: ${bad.slice(0, 3).join('; ')}`);
});

server.run();
