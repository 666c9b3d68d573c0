/**
 * The meeting page's keyboard use and its tile layout, in real Chromium pages
 * against a real server: everything reachable with Tab and working with Enter
 * and Space, and a grid of 1 to 25 tiles that fits a laptop and a phone screen.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';

type Handle = {
  convene: {
    grid: { upsert(info: { participantId: string; feed: 'camera'; name: string }): void; remove(participantId: string): void };
  };
};

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Id of the focused element, and whether it shows a focus outline. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    const style = active ? getComputedStyle(active) : undefined;
    return { id: active?.id ?? '', outlined: style !== undefined && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 };
  });

/** Presses Tab once per expected id and checks each in turn takes the focus, visibly. */
async function tabThrough(page: Page, ids: string[]): Promise<void> {
  for (const id of ids) {
    await page.keyboard.press('Tab');
    assert.deepEqual(await focused(page), { id, outlined: true }, `Tab should reach #${id} with a visible focus outline`);
  }
}

const pressed = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('aria-pressed');

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Shows `count` camera tiles: our own and count - 1 guests (named, without video). */
async function showTiles(page: Page, count: number): Promise<void> {
  await page.evaluate((n) => {
    const { grid } = (window as unknown as Handle).convene;
    for (let i = 1; i < 25; i += 1) {
      if (i < n) grid.upsert({ participantId: `guest-${i}`, feed: 'camera', name: `Guest ${i}` });
      else grid.remove(`guest-${i}`);
    }
  }, count);
  // The grid lays out again on the next resize observation; two frames see it done.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

describe('the meeting page by keyboard and on any screen', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser(['--auto-select-desktop-capture-source=Entire screen']);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('can be joined, used and left with Tab, Enter, Space and the arrow keys alone', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/?room=keys`);
    await page.locator('#camera-select option').first().waitFor({ state: 'attached' });

    await tabThrough(page, ['name']);
    await page.keyboard.type('Kim');
    await tabThrough(page, ['room', 'mic-select', 'camera-select', 'speaker-select', 'join-button']);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
    assert.equal((await focused(page)).id, 'mic-button', 'joining moves the focus to the call controls');

    await page.keyboard.press('Space');
    assert.equal(await pressed(page, 'mic-button'), 'true', 'Space mutes');
    await page.keyboard.press('Enter');
    assert.equal(await pressed(page, 'mic-button'), 'false', 'Enter unmutes');
    assert.equal(await page.locator('#mic-button').textContent().then((t) => t?.trim()), 'Mute', 'a toggle keeps its name; aria-pressed carries the state');

    await tabThrough(page, ['camera-button']);
    await page.keyboard.press('Space');
    assert.equal(await pressed(page, 'camera-button'), 'true');
    await page.keyboard.press('Enter');
    assert.equal(await pressed(page, 'camera-button'), 'false');

    await tabThrough(page, ['screen-button']);
    await page.keyboard.press('Enter');
    assert.equal(await waitFor(() => pressed(page, 'screen-button'), (v) => v === 'true', 5_000), 'true', 'Enter starts sharing');
    await page.keyboard.press('Space');
    assert.equal(await pressed(page, 'screen-button'), 'false', 'Space stops sharing');

    await tabThrough(page, ['hand-button']);
    await page.keyboard.press('Space');
    assert.equal(await waitFor(() => pressed(page, 'hand-button'), (v) => v === 'true', 5_000), 'true', 'Space raises the hand');
    await page.keyboard.press('Enter');
    assert.equal(await waitFor(() => pressed(page, 'hand-button'), (v) => v === 'false', 5_000), 'false', 'Enter lowers it');

    await tabThrough(page, ['invite-button']);
    await page.keyboard.press('Enter');
    await page.locator('#invite-sheet[open]').waitFor({ timeout: 5_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.closest('#invite-sheet') !== null), true, 'Invite opens its sheet with the focus in it');
    await page.keyboard.press('Escape');
    // The sheet gives the focus back when its close event comes, a task after Escape.
    await page.locator('#invite-button[aria-expanded="false"]').waitFor({ timeout: 5_000 });
    assert.equal((await focused(page)).id, 'invite-button', 'Escape closes the sheet and gives focus back');

    await tabThrough(page, ['people-button']);
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'people-heading', 'People opens its panel with the focus on its heading');
    await page.keyboard.press('Escape');
    assert.equal((await focused(page)).id, 'people-button', 'Escape closes the panel and gives focus back');
    assert.equal(await page.locator('#people-panel').isHidden(), true, 'the panel is closed');

    await tabThrough(page, ['dial-button']);
    await page.keyboard.press('Enter');
    await page.locator('#dial-dialog[open]').waitFor({ timeout: 5_000 });
    assert.equal((await focused(page)).id, 'dial-number', 'the dial-out dialog opens on its number field');
    await page.keyboard.press('Escape');
    await page.locator('#dial-dialog:not([open])').waitFor({ state: 'attached', timeout: 5_000 });
    assert.equal((await focused(page)).id, 'dial-button', 'Escape closes the dialog and gives focus back');

    await tabThrough(page, ['react-button']);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('#react-picker') !== null), true, 'the reaction picker opens with the focus on its first reaction');
    await page.keyboard.press('Escape');
    assert.equal((await focused(page)).id, 'react-button', 'Escape closes the picker and gives focus back');
    await tabThrough(page, ['chat-button']);
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'chat-text', 'the chat panel opens on its message box');
    assert.equal(await page.locator('#chat-button').getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('Escape');
    assert.equal((await focused(page)).id, 'chat-button', 'Escape closes the chat and gives focus back');
    assert.equal(await page.locator('#chat-panel').isHidden(), true);

    await tabThrough(page, ['leave-button', 'mic-select', 'camera-select']);
    const selfTile = page.locator('.tile.self');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('#camera-select').inputValue(), 'off', 'the arrow keys pick another camera');
    await waitFor(() => selfTile.getAttribute('class'), (c) => c?.includes('no-video') === true, 5_000);
    await page.keyboard.press('ArrowUp');
    await waitFor(() => selfTile.getAttribute('class'), (c) => c?.includes('no-video') === false, 5_000);
    assert.notEqual(await page.locator('#camera-select').inputValue(), 'off');
    await tabThrough(page, ['speaker-select']);

    // Notices are announced: status messages politely, join errors at once.
    assert.equal(await page.locator('#notice').getAttribute('aria-live'), 'polite');
    assert.equal(await page.locator('#device-notice').getAttribute('role'), 'status');
    assert.equal(await page.locator('#join-error').getAttribute('role'), 'alert');

    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal((await focused(page)).id, 'leave-button');
    await page.keyboard.press('Enter');
    await page.locator('#join-form').waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('#room').inputValue(), 'keys', 'leaving comes back to the join form for the same room');
    await page.context().close();
  });

  for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 844 }]) {
    it(`fits 1 to 25 tiles into a ${viewport.width}x${viewport.height} screen, apart, each with a 16:9 video area`, async () => {
      const page = await newPage(browser);
      await page.setViewportSize(viewport);
      await joinMeeting(page, server.url, 'Grid', `grid-${viewport.width}`);
      for (const count of [1, 2, 4, 9, 16, 25]) {
        await showTiles(page, count);
        const tiles = await page.locator('.tile').evaluateAll((all) =>
          all.map((tile) => {
            const [outer, video] = [tile, tile.querySelector('video')!].map((element) => element.getBoundingClientRect().toJSON() as Box);
            return { tile: outer!, video: video! };
          }),
        );
        const bar = await page.locator('#call-bar').boundingBox();
        assert.equal(tiles.length, count);
        tiles.forEach(({ tile, video }, i) => {
          const where = `${count} tiles, tile ${i}: ${JSON.stringify(tile)}`;
          assert.ok(tile.width > 40 && tile.height > 20, `${where} is big enough to see`);
          assert.ok(tile.x >= 0 && tile.y >= 0 && tile.x + tile.width <= viewport.width && tile.y + tile.height <= viewport.height, `${where} lies inside the viewport`);
          assert.ok(bar && !overlaps(tile, bar), `${where} stays clear of the call controls`);
          assert.ok(Math.abs(video.width / video.height - 16 / 9) < 0.05, `${where} has a 16:9 video area: ${JSON.stringify(video)}`);
          tiles.slice(i + 1).forEach((other, j) => assert.ok(!overlaps(tile, other.tile), `${where} overlaps tile ${i + 1 + j}`));
        });
      }
      await page.context().close();
    });
  }
});
