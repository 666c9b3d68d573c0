/**
 * The join both clients are measured on: a first page is in the room and
 * sending; a second page, its camera already previewing, clicks its join
 * button. Measured on the second page: click to the first decoded frame of
 * the first page's video.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newContext } from '../../test/support/browser.js';
import { sleep } from '../../src/support/time.js';
import { clickToFirstFrameMs, installMediaProbe, waitUntilPublishing } from '../lib/pageProbe.js';

/** Janus reports the first page's feed live a moment after its connection is up. */
const FEED_LIVE_SETTLE_MS = 300;

export interface ProbedPage {
  context: BrowserContext;
  page: Page;
}

/** A page in a browser context of its own, with the media probe installed before any script runs. */
export async function openProbedPage(browser: Browser): Promise<ProbedPage> {
  const context = await newContext(browser);
  await installMediaProbe(context);
  return { context, page: await context.newPage() };
}

/** `open` makes a page ready to join under a name; `joinButton` is its join button's selector. */
export async function timeSecondJoin(open: (name: string) => Promise<ProbedPage>, joinButton: string): Promise<number> {
  const first = await open('Ann');
  let second: ProbedPage | undefined;
  try {
    await first.page.click(joinButton);
    await waitUntilPublishing(first.page);
    await sleep(FEED_LIVE_SETTLE_MS);
    second = await open('Bob');
    await second.page.click(joinButton);
    return await clickToFirstFrameMs(second.page);
  } finally {
    await second?.context.close();
    await first.context.close();
  }
}
