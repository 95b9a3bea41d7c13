// For the dashboard's browser tests: the Chromium to use, or null to skip — only outside CI. Under
// CI=true a missing browser fails the test (.ci/install-system installs Debian's chromium).
import { findChromium } from './chromium.ts';

export function chromiumForTests(): string | null {
  const path = findChromium();
  if (path) return path;
  if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') {
    throw new Error("no Chromium found (/usr/bin/chromium, $REBUILD_CHROMIUM, or chromium on PATH): .ci/install-system installs Debian's chromium; under CI the dashboard's browser tests must run");
  }
  console.log('dashboard browser tests skipped: no Chromium found (apt-get install chromium, or set REBUILD_CHROMIUM)');
  return null;
}
