/**
 * The measured join (see twoPageJoin.ts) through the direct-to-Janus client: the
 * room is created on Janus beforehand (the app server would create it on the
 * first join), then two pages join it exactly as the meeting pages do.
 */
import type { Browser } from 'playwright-core';
import { pino } from 'pino';
import { JanusConnection } from '../../src/media/janus/JanusConnection.js';
import * as videoroom from '../../src/media/janus/videoroom.js';
import { waitForLocalPreview } from '../lib/pageProbe.js';
import { openProbedPage, timeSecondJoin, type JoinSample, type ProbedPage } from './twoPageJoin.js';

export interface DirectTarget {
  pageUrl: string;
  janusUrl: string;
  apiSecret: string;
}

async function openDirectPage(browser: Browser, target: DirectTarget, room: number, name: string): Promise<ProbedPage> {
  const opened = await openProbedPage(browser);
  const query = new URLSearchParams({ janus: target.janusUrl, secret: target.apiSecret, room: String(room), name });
  await opened.page.goto(`${target.pageUrl}/?${query}`);
  await waitForLocalPreview(opened.page);
  await opened.page.waitForSelector('#join:not([disabled])');
  return opened;
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

export function joinDirectlyOnJanus(browser: Browser, target: DirectTarget): Promise<JoinSample> {
  return withRoom(target, (room) => timeSecondJoin((name) => openDirectPage(browser, target, room, name), '#join'));
}
