/**
 * One join through the meeting page: a first page is already in the room
 * and sending; a second page, with its camera already previewing, clicks
 * "Join". Measured on the second page: click to first decoded frame of the
 * first page's video.
 */
import type { Browser } from 'playwright-core';
import { newContext } from '../../test/support/browser.js';
import { sleep } from '../../src/support/time.js';
import { clickToFirstFrameMs, installMediaProbe, waitForLocalPreview, waitUntilPublishing } from '../lib/pageProbe.js';

/** Janus reports the first page's feed live a moment after its connection is up. */
const FEED_LIVE_SETTLE_MS = 300;

async function openMeetingPage(browser: Browser, baseUrl: string, room: string, name: string) {
  const context = await newContext(browser);
  await installMediaProbe(context);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/?room=${encodeURIComponent(room)}`);
  await page.fill('#name', name);
  await waitForLocalPreview(page);
  return { context, page };
}

export async function joinThroughConvene(browser: Browser, baseUrl: string, room: string): Promise<number> {
  const first = await openMeetingPage(browser, baseUrl, room, 'Ann');
  let second: Awaited<ReturnType<typeof openMeetingPage>> | undefined;
  try {
    await first.page.click('#join-button');
    await waitUntilPublishing(first.page);
    await sleep(FEED_LIVE_SETTLE_MS);
    second = await openMeetingPage(browser, baseUrl, room, 'Bob');
    await second.page.click('#join-button');
    return await clickToFirstFrameMs(second.page);
  } finally {
    await second?.context.close();
    await first.context.close();
  }
}
