/** The measured join (see twoPageJoin.ts) through the meeting page and our server. */
import type { Browser } from 'playwright-core';
import { waitForLocalPreview } from '../lib/pageProbe.js';
import { openProbedPage, timeSecondJoin, type JoinSample, type ProbedPage } from './twoPageJoin.js';

async function openMeetingPage(browser: Browser, baseUrl: string, room: string, name: string): Promise<ProbedPage> {
  const opened = await openProbedPage(browser);
  await opened.page.goto(`${baseUrl}/?room=${encodeURIComponent(room)}`);
  await opened.page.fill('#name', name);
  await waitForLocalPreview(opened.page);
  return opened;
}

export function joinThroughConvene(browser: Browser, baseUrl: string, room: string): Promise<JoinSample> {
  return timeSecondJoin((name) => openMeetingPage(browser, baseUrl, room, name), '#join-button');
}
