// `rebuild report --screenshot`: dashboard.html as a PNG next to it, taken in a headless Chromium.
import { join, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.ts';

export const SCREENSHOT_FILE = 'dashboard.png';

export interface ScreenshotOptions {
  executablePath: string;
  /** Viewport width in CSS pixels (default 1280; 390 is a phone). */
  width?: number;
  /** Where to write the PNG (default: dashboard.png next to the page). */
  out?: string;
  /** The whole page (default) or only the first screen. */
  fullPage?: boolean;
}

/** Opens the page from file://, waits until it has drawn, saves the PNG and returns its path. */
export async function screenshotDashboard(htmlPath: string, options: ScreenshotOptions): Promise<string> {
  const out = options.out ?? join(dirname(resolve(htmlPath)), SCREENSHOT_FILE);
  const browser = await launchChromium(options.executablePath, { viewport: { width: options.width ?? 1280, height: 900 } });
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(resolve(htmlPath)).href);
    // The script marks the page once everything (table and charts) is drawn.
    await page.waitForSelector('html[data-rows]', { timeout: 30_000 }).catch(() => {
      throw new Error(`${htmlPath}: the dashboard did not draw in Chromium${errors.length ? `: ${errors[0]}` : ''}`);
    });
    await page.screenshot({ path: out, fullPage: options.fullPage ?? true, animations: 'disabled' });
    return out;
  } finally {
    await browser.close();
  }
}
