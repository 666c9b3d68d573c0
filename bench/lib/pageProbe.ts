/** Node's side of browser/mediaProbe.ts: installs it in a browser context and reads what it saw. */
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { browserScript } from './browserScript.js';
import { waitFor } from '../../test/support/meetingPage.js';

let probeScript: string | undefined;

export async function installMediaProbe(context: BrowserContext): Promise<void> {
  probeScript ??= await browserScript(fileURLToPath(new URL('./browser/mediaProbe.ts', import.meta.url)));
  await context.addInitScript({ content: probeScript });
}

/** The epoch times a page's join button was clicked and its first remote video frame decoded, once both happened. */
export async function joinTimes(page: Page, timeoutMs = 20_000): Promise<{ clickedAt: number; firstFrameAt: number }> {
  const read = () =>
    page.evaluate(() => {
      const { clickedAt, firstFrameAt } = (window as unknown as { mediaProbe: { clickedAt?: number; firstFrameAt?: number } }).mediaProbe;
      return { clickedAt, firstFrameAt };
    });
  const probe = await waitFor(read, (p) => p.firstFrameAt !== undefined, timeoutMs, 20);
  if (probe.clickedAt === undefined || probe.firstFrameAt === undefined) throw new Error('no remote video frame was decoded after the click');
  return { clickedAt: probe.clickedAt, firstFrameAt: probe.firstFrameAt };
}

/** Waits until the page shows its own camera: capture has started, so the join measures joining only. */
export async function waitForLocalPreview(page: Page): Promise<void> {
  await page.waitForFunction(
    () => [...document.querySelectorAll('video')].some((video) => video.srcObject instanceof MediaStream && video.srcObject.getVideoTracks().length > 0 && video.readyState >= 2),
    undefined,
    { timeout: 15_000 },
  );
}

/** Waits until the page's sending peer connection is connected, so others can subscribe to it. */
export async function waitUntilPublishing(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { mediaProbe: { publishing(): boolean } }).mediaProbe.publishing(), undefined, { timeout: 15_000 });
}

/** Starts watching for received audio louder than `level`; read the time with `firstAudioEpochMs`. */
export async function watchReceivedAudio(page: Page, level: number): Promise<void> {
  await page.evaluate((threshold) => (window as unknown as { mediaProbe: { watchAudio(level: number): void } }).mediaProbe.watchAudio(threshold), level);
}

/** Epoch time (ms, sub-millisecond precision) when the watched audio was first heard; undefined until then. */
export async function firstAudioEpochMs(page: Page): Promise<number | undefined> {
  return page.evaluate(() => (window as unknown as { mediaProbe: { firstAudioEpochMs?: number } }).mediaProbe.firstAudioEpochMs);
}
