// A loopback HTTP server for the solves of a matrix: each solve's pruned channel (prune.ts) is
// served from memory at `http://127.0.0.1:<port>/<solve>/<subdir>/repodata.json[.zst]` while the
// solve runs (rattler's solver reads channels over HTTP only), and dropped when it is done. The
// solver asks for repodata_shards.msgpack.zst, then repodata.json.zst, then .bz2, then .json, one
// round trip each: answering the .zst saves two of the four.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compress } from 'zstd-napi';

export interface SolveServer {
  /** Serve one solve's channel (subdir → repodata.json text); its URL for the solver. */
  register(channel: Map<string, string>): { url: string; release(): void };
  close(): Promise<void>;
}

export async function startSolveServer(): Promise<SolveServer> {
  const solves = new Map<number, Map<string, string>>();
  let next = 0;
  const server = createServer((req, res) => {
    const [id, subdir, file, ...rest] = (req.url ?? '/').split('?')[0].split('/').filter(Boolean);
    const text = !rest.length && (file === 'repodata.json' || file === 'repodata.json.zst') ? solves.get(Number(id))?.get(subdir) : undefined;
    if (text === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    const body = file === 'repodata.json' ? Buffer.from(text) : compress(Buffer.from(text), { compressionLevel: 1 });
    res.writeHead(200, { 'content-type': file === 'repodata.json' ? 'application/json' : 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    register(channel) {
      const id = next++;
      solves.set(id, channel);
      return { url: `${base}/${id}`, release: () => void solves.delete(id) };
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
