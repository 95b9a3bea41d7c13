// A prefix.dev-style server for the tests (prefix.test.ts, publish-kill.test.ts), on loopback.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalChannel } from '../../core/conda/channel.ts';
import { readPackageIndex } from '../../core/conda/read-package.ts';
import { parseMultipart, startServer } from './test-server.ts';

export const KEY = 'pfx-api-key-0123456789';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A prefix.dev-style server over a real channel folder: POST /api/v1/upload/<channel> (Bearer key,
 * one multipart `file` part whose X-File-Name and X-File-SHA256 must match its bytes; 409 when the
 * name exists unless ?force=true) adds the file to `<root>/<channel>`, indexed; GET
 * /<channel>/<subdir>/repodata.json serves the index. `answerSha` makes the answer carry a sha256.
 */
export async function fakePrefix(root: string, opts: { busy?: number; resets?: number; answerSha?: (real: string) => string } = {}) {
  const server = await startServer();
  let busy = opts.busy ?? 0;
  server.route(/^POST \/api\/v1\/upload\/[^/]+$/, async (r) => {
    if (r.headers.authorization !== `Bearer ${KEY}`) return [401, { error: `unauthorized: ${r.headers.authorization}` }];
    if (busy-- > 0) return [500, 'internal error'];
    const channel = r.path.split('?')[0].split('/').pop()!;
    const part = parseMultipart(r).find((p) => p.name === 'file');
    if (!part?.filename) return [400, 'no file part'];
    const real = sha256(part.data);
    if (part.headers['x-file-sha256'] !== real || part.headers['x-file-name'] !== part.filename) return [400, 'X-File-SHA256 or X-File-Name does not match the file'];
    const tmp = join(root, '.incoming', part.filename);
    mkdirSync(join(root, '.incoming'), { recursive: true });
    writeFileSync(tmp, part.data);
    const { subdir } = await readPackageIndex(tmp);
    const dest = join(root, channel, subdir, part.filename);
    if (existsSync(dest)) {
      if (!r.path.includes('force=true')) return [409, { error: 'package already exists' }];
      await new LocalChannel(join(root, channel)).remove([part.filename]);
    }
    const ch = new LocalChannel(join(root, channel));
    await ch.add([tmp]);
    await ch.close();
    return [200, opts.answerSha ? { sha256: opts.answerSha(real) } : {}];
  }, { resetMidBody: opts.resets });
  server.route(/^GET \/[^/]+\/[^/]+\/repodata.json$/, (r) => {
    const path = join(root, r.path);
    return existsSync(path) ? [200, JSON.parse(readFileSync(path, 'utf8'))] : [404, {}];
  });
  return server;
}

