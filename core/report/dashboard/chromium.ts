// A headless Chromium for `rebuild report --screenshot` and the dashboard's tests: the system's
// browser (Debian's `chromium`, installed by .ci/install-system) driven by playwright-core, which
// downloads no browser of its own. Each launch gets a fresh profile dir, removed on close.
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { UserError } from '../../model/errors.ts';
import { EXIT } from '../../engine/exit-codes.ts';

/**
 * Flags that work on this project's machines (no sandbox as root, no GPU, nothing fetched in the
 * background), and shared memory in /tmp rather than a container's small /dev/shm.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
]);

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$REBUILD_CHROMIUM` if set, else /usr/bin/chromium, else the first Chromium-like name on PATH; null when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.REBUILD_CHROMIUM) return executable(env.REBUILD_CHROMIUM) ? env.REBUILD_CHROMIUM : null;
  if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts the browser at `executablePath` (headless, fresh profile). */
export async function launchChromium(executablePath: string, options: { viewport?: { width: number; height: number } } = {}): Promise<Chromium> {
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw new UserError('driving Chromium needs the npm package playwright-core: npm install --save-dev playwright-core', EXIT.SOFTWARE);
  }
  const profile = mkdtempSync(join(tmpdir(), 'rebuild-chromium-'));
  try {
    const context = await playwright.chromium.launchPersistentContext(profile, {
      executablePath, headless: true, args: [...CHROMIUM_ARGS], viewport: options.viewport ?? { width: 1280, height: 900 },
    });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
