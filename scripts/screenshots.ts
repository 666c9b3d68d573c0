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

/** Waits until every video on screen shows a picture, then saves the page. */
async function capture(page: Page, name: string): Promise<void> {
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('video')]
        .filter((video) => video.checkVisibility())
        .every((video) => video.srcObject === null || (video.readyState >= 2 && video.videoWidth > 0)),
    undefined,
    { timeout: 15_000 },
  );
  // Let the tiles settle on a recent frame (and the grid on its final size).
  await page.waitForTimeout(1_000);
  await page.screenshot({ path: `${OUT_DIR}${name}.png` });
  console.log(`wrote docs/screenshots/${name}.png`);
}

/** The chat panel beside the grid, and as a sheet on a phone-sized screen: messages to everyone, a link, a private one. */
async function captureChat(alice: Page, bob: Page): Promise<void> {
  const say = async (page: Page, text: string, to = 'Everyone'): Promise<void> => {
    if (await page.locator('#chat-panel').isHidden()) await page.click('#chat-button');
    await page.selectOption('#chat-to', { label: to });
    await page.fill('#chat-text', text);
    await page.press('#chat-text', 'Enter');
    await alice.locator('#chat-messages .chat-text', { hasText: text }).waitFor({ state: 'attached' });
  };
  await alice.setViewportSize({ width: 1280, height: 720 });
  await say(bob, 'Morning! The slides are at https://example.org/design-review');
  await say(alice, 'Thanks, opening them now.');
  await say(bob, 'Can you share your screen after Carol?', 'Alice Martin');
  await say(alice, 'Sure, right after her.', 'Bob Okafor');
  await alice.locator('#chat-panel').waitFor();
  await capture(alice, 'chat');
  await alice.setViewportSize({ width: 390, height: 844 });
  await capture(alice, 'chat-phone');
}

/** On a phone-sized page: the settings sheet; then, wide again, a tile's connection quality with its details (the label has the focus). */
async function connectionQualityAndSettings(page: Page): Promise<void> {
  await page.click('#settings-button');
  await page.locator('#settings-sheet[open]').waitFor();
  await capture(page, 'phone-settings');
  await page.keyboard.press('Escape');
  await page.setViewportSize({ width: 1280, height: 720 });
  const badge = page.locator('.tile.camera:not(.self):visible .quality').first();
  await badge.waitFor();
  await badge.focus();
  await capture(page, 'connection-quality');
}

/** Tiles on one page of the grid: small, so that five people already need a second page. */
const LAST_N = 2;

/**
 * Hosting: the people panel with a host's controls, a raised hand and
 * someone knocking in the lobby, on a desktop and a phone-sized screen, and
 * the lobby page the knocking person sees.
 */
async function captureHosting(): Promise<void> {
  const room = 'hosted-review';
  const [host, guest, late] = await Promise.all([0, 1, 2].map(async () => (await newContext(browser)).newPage()));
  await joinMeeting(host!, server.url, 'Alice Martin', room);
  await joinMeeting(guest!, server.url, 'Bob Okafor', room);
  await host!.click('#people-button');
  await guest!.click('#hand-button');
  await host!.locator('#hands-list li').waitFor();
  await host!.click('#lobby-button');
  await host!.locator('#lobby-button[aria-pressed="true"]').waitFor();
  await late!.goto(`${server.url}/?room=${room}`);
  await late!.fill('#name', 'Carol Diaz');
  await late!.click('#join-button');
  await late!.locator('#lobby-wait').waitFor();
  await host!.locator('#lobby-list li').waitFor();
  await capture(host!, 'host-controls');
  await capture(late!, 'lobby-waiting');
  await host!.setViewportSize({ width: 390, height: 844 });
  await capture(host!, 'host-controls-phone');
}

/**
 * The Invite sheet with the dial-in number and the room's PIN: a server of its own that takes phone calls
 * (its trunk is never called: a room's PIN is claimed without it).
 */
async function captureInvite(): Promise<void> {
  const dialIn = await startTestServer({ SIP_TRUNK_URI: 'sip:127.0.0.1:5999', SIP_BIND_ADDRESS: '127.0.0.1', SIP_PORT: '0', SIP_DIAL_IN_DISPLAY_NUMBER: '+1 555 0100 2000' });
  try {
    const page = await (await newContext(browser)).newPage();
    await joinMeeting(page, dialIn.url, 'Alice Martin', 'weekly-sync');
    await page.click('#invite-button');
    await page.locator('#invite-pin').filter({ hasText: /\d{4} \d{4}/ }).waitFor();
    await capture(page, 'invite');
    await page.context().close();
  } finally {
    await dialIn.close();
  }
}

const server = await startTestServer({ LAST_N: String(LAST_N) });
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
  await bob!.click('#mic-button');

  // More people than the stage holds: the others are listed by name, a page at a time.
  for (const name of ['Carol Diaz', 'Dan Ito', 'Erin Walsh']) await joinMeeting(await (await newContext(browser)).newPage(), server.url, name, ROOM);
  await alice!.locator('#pager .offstage li').nth(1).waitFor();
  await capture(alice!, 'pages');

  const pinned = alice!.locator('.tile.camera:not(.self):visible').first();
  await pinned.hover();
  await pinned.locator('.tile-action.pin').click();
  await alice!.locator('.tile.pinned').waitFor();
  await capture(alice!, 'pinned');
  await pinned.locator('.tile-action.pin').click();

  await alice!.setViewportSize({ width: 390, height: 844 });
  await capture(alice!, 'phone');
  await connectionQualityAndSettings(alice!);

  await captureChat(alice!, bob!);

  await captureHosting();
  await captureInvite();
} finally {
  await browser.close();
  await server.close();
}
