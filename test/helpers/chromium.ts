import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's `chromium` (scripts/install-test-peers.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false when they can. */
export const chromiumMissing: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (Debian package chromium; scripts/install-test-peers.sh installs it)`;

/**
 * Headless Chromium driven by playwright-core. Each launch gets a fresh temporary profile
 * (Playwright's own user data dir, removed on close), no network beyond what the page asks for.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the console and signs in; resolves once the live table is on screen. */
export async function signIn(page: Page, url: string, accountSid: string, authToken: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.fill('input[name=accountSid]', accountSid);
  await page.fill('input[name=authToken]', authToken);
  await page.click('#sign-in button[type=submit]');
  await page.locator('#live').waitFor({ state: 'visible' });
}
