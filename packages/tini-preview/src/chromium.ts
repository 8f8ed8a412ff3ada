/**
 * Debian's Chromium, driven by playwright-core: never a browser download (the machines here cannot fetch one).
 * The README's test command installs the `chromium` package (tools/test-machine.sh); without it, the suites
 * that need a browser fail with the line that installs it, never skip.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** CHROMIUM_PATH moves it (another distribution's path); Debian's package installs /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Run \`pnpm test:setup\` (it installs Debian's chromium ` +
        'package), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No sandbox: CI runs as root. No background networking: the machine's network is closed, and Chromium's
    // own calls home would only fail (many at a time).
    args: [
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
