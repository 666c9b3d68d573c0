/**
 * What people expect of the meeting page, in real Chromium pages against a
 * real Janus: device switching, screenshare, mute, names, ringing, the call
 * ending, and reconnecting after the signalling socket drops.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, receiveStats, waitFor } from '../support/meetingPage.js';

type Handle = {
  convene: {
    selfId: string;
    ringer: { level(): number };
    speakers: { level(id: string): number };
    session?: { peerConnections(): Map<string, RTCPeerConnection> };
  };
};

/** Loudest audio level heard from one participant over a short window. */
function peakLevel(page: Page, participantId: string, windowMs = 1500): Promise<number> {
  return page.evaluate(
    async ({ id, windowMs: span }) => {
      const speakers = (window as unknown as Handle).convene.speakers;
      let peak = 0;
      for (const end = Date.now() + span; Date.now() < end; ) {
        peak = Math.max(peak, speakers.level(id));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return peak;
    },
    { id: participantId, windowMs },
  );
}

const selfId = (page: Page) => page.evaluate(() => (window as unknown as Handle).convene.selfId);
const ringLevel = (page: Page) =>
  page.evaluate(async () => {
    let peak = 0;
    for (let i = 0; i < 20; i += 1) {
      peak = Math.max(peak, (window as unknown as Handle).convene.ringer.level());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return peak;
  });

describe('the meeting page', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let bobId: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser(['--use-fake-device-for-media-stream=device-count=2', '--auto-select-desktop-capture-source=Entire screen']);
    [alice, bob] = await Promise.all([0, 1].map(async () => (await newContext(browser)).newPage()));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('rings while alone and stops when a peer joins', async () => {
    await joinMeeting(alice, server.url, 'Alice', 'features');
    const ringing = await waitFor(() => ringLevel(alice), (level) => level > 0.05, 8_000);
    assert.ok(ringing > 0.05, `ringing should reach the speakers (peak ${ringing})`);
    await joinMeeting(bob, server.url, 'Bob', 'features');
    bobId = await selfId(bob);
    const silent = await waitFor(() => ringLevel(alice), (level) => level === 0, 5_000);
    assert.equal(silent, 0, 'ringing stops once someone else is here');
    await expectMediaFlowing(alice);
    await expectMediaFlowing(bob);
  });

  it('names every tile as entered, through /idLookup', async () => {
    await waitFor(() => alice.locator('.tile:not(.self) .name').textContent(), (name) => name === 'Bob', 5_000);
    assert.equal(await alice.locator('.tile:not(.self) .name').textContent(), 'Bob');
    assert.equal(await bob.locator('.tile:not(.self) .name').textContent(), 'Alice');
    assert.equal(await alice.locator('.tile.self .name').textContent(), 'Alice (you)');
  });

  it('shows a screenshare as its own tile, and removes it when sharing stops', async () => {
    await bob.click('#screen-button');
    const screenTile = alice.locator('.tile.screen');
    await screenTile.waitFor({ timeout: 10_000 });
    assert.equal(await screenTile.locator('.name').textContent(), 'Bob (screen)');
    const decoding = await waitFor(() => receiveStats(alice), (s) => s.subscriptions === 2, 10_000);
    assert.equal(decoding.subscriptions, 2);
    await expectMediaFlowing(alice);
    await bob.click('#screen-button');
    await screenTile.waitFor({ state: 'detached', timeout: 5_000 });
  });

  it('mutes audio: energy stops at the other page and the indicator shows; unmute restores both', async () => {
    const bobTile = alice.locator(`.tile[data-participant-id="${bobId}"][data-feed="camera"]`);
    assert.ok((await peakLevel(alice, bobId)) > 0.01, 'Bob is heard before muting');
    await bob.click('#mic-button');
    await waitFor(() => bobTile.getAttribute('data-audio-muted'), (v) => v === 'true', 5_000);
    assert.match((await bobTile.locator('.indicators').textContent()) ?? '', /muted/);
    const mutedPeak = await waitFor(() => peakLevel(alice, bobId), (level) => level < 0.001, 5_000);
    assert.ok(mutedPeak < 0.001, `no audio energy while muted (peak ${mutedPeak})`);
    assert.equal(await bob.locator('#mic-button').getAttribute('aria-pressed'), 'true');
    await bob.click('#mic-button');
    await waitFor(() => bobTile.getAttribute('data-audio-muted'), (v) => v === 'false', 5_000);
    const restored = await waitFor(() => peakLevel(alice, bobId), (level) => level > 0.01, 5_000);
    assert.ok(restored > 0.01, `audio energy returns after unmuting (peak ${restored})`);
  });

  it('reconnects by itself after the server drops its WebSocket, and media flows again within 10 s', async () => {
    for (const client of server.app.websocketServer.clients) client.terminate();
    const droppedAt = Date.now();
    await bob.waitForSelector('#connection-state[data-state="reconnecting"]', { timeout: 5_000 });
    await bob.waitForSelector('#connection-state[data-state="connected"]', { timeout: 10_000 });
    const before = await waitFor(() => receiveStats(bob), (s) => s.framesDecoded > 0, 10_000);
    const later = await waitFor(() => receiveStats(bob), (s) => s.framesDecoded > before.framesDecoded, 10_000);
    assert.ok(later.framesDecoded > before.framesDecoded);
    assert.ok(Date.now() - droppedAt < 10_000, `media flowed again after ${Date.now() - droppedAt} ms`);
  });

  it('says the call is over when the last peer leaves', async () => {
    await bob.click('#leave-button');
    await alice.locator('#call-over').waitFor({ timeout: 5_000 });
    assert.match((await alice.locator('#call-over').textContent()) ?? '', /call is over/i);
  });
});
