/**
 * Each tile gets the simulcast layer it needs: in a room of three, a
 * remote camera's tile fills about half the screen's width and gets the
 * half-size layer; pinned, or full screen, it gets the top layer within
 * 2 s, and the half layer again once unpinned or out of full screen.
 *
 * A layer is checked against what Bob sends on it at that moment: a browser
 * short of CPU sends every layer smaller than its nominal size.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, waitFor } from '../support/meetingPage.js';
import { receivedCamera, sentLayers } from '../support/receivedMedia.js';

const ROOM = 'layers';
const TOP_WIDTH = 1280;
/** Bob's layers, by rid (see Publisher): the half-size one and the top one. */
const HALF = 'm';
const TOP = 'h';
const SWITCH_UP_MS = 2_000;
const POLL_MS = 50;

type Handle = { convene: { selfId: string; downlink: { quality: unknown } } };

describe('the layer each tile gets', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let ann: Page;
  let bob: Page;
  let carol: Page;
  let bobId: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    [ann, bob, carol] = await Promise.all([newPage(browser), newPage(browser), newPage(browser)]);
    for (const [page, name] of [[ann, 'Ann'], [bob, 'Bob'], [carol, 'Carol']] as const) await joinMeeting(page, server.url, name, ROOM);
    bobId = await bob.evaluate(() => (window as unknown as Handle).convene.selfId);
    await expectMediaFlowing(ann);
    // Bob's browser sends its top layer once its bandwidth estimate has grown: only then can a tile ask for it.
    const layers = await waitFor(() => sentLayers(bob), (widths) => widths[TOP] === TOP_WIDTH, 20_000);
    assert.equal(layers[TOP], TOP_WIDTH, `Bob sends his top layer: ${JSON.stringify(layers)}`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * Bob's camera as Ann receives it, once it is his layer `rid` as he sends it now; with what Bob sends
   * and the step Ann's downlink monitor is at, for a failure's message.
   */
  const bobOnAnn = (rid: string, timeoutMs: number) =>
    waitFor(
      async () => {
        const [received, sent, downlink] = await Promise.all([receivedCamera(ann, bobId), sentLayers(bob), ann.evaluate(() => (window as unknown as Handle).convene.downlink.quality)]);
        const width = received?.width ?? 0;
        return { width, ok: width > 0 && width === sent[rid], text: `received ${width} px; Bob sends ${JSON.stringify(sent)}; Ann's downlink ${JSON.stringify(downlink)}` };
      },
      (look) => look.ok,
      timeoutMs,
      POLL_MS,
    );

  const bobsTile = () => ann.locator(`figure.tile.camera[data-participant-id="${bobId}"]`);

  it('gives a tile of half the screen the half layer', async (t) => {
    const half = await bobOnAnn(HALF, 10_000);
    const box = await bobsTile().boundingBox();
    assert.ok(half.ok, `Ann receives Bob's half layer in a tile ${box?.width} px wide: ${half.text}`);
    t.diagnostic(`tile ${Math.round(box?.width ?? 0)} px wide → layer ${half.width} px wide`);
  });

  it('gives a pinned tile the top layer within 2 s, and the half layer again once unpinned', async (t) => {
    const pinnedAt = Date.now();
    await bobsTile().hover();
    await bobsTile().locator('.tile-action.pin').click();
    const pinned = await bobOnAnn(TOP, SWITCH_UP_MS * 5);
    const upMs = Date.now() - pinnedAt;
    assert.ok(pinned.ok, `the pinned tile gets the top layer: ${pinned.text}`);
    assert.ok(upMs <= SWITCH_UP_MS, `the top layer came ${upMs} ms after the pin`);
    const unpinnedAt = Date.now();
    await bobsTile().locator('.tile-action.pin').click();
    const unpinned = await bobOnAnn(HALF, 10_000);
    assert.ok(unpinned.ok, `unpinned, it gets the half layer again: ${unpinned.text}`);
    t.diagnostic(`top layer ${upMs} ms after pinning; half layer ${Date.now() - unpinnedAt} ms after unpinning`);
  });

  it('gives a full-screen tile the top layer within 2 s, and the half layer again after', async (t) => {
    const fullAt = Date.now();
    await bobsTile().hover();
    await bobsTile().locator('.tile-action.fullscreen').click();
    assert.equal(await ann.evaluate(() => document.fullscreenElement?.getAttribute('data-participant-id')), bobId, 'Bob’s tile is full screen');
    const full = await bobOnAnn(TOP, SWITCH_UP_MS * 5);
    const upMs = Date.now() - fullAt;
    assert.ok(full.ok, `the full-screen tile gets the top layer: ${full.text}`);
    assert.ok(upMs <= SWITCH_UP_MS, `the top layer came ${upMs} ms after going full screen`);
    const exitedAt = Date.now();
    await ann.evaluate(() => document.exitFullscreen());
    const back = await bobOnAnn(HALF, 10_000);
    assert.ok(back.ok, `out of full screen, it gets the half layer again: ${back.text}`);
    t.diagnostic(`top layer ${upMs} ms after going full screen; half layer ${Date.now() - exitedAt} ms after leaving it`);
  });

  it('keeps every tile of Carol’s page decoding meanwhile', async () => {
    await expectMediaFlowing(carol);
  });
});
