/**
 * One headless Debian Chromium per test file, with fake camera and
 * microphone, driven by playwright-core.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** `executablePath`: another way to start Debian's Chromium (e.g. inside a network namespace of its own). */
export function launchBrowser(extraArgs: string[] = [], executablePath = CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      ...extraArgs,
    ],
  });
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 720 } });
}

/** A page in a context of its own: its own storage and token, as a second person on another machine. */
export async function newPage(browser: Browser): Promise<Page> {
  return (await newContext(browser)).newPage();
}
