/**
 * The join both clients are measured on: a first page is in the room and
 * sending; a second page, its camera already previewing, clicks its join
 * button. Measured both ways from that click: to the second page's first
 * decoded frame of the first page's video (the joiner sees the room), and to
 * the first page's first decoded frame of the second page's video (the room
 * sees the joiner).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newContext } from '../../test/support/browser.js';
import { sleep } from '../../src/support/time.js';
import { installMediaProbe, joinTimes, waitUntilPublishing } from '../lib/pageProbe.js';

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

export interface JoinSample {
  /** The second page's click to its first frame of the first page. */
  joinerSeesRoomMs: number;
  /** The second page's click to the first page's first frame of it. */
  roomSeesJoinerMs: number;
}

/** `open` makes a page ready to join under a name; `joinButton` is its join button's selector. */
export async function timeSecondJoin(open: (name: string) => Promise<ProbedPage>, joinButton: string): Promise<JoinSample> {
  const first = await open('Ann');
  let second: ProbedPage | undefined;
  try {
    await first.page.click(joinButton);
    await waitUntilPublishing(first.page);
    await sleep(FEED_LIVE_SETTLE_MS);
    second = await open('Bob');
    await second.page.click(joinButton);
    const joiner = await joinTimes(second.page);
    const room = await joinTimes(first.page);
    return { joinerSeesRoomMs: joiner.firstFrameAt - joiner.clickedAt, roomSeesJoinerMs: room.firstFrameAt - joiner.clickedAt };
  } finally {
    await second?.context.close();
    await first.context.close();
  }
}
