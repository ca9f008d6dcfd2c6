import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's chromium, headless (browsers cannot be downloaded here; .ci/run installs it). Playwright's
 * launch gives it a fresh temporary --user-data-dir of its own (it refuses one passed in args), and
 * each test page opens in a new context: no cookie leaks from one test to another.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
