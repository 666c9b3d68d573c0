/**
 * Takes the README's pictures of the meeting page: a test server (with its
 * embedded Janus) and two headless Chromium pages with fake cameras meet,
 * and each state is saved to docs/screenshots/. Run it after `npm run build`:
 *   scripts/in-media-netns.sh node --import tsx scripts/screenshots.ts
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, newContext } from '../test/support/browser.js';
import { joinMeeting } from '../test/support/meetingPage.js';
import { startTestServer } from '../test/support/testServer.js';

const OUT_DIR = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const ROOM = 'design-review';

/** Waits until every video on the page shows a picture, then saves the page. */
async function capture(page: Page, name: string): Promise<void> {
  await page.waitForFunction(
    () => [...document.querySelectorAll('video')].every((video) => video.srcObject === null || (video.readyState >= 2 && video.videoWidth > 0)),
    undefined,
    { timeout: 15_000 },
  );
  // Let the tiles settle on a recent frame (and the grid on its final size).
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: `${OUT_DIR}${name}.png` });
  console.log(`wrote docs/screenshots/${name}.png`);
}

const server = await startTestServer();
const browser = await launchBrowser(['--auto-select-desktop-capture-source=Entire screen']);
try {
  await mkdir(OUT_DIR, { recursive: true });
  const [alice, bob] = await Promise.all([0, 1].map(async () => (await newContext(browser)).newPage()));

  await joinMeeting(alice!, server.url, 'Alice Martin', ROOM);
  await alice!.locator('#notice .ringing').waitFor();
  await capture(alice!, 'alone-ringing');

  await joinMeeting(bob!, server.url, 'Bob Okafor', ROOM);
  await alice!.locator('.tile:not(.self) .name', { hasText: 'Bob Okafor' }).waitFor();
  await capture(alice!, 'two-people');

  await bob!.click('#screen-button');
  await alice!.locator('.tile.screen').waitFor();
  await capture(alice!, 'screenshare');
  await bob!.click('#screen-button');
  await alice!.locator('.tile.screen').waitFor({ state: 'detached' });

  await bob!.click('#mic-button');
  await alice!.locator('.tile[data-audio-muted="true"]').waitFor();
  await capture(bob!, 'muted');
} finally {
  await browser.close();
  await server.close();
}
