/**
 * A meeting where one page ("Ann") has a network of its own (PageNetwork),
 * whose downlink the test can throttle, and the others are ordinary pages
 * in one browser: the set-up of the tests of what a page does on a poor
 * downlink.
 */
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from './browser.js';
import { joinMeeting } from './meetingPage.js';
import { PageNetwork } from './pageNetwork.js';
import { mediaInterface, startTestServer } from './testServer.js';

export interface MeetingWithOwnNetwork {
  network: PageNetwork;
  server: Awaited<ReturnType<typeof startTestServer>>;
  /** The page on its own network, in the meeting. */
  ann: Page;
  /** The others' pages, in the order of `others`' names, in the meeting. */
  others: Page[];
  /** Lifts any limit and stops everything, whatever was made. */
  close(): Promise<void>;
}

export async function meetingWithOwnNetwork(room: string, otherNames: string[]): Promise<MeetingWithOwnNetwork> {
  const network = await PageNetwork.create();
  let server: MeetingWithOwnNetwork['server'] | undefined;
  const browsers: Browser[] = [];
  const close = async (): Promise<void> => {
    await network.lift();
    for (const browser of browsers) await browser.close();
    await server?.close();
    await network.remove();
  };
  try {
    server = await startTestServer({ HOST: '0.0.0.0', JANUS_ICE_ENFORCE_LIST: [mediaInterface, network.mediaEnd].filter(Boolean).join(',') });
    const url = server.url;
    const browser = await launchBrowser();
    browsers.push(browser);
    const ownBrowser = await network.launchBrowser(url);
    browsers.push(ownBrowser);
    const others = await Promise.all(otherNames.map(() => newPage(browser)));
    for (const [index, page] of others.entries()) await joinMeeting(page, url, otherNames[index]!, room);
    const ann = await newPage(ownBrowser);
    await joinMeeting(ann, network.urlOf(url), 'Ann', room);
    return { network, server, ann, others, close };
  } catch (error) {
    await close();
    throw error;
  }
}
