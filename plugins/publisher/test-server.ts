// A loopback HTTP server for the uploader tests: routes written by each test, every request logged
// (method, path, headers, body), and a multipart/form-data reader for the upload bodies.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** Answer a request: return [status, body] (an object is sent as JSON), or 'reset' to drop the connection. */
export type Handler = (req: SeenRequest, res: ServerResponse) => [number, unknown?] | 'reset' | Promise<[number, unknown?] | 'reset'>;

export interface TestServer {
  url: string;
  seen: SeenRequest[];
  /**
   * Route by `METHOD /path` (exact) or a RegExp on it; the first match answers, else 404.
   * `resetMidBody`: the first N such requests have their connection dropped while the body arrives.
   */
  route(match: string | RegExp, handler: Handler, opts?: { resetMidBody?: number }): void;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const routes: [string | RegExp, Handler, { resets: number }][] = [];
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const key = `${req.method} ${path}`;
    const found = routes.find(([m]) => (typeof m === 'string' ? m === key : m.test(key)));
    // A reset while the body is still coming: drop the socket after the first chunk.
    let reset = false;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      if (reset) req.socket.destroy();
    });
    const answer = async () => {
      const request: SeenRequest = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(request);
      const out = found ? await found[1](request, res) : ([404, { error: 'not found' }] as [number, unknown]);
      if (out === 'reset') return void req.socket.destroy();
      const [status, body] = out;
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(text);
    };
    if (found && found[2].resets > 0) {
      found[2].resets--;
      reset = true;
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.alloc(0) });
      return;
    }
    req.on('end', () => void answer());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    route: (match, handler, opts = {}) => void routes.push([match, handler, { resets: opts.resetMidBody ?? 0 }]),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface Part {
  name: string;
  filename?: string;
  headers: Record<string, string>;
  data: Buffer;
}

/** The parts of a multipart/form-data body. */
export function parseMultipart(req: SeenRequest): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(req.headers['content-type']));
  if (!m) throw new Error(`not multipart: ${req.headers['content-type']}`);
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: Part[] = [];
  let pos = req.body.indexOf(boundary);
  while (pos >= 0) {
    const start = pos + boundary.length;
    if (req.body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = req.body.indexOf('\r\n\r\n', start);
    const next = req.body.indexOf(boundary, headEnd);
    const headers: Record<string, string> = {};
    for (const line of req.body.subarray(start + 2, headEnd).toString().split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const disp = headers['content-disposition'] ?? '';
    parts.push({
      name: /name="([^"]*)"/.exec(disp)?.[1] ?? '',
      filename: /filename="([^"]*)"/.exec(disp)?.[1],
      headers,
      data: req.body.subarray(headEnd + 4, next - 2),
    });
    pos = next;
  }
  return parts;
}
