import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.GRANTRY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Browser tests drive Debian's chromium (installed by .ci/run); playwright-core never downloads one.
 * Without it they skip and say so, except in CI, where a missing browser fails the run.
 */
export function browserMissing(): boolean {
  const missing = !existsSync(CHROMIUM);
  if (missing && process.env.CI) throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  if (missing) console.warn(`browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);
  return missing;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine has no route to the internet: keep Chromium from trying (and failing) to phone home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
