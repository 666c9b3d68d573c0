/**
 * The call bar on a phone-sized screen (390×844), in real Chromium pages
 * against a real Janus: one row of controls, the device pickers in a
 * Settings sheet that the keyboard opens and Escape closes, and a camera
 * switched from that sheet reaching the other page. On a wide screen the
 * pickers go back to the call bar.
 *
 * Chromium's fake cameras (`device-count=3`): fake_device_0 and fake_device_2 are colour
 * cameras that draw the same pattern (see meetingFeatures.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { receivedStreams } from '../support/receivedMedia.js';

const PHONE = { width: 390, height: 844 };
const PICKERS = ['mic-select', 'camera-select', 'speaker-select'];
/** The smallest target WCAG 2.2 (AA) allows a pointer. */
const MIN_TARGET_PX = 24;

type Handle = { convene: { selfId: string; session?: { peerConnections(): Map<string, RTCPeerConnection> } } };

/** The label of the camera the page's camera feed sends. */
const sentCamera = (page: Page) =>
  page.evaluate(() => (window as unknown as Handle).convene.session?.peerConnections().get('pub-camera')?.getSenders().find((s) => s.track?.kind === 'video')?.track?.label);

/** Width over height of the camera `from` that `page` receives (0 before a frame). */
async function receivedAspect(page: Page, from: string): Promise<number> {
  const camera = (await receivedStreams(page)).find((s) => s.participantId === from && s.feed === 'camera' && s.kind === 'video');
  return camera && camera.height > 0 ? camera.width / camera.height : 0;
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

/** Which pickers can be seen, and whether each sits in the settings sheet. */
const pickers = (page: Page) =>
  page.evaluate((ids) => ids.map((id) => {
    const picker = document.getElementById(id)!;
    return { id, visible: picker.checkVisibility(), inSheet: picker.closest('#settings-sheet') !== null };
  }), PICKERS);

describe('the call bar on a phone-sized screen', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let phone: Page;
  let desk: Page;
  let phoneId: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser(['--use-fake-device-for-media-stream=device-count=3', '--auto-select-desktop-capture-source=Entire screen']);
    [phone, desk] = await Promise.all([newPage(browser), newPage(browser)]);
    await phone.setViewportSize(PHONE);
    await joinMeeting(desk, server.url, 'Desk', 'pocket');
    await joinMeeting(phone, server.url, 'Phone', 'pocket');
    phoneId = await phone.evaluate(() => (window as unknown as Handle).convene.selfId);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps the call bar to one row of controls, with no device picker outside the settings sheet', async () => {
    const buttons = await phone.locator('#call-bar .controls button:visible').evaluateAll((all) =>
      all.map((button) => ({ id: button.id, name: button.textContent?.trim() ?? '', box: button.getBoundingClientRect().toJSON() as DOMRect })),
    );
    const ids = buttons.map((button) => button.id);
    for (const id of ['mic-button', 'camera-button', 'screen-button', 'hand-button', 'people-button', 'dial-button', 'settings-button', 'leave-button']) assert.ok(ids.includes(id), `#${id} is in the call bar: ${ids.join(', ')}`);
    const tops = new Set(buttons.map((button) => Math.round(button.box.top)));
    assert.equal(tops.size, 1, `all the buttons share one top offset: ${JSON.stringify(buttons.map((b) => [b.id, b.box.top]))}`);
    for (const { id, name, box } of buttons) {
      assert.ok(box.left >= 0 && box.right <= PHONE.width && box.width >= MIN_TARGET_PX && box.height >= MIN_TARGET_PX, `#${id} fits the screen, big enough to tap: ${JSON.stringify(box)}`);
      assert.ok(name.length > 0, `#${id} keeps its name for screen readers`);
    }
    const bar = await phone.locator('#call-bar').boundingBox();
    assert.ok(bar && bar.height < PHONE.height / 10, `the call bar takes a tenth of the screen at most: ${JSON.stringify(bar)}`);
    assert.deepEqual(await pickers(phone), PICKERS.map((id) => ({ id, visible: false, inSheet: true })), 'the pickers wait in the closed sheet');
  });

  it('opens the settings sheet from the keyboard, switches camera from it (the other page receives the new one), and closes with Escape', async () => {
    // The two colour cameras look alike: the first is set to 4:3, and the new one opens at 16:9.
    await phone.evaluate(async () => {
      const pc = (window as unknown as Handle).convene.session?.peerConnections().get('pub-camera');
      await pc?.getSenders().find((s) => s.track?.kind === 'video')?.track?.applyConstraints({ width: 640, height: 480 });
    });
    const fourThree = await waitFor(() => receivedAspect(desk, phoneId), (ratio) => Math.abs(ratio - 4 / 3) < 0.05, 10_000);
    assert.ok(Math.abs(fourThree - 4 / 3) < 0.05, `the other page receives the first camera at 4:3 (${fourThree})`);

    await phone.locator('#mic-button').focus();
    for (const id of ['camera-button', 'screen-button', 'hand-button', 'invite-button', 'people-button', 'dial-button', 'settings-button']) {
      await phone.keyboard.press('Tab');
      assert.equal(await focusedId(phone), id, `Tab reaches #${id}`);
    }
    await phone.keyboard.press('Enter');
    await phone.locator('#settings-sheet[open]').waitFor({ timeout: 5_000 });
    assert.equal(await focusedId(phone), 'mic-select', 'the focus moves into the sheet, on its first picker');
    assert.equal(await phone.locator('#settings-button').getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await pickers(phone), PICKERS.map((id) => ({ id, visible: true, inSheet: true })), 'the open sheet shows the pickers');

    await phone.selectOption('#camera-select', { label: 'fake_device_2' });
    assert.equal(await waitFor(() => sentCamera(phone), (label) => label === 'fake_device_2', 5_000), 'fake_device_2');
    const sixteenNine = await waitFor(() => receivedAspect(desk, phoneId), (ratio) => Math.abs(ratio - 16 / 9) < 0.05, 10_000);
    assert.ok(Math.abs(sixteenNine - 16 / 9) < 0.05, `the other page receives the new camera at 16:9 (${sixteenNine})`);

    await phone.locator('#camera-select').focus();
    await phone.keyboard.press('Escape');
    await phone.locator('#settings-sheet:not([open])').waitFor({ state: 'attached', timeout: 5_000 });
    // The dialog's close event, which the button hears, follows its closing in a task of its own.
    await phone.locator('#settings-button[aria-expanded="false"]').waitFor({ timeout: 5_000 });
    assert.equal(await focusedId(phone), 'settings-button', 'Escape closes the sheet and gives the focus back to its button');
    assert.deepEqual(await pickers(phone), PICKERS.map((id) => ({ id, visible: false, inSheet: true })));
  });

  it('moves the pickers back into the call bar on a wide screen, and into the sheet again on a narrow one', async () => {
    await phone.setViewportSize({ width: 1280, height: 720 });
    const wide = await waitFor(() => pickers(phone), (all) => all.every((picker) => picker.visible && !picker.inSheet), 5_000);
    assert.deepEqual(wide, PICKERS.map((id) => ({ id, visible: true, inSheet: false })), 'in the call bar, in sight');
    assert.equal(await phone.locator('#settings-button').isVisible(), false, 'no Settings button is needed there');
    await phone.setViewportSize(PHONE);
    const narrow = await waitFor(() => pickers(phone), (all) => all.every((picker) => picker.inSheet), 5_000);
    assert.deepEqual(narrow, PICKERS.map((id) => ({ id, visible: false, inSheet: true })));
  });
});
