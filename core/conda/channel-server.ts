// A loopback HTTP server for local channel dirs, so tools that only fetch over HTTP (rattler's
// solver) can read them. Read-only; serves files under each dir, nothing else.
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { emptyRepodata } from './repodata-read.ts';

export interface ChannelServer {
  /** http URL of a served dir (as given to serveChannels, or resolved to the same path). */
  urlFor(dir: string): string;
  readonly baseUrl: string;
  close(): Promise<void>;
}

export class ChannelServerError extends Error {
  override name = 'ChannelServerError';
}

const SUBDIR = /^(noarch|(linux|osx|win|emscripten|wasi|zos|freebsd)-[a-z0-9_]+)$/;

/**
 * Serve each dir at `http://127.0.0.1:<port>/<i>/`. A known subdir without repodata.json answers
 * an empty repodata, as a local read does (solvers treat a 404 on a requested subdir as fatal).
 */
export async function serveChannels(dirs: string[]): Promise<ChannelServer> {
  const roots = dirs.map((d) => resolve(d));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = decodeURIComponent(url.pathname).split('/').filter(Boolean);
    const root = roots[Number(parts[0])];
    const rest = parts.slice(1);
    if (!root || /\D/.test(parts[0] ?? '') || rest.some((p) => p === '..' || p === '.')) {
      res.writeHead(404).end();
      return;
    }
    const file = normalize(join(root, ...rest));
    if (!file.startsWith(root + sep)) {
      res.writeHead(404).end();
      return;
    }
    // Size and bytes come from one open file descriptor: an index rewritten by atomic rename
    // between a stat() and a later open() would be served truncated (or hang) otherwise.
    const fh: FileHandle | null = await open(file, 'r').catch(() => null);
    const st = await fh?.stat().catch(() => null);
    if (!fh || !st?.isFile()) {
      await fh?.close().catch(() => {});
      if (rest.length === 2 && rest[1] === 'repodata.json' && SUBDIR.test(rest[0])) {
        const body = JSON.stringify(emptyRepodata(rest[0]));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'content-length': st.size,
      'last-modified': st.mtime.toUTCString(),
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD' || st.size === 0) {
      await fh.close().catch(() => {});
      res.end();
      return;
    }
    // Exactly the announced bytes; the stream closes the descriptor.
    fh.createReadStream({ start: 0, end: st.size - 1 })
      .on('error', () => res.destroy())
      .pipe(res);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    urlFor(dir: string) {
      const i = roots.indexOf(resolve(dir));
      if (i < 0) throw new ChannelServerError(`${dir} is not served (served: ${roots.join(', ')})`);
      return `${baseUrl}/${i}`;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
