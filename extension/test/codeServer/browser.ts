import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, headless, with nothing reaching out (VSCODE-TESTING.md). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
