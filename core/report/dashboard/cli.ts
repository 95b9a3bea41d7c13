// The dashboard's part of `rebuild report`: --screenshot and --serve [--port N]. The report command
// (core/cli/commands/report.ts) parses the flags and calls these.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';
import { STATE_DB_FILE } from '../../state/state-db.ts';
import { findChromium } from './chromium.ts';
import { screenshotDashboard } from './screenshot.ts';
import { serveReport } from './serve.ts';

interface Io { write(text: string): void }

/** `--port N`: 0 (any free port) to 65535. */
export function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UserError(`--port ${value}: expected a port number from 0 to 65535 (0: any free port)`, EXIT.USAGE);
  return n;
}

/** Saves dashboard.png next to the page when a Chromium is found; else says how to get one and returns null. */
export async function screenshotReport(htmlPath: string, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const executablePath = findChromium(env);
  if (!executablePath) {
    io.write('no Chromium found for --screenshot (/usr/bin/chromium, $REBUILD_CHROMIUM, or chromium on PATH): apt-get install chromium; no screenshot taken\n');
    return null;
  }
  const png = await screenshotDashboard(htmlPath, { executablePath });
  io.write(`wrote ${png}\n`);
  return png;
}

/**
 * A signature of the state database's files (size and mtime of state.db and its WAL): it changes
 * whenever a run commits, so the report is collected again only then.
 */
export function stateSignature(workDir: string): string {
  return [STATE_DB_FILE, `${STATE_DB_FILE}-wal`]
    .map((f) => {
      try {
        const st = statSync(join(workDir, f));
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

export interface ServeCommandOptions {
  workDir: string;
  /** The report folder (where `rebuild report` wrote). */
  outDir: string;
  port: number;
  /** Writes report.json and dashboard.html again from the state database. */
  rewrite: () => Promise<void>;
  /**
   * The state signature taken before the served report was read from the database (default: taken
   * now). A commit between that read and now is then seen by the first poll, not lost until the next.
   */
  since?: string;
  io: Io;
  /** Stops the server (default: SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

/** Serves the report until stopped; rewrites it before a poll when the state database changed since the last write. */
export async function serveCommand(o: ServeCommandOptions): Promise<number> {
  let last = o.since ?? stateSignature(o.workDir);
  const server = await serveReport({
    reportDir: o.outDir,
    logsDir: join(o.workDir, 'logs'),
    port: o.port,
    refresh: async () => {
      const now = stateSignature(o.workDir);
      if (now === last) return;
      await o.rewrite();
      last = now;
    },
    onRefreshError: (err) => o.io.write(`report not refreshed: ${err instanceof Error ? err.message : String(err)}\n`),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UserError(`--port ${o.port}: the port is in use; choose another (or --port 0 for any free one)`, EXIT.TEMPFAIL);
    throw err;
  });
  o.io.write(`serving the report at ${server.url} (Ctrl-C stops)\n`);
  const stop = o.signal ?? signalOnce();
  await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  await server.close();
  return EXIT.OK;
}

function signalOnce(): AbortSignal {
  const ac = new AbortController();
  const onSignal = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ac.signal;
}
