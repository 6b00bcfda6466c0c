import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium for browser tests, as test/board/browser.test.ts launches it: Debian's `chromium`
 * package (scripts/install-browser.sh) through playwright-core, which downloads no browser.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Why a browser test cannot run here (the browser is missing), or `undefined`. Never set in CI, where a
 * missing browser must fail the test instead; logged once when set.
 */
export function browserSkipReason(file: string): string | undefined {
  if (process.env.CI === 'true' || existsSync(CHROMIUM)) return undefined;
  const reason = `${file} skipped: ${CHROMIUM} is not installed (run scripts/install-browser.sh; in CI this fails instead)`;
  console.warn(reason);
  return reason;
}

/** Launches the browser. @throws Error naming the missing executable (in CI) */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: CI must install it (scripts/install-browser.sh)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
