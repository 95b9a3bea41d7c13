// A loopback HTTP server for the solves of a matrix: each solve's pruned channels (prune.ts) are
// served from memory at `http://127.0.0.1:<port>/<solve>/<channel>/<subdir>/repodata.json` while the
// solve runs (rattler's solver reads channels over HTTP only), and dropped when it is done.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SolveServer {
  /** Serve `channels` (per channel: subdir → repodata.json text) for one solve; its channel URLs, in order. */
  register(channels: Map<string, string>[]): { urls: string[]; release(): void };
  close(): Promise<void>;
}

export async function startSolveServer(): Promise<SolveServer> {
  const solves = new Map<number, Map<string, string>[]>();
  let next = 0;
  const server = createServer((req, res) => {
    const [id, channel, subdir, file, ...rest] = (req.url ?? '/').split('?')[0].split('/').filter(Boolean);
    const body = file === 'repodata.json' && !rest.length ? solves.get(Number(id))?.[Number(channel)]?.get(subdir) : undefined;
    if (body === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    register(channels) {
      const id = next++;
      solves.set(id, channels);
      return { urls: channels.map((_, i) => `${base}/${id}/${i}`), release: () => void solves.delete(id) };
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
