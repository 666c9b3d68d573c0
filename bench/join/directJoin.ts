/**
 * The same join as conveneJoin.ts through the direct-to-Janus client: the
 * room is created on Janus beforehand (the app server would create it on the
 * first join), then two pages join it exactly as the meeting pages do.
 */
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { newContext } from '../../test/support/browser.js';
import { sleep } from '../../src/support/time.js';
import { JanusConnection } from '../../src/media/janus/JanusConnection.js';
import * as videoroom from '../../src/media/janus/videoroom.js';
import { clickToFirstFrameMs, installMediaProbe, waitForLocalPreview, waitUntilPublishing } from '../lib/pageProbe.js';

const FEED_LIVE_SETTLE_MS = 300;

export interface DirectTarget {
  pageUrl: string;
  janusUrl: string;
  apiSecret: string;
}

async function openDirectPage(browser: Browser, target: DirectTarget, room: number, name: string) {
  const context = await newContext(browser);
  await installMediaProbe(context);
  const page = await context.newPage();
  const query = new URLSearchParams({ janus: target.janusUrl, secret: target.apiSecret, room: String(room), name });
  await page.goto(`${target.pageUrl}/?${query}`);
  await waitForLocalPreview(page);
  await page.waitForSelector('#join:not([disabled])');
  return { context, page };
}

/** A VideoRoom with the settings the app gives its rooms, made and destroyed over Janus's API. */
async function withRoom<T>(target: DirectTarget, use: (room: number) => Promise<T>): Promise<T> {
  const connection = await JanusConnection.connect({ url: target.janusUrl, apiSecret: target.apiSecret, logger: pino({ level: 'silent' }) });
  const session = await connection.createSession();
  const handle = await session.attach(videoroom.VIDEOROOM_PLUGIN);
  const room = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  await videoroom.createRoom(handle, { room, description: 'direct join', maxPublishers: 10, bitrateBps: 1_000_000 });
  try {
    return await use(room);
  } finally {
    await videoroom.destroyRoom(handle, room).catch(() => undefined);
    await session.destroy();
    connection.close();
  }
}

export function joinDirectlyOnJanus(browser: Browser, target: DirectTarget): Promise<number> {
  return withRoom(target, async (room) => {
    const first = await openDirectPage(browser, target, room, 'Ann');
    let second: Awaited<ReturnType<typeof openDirectPage>> | undefined;
    try {
      await first.page.click('#join');
      await waitUntilPublishing(first.page);
      await sleep(FEED_LIVE_SETTLE_MS);
      second = await openDirectPage(browser, target, room, 'Bob');
      await second.page.click('#join');
      return await clickToFirstFrameMs(second.page);
    } finally {
      await second?.context.close();
      await first.context.close();
    }
  });
}
