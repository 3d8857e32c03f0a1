/**
 * Starts Debian's Chromium headless through puppeteer-core, for the status page's browser test and
 * `npm run screenshot`. No browser is downloaded: CI installs the `chromium` package (.ci/run).
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.IPFERRY_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set IPFERRY_CHROMIUM)`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium refuses to start its sandbox as root; CI (and this lab) run as root, where only our
    // own loopback page is opened. As any other user the sandbox stays on.
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
    ],
    timeout: 60_000,
  });
}
