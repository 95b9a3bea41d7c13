// For the queue's tests: a real redis-server (Debian's, installed by .ci/install-system) on a free
// loopback port in a temp dir, no persistence. Outside CI a missing redis-server skips the test
// (startRedis returns null); under CI=true it fails with what to install.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REBUILD_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface TestRedis {
  port: number;
  url: string;
  dir: string;
  process: ChildProcess;
  /** Stop (SIGTERM: with `persist`, the append-only file is complete) and start again on the same port and dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const inCi = () => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** A port nobody listens on now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Start redis-server, or null (skip) when it is not installed outside CI. `persist`: an append-only
 * file fsynced on every write, so a restart keeps the queues (else nothing is saved).
 */
export async function startRedis({ persist = false } = {}): Promise<TestRedis | null> {
  if (!existsSync(REDIS_SERVER)) {
    if (inCi()) throw new Error(`${REDIS_SERVER} not found: .ci/install-system installs Debian's redis-server; under CI the queue tests must run`);
    console.log(`queue tests skipped: no ${REDIS_SERVER} (apt-get install redis-server, or set REBUILD_REDIS_SERVER)`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let exited = false;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    exited = false;
    child.once('exit', () => (exited = true));
    for (let i = 0; i < 200 && !(await accepts(port)); i++) {
      if (exited) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (exited || !(await accepts(port))) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    return child;
  };
  let child = await launch();
  const halt = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get process() {
      return child;
    },
    async restart() {
      await halt();
      child = await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
