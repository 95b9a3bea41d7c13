// `rebuild report --serve`: the work dir's report on loopback for a status screen. /report/ is the
// report folder (dashboard.html polls report.json there), /logs/ the build logs its rows link to
// (`../logs/...` from the report). Before report.json or the page is sent, `refresh` may rewrite them
// from the state database, so a page left open follows a run in progress.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_FILE } from './dashboard.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.json': 'application/json; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8', '.log': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.png': 'image/png',
};

export interface ServeOptions {
  /** The folder holding dashboard.html and report.json. */
  reportDir: string;
  /** The folder of the build logs (`<workDir>/logs`). */
  logsDir: string;
  /** 0 (default) takes a free port. */
  port?: number;
  /** Loopback only unless told otherwise. */
  host?: string;
  /** Rewrites report.json and dashboard.html (e.g. from the state database) before either is sent; one at a time. */
  refresh?: () => Promise<void>;
  /** A refresh that failed (the last good files are still served). */
  onRefreshError?: (err: unknown) => void;
}

export interface ReportServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `path` inside `root`, or null when it leaves it (`..`, an absolute path, a NUL). */
function inside(root: string, path: string): string | null {
  if (path.includes('\0')) return null;
  const full = resolve(root, '.' + sep + path);
  const rel = relative(root, full);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? full : null;
}

export function serveReport(options: ServeOptions): Promise<ReportServer> {
  const host = options.host ?? '127.0.0.1';
  let refreshing: Promise<void> | null = null;
  const refresh = async () => {
    if (!options.refresh) return;
    refreshing ??= options.refresh().catch((err) => options.onRefreshError?.(err)).finally(() => (refreshing = null));
    await refreshing;
  };

  const send = (res: ServerResponse, code: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(text + '\n');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    if (path === '/' || path === '/report' || path === '/report/') return send(res, 302, 'see /report/dashboard.html', { location: `/report/${DASHBOARD_FILE}` });
    const m = /^\/(report|logs)\/(.+)$/.exec(path);
    const file = m ? inside(m[1] === 'report' ? options.reportDir : options.logsDir, m[2]) : null;
    if (!file) return send(res, 404, 'not found');
    if (m![1] === 'report' && (m![2] === 'report.json' || m![2] === DASHBOARD_FILE)) await refresh();
    // One open file for the size and the bytes: a report rewritten meanwhile (renamed into place) is not mixed in.
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch {
      return send(res, 404, 'not found');
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) return send(res, 404, 'not found');
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': String(st.size), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      if (req.method === 'HEAD') return res.end();
      await pipeline(fh.createReadStream({ autoClose: false, end: Math.max(0, st.size - 1), start: 0 }), res);
    } finally {
      await fh.close();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      // A client gone mid-body (a page closed while polling) ends the response; nothing to report.
      if (res.headersSent) res.destroy();
      else send(res, 500, err instanceof Error ? err.message : String(err));
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolvePromise({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/report/${DASHBOARD_FILE}`,
        port,
        close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

/** The folders `serveReport` serves for a work dir whose report is in `reportDir` (default `<workDir>/report`). */
export function serveDirs(workDir: string, reportDir?: string): { reportDir: string; logsDir: string } {
  return { reportDir: resolve(reportDir ?? join(workDir, 'report')), logsDir: resolve(workDir, 'logs') };
}
