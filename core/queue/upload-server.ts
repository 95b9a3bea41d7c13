// The coordinator's artifact upload endpoint (`queue.upload`), for workers that share no folder with
// it: `PUT <base>/artifacts/<jobId>/<subdir>/<filename>` with `Authorization: Bearer <token>`,
// `Content-Length` and `X-Rebuild-Sha256` (and `Expect: 100-continue`: the headers are checked before
// the body is sent). The body goes to a temp file next to its place in the
// store folder while its bytes are hashed; only a complete body of the declared size and sha256 is
// renamed into place (201). A wrong or missing token is 401 (the body is not read), a body whose size
// or hash differ 422, a connection closed before the declared size is reached leaves nothing (the temp
// file is removed). What lands here is what SharedFolderStore.take reads (and verifies again) when the
// job's result names it: the coordinator records a build only after that.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '../model/failure.ts';
import { redact } from '../config/redactor.ts';
import { hashingTap, storedPath } from './artifact-store.ts';

export const SHA256_HEADER = 'x-rebuild-sha256';

export interface UploadServerOptions {
  /** The store folder (the coordinator's `queue.artifacts`). */
  root: string;
  token: string;
  host: string;
  port: number;
  /** Refused and cut uploads are said here (the coordinator's notices). */
  notice: (message: string) => void;
}

const JOB_ID = /^[A-Za-z0-9._@+-]+$/;
const SUBDIR = /^(noarch|[a-z0-9]+-[a-z0-9_]+)$/;
const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export class ArtifactUploadServer {
  private readonly server: Server;
  private readonly tokenDigest: Buffer;

  constructor(private readonly o: UploadServerOptions) {
    this.tokenDigest = createHash('sha256').update(o.token).digest();
    this.server = createServer((req, res) => void this.handle(req, res, false));
    // `Expect: 100-continue` (what the worker sends): the headers are checked before the body is sent.
    this.server.on('checkContinue', (req, res) => void this.handle(req, res, true));
  }

  /** Listen; resolves with the address (port 0: the kernel's pick). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', onError);
        const a = this.server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private authorized(req: IncomingMessage): boolean {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    return timingSafeEqual(createHash('sha256').update(m[1]).digest(), this.tokenDigest);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const from = `${req.socket.remoteAddress ?? 'unknown'}`;
    const reply = (status: number, body: string | object) => {
      if (res.headersSent || res.destroyed) return;
      const text = typeof body === 'string' ? `${body}\n` : JSON.stringify(body);
      // A refusal before the body was read: close the connection rather than read what is left.
      if (status >= 400 && !req.complete) res.setHeader('connection', 'close');
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'PUT') return reply(405, 'only PUT <base>/artifacts/<job>/<subdir>/<file>');
    if (!this.authorized(req)) {
      this.o.notice(`artifact upload refused from ${from}: wrong or missing token`);
      return reply(401, 'wrong or missing token: the worker needs the coordinator\'s queue.upload.token');
    }
    const m = /\/artifacts\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const [jobId, subdir, filename] = m ? m.slice(1).map((p) => decodeURIComponent(p)) : [];
    if (!m || !JOB_ID.test(jobId) || !SUBDIR.test(subdir) || !FILENAME.test(filename)) {
      return reply(400, `not an artifact path: expected <base>/artifacts/<job>/<subdir>/<file>`);
    }
    const declared = String(req.headers[SHA256_HEADER] ?? '');
    if (!/^[0-9a-f]{64}$/.test(declared)) return reply(400, `${SHA256_HEADER}: expected the file's sha256 (64 hex digits)`);
    const length = req.headers['content-length'];
    if (length === undefined || !/^\d+$/.test(length)) return reply(411, 'Content-Length: expected the file\'s size');
    const size = Number(length);
    const stored = storedPath(jobId, subdir, filename);
    const dest = join(this.o.root, stored);
    const tmp = join(dirname(dest), `.${filename}.upload-${randomBytes(6).toString('hex')}`);
    if (expectsContinue) res.writeContinue();
    const { tap, result } = hashingTap();
    let received = 0;
    tap.on('data', (chunk: Buffer) => void (received += chunk.length));
    try {
      await mkdir(dirname(dest), { recursive: true });
      await pipeline(req, tap, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      const cut = received < size;
      this.o.notice(
        cut
          ? `artifact upload of ${stored} from ${from} cut after ${received} of ${size} bytes: the partial file is removed, nothing kept`
          : `artifact upload of ${stored} from ${from} failed: ${redact(errorMessage(err))}; nothing kept`,
      );
      return reply(cut ? 400 : 500, cut ? `upload cut after ${received} of ${size} bytes: nothing kept` : `could not write ${stored}: nothing kept`);
    }
    const { sha256 } = result();
    if (received !== size || sha256 !== declared) {
      await rm(tmp, { force: true });
      this.o.notice(`artifact upload of ${stored} from ${from} refused: sha256 ${sha256} (${received} bytes), declared ${declared} (${size} bytes); nothing kept`);
      return reply(422, `refused: received sha256 ${sha256} (${received} bytes), declared ${declared} (${size} bytes); nothing kept`);
    }
    try {
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      return reply(500, `could not keep ${stored}: ${errorMessage(err)}`);
    }
    reply(201, { stored, sha256, size });
  }
}
