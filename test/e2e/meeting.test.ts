/**
 * Two pages in room "alpha" see and hear each other through a real Janus;
 * a page in room "beta" sees nothing of "alpha"; a page that closes
 * disappears from the other's grid.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, receiveStats, waitFor } from '../support/meetingPage.js';

describe('a meeting between two browsers', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let carol: Page;
  const carolMessages: Array<{ type: string }> = [];

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    [alice, bob, carol] = await Promise.all([newPage(browser), newPage(browser), newPage(browser)]);
    carol.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => carolMessages.push(JSON.parse(String(frame.payload)) as { type: string })),
    );
    await joinMeeting(carol, server.url, 'Carol', 'beta');
    await joinMeeting(alice, server.url, 'Alice', 'alpha');
    await joinMeeting(bob, server.url, 'Bob', 'alpha');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('each alpha page decodes the other\'s video and receives its audio', async () => {
    for (const page of [alice, bob]) await expectMediaFlowing(page);
  });

  it('shows each alpha participant a named tile for the other', async () => {
    assert.equal(await alice.locator('.tile:not(.self) .name').textContent(), 'Bob');
    assert.equal(await bob.locator('.tile:not(.self) .name').textContent(), 'Alice');
  });

  it('gives the beta page no stream and no participant event from alpha', async () => {
    // Alone, Carol's receiving connection is made on her own audio, paused: it receives nothing.
    const stats = await receiveStats(carol);
    assert.equal(stats.framesDecoded + stats.audioSamples, 0, `nothing is received: ${JSON.stringify(stats)}`);
    assert.equal(await carol.locator('.tile').count(), 1, 'only the self-view');
    const leaked = carolMessages.filter((m) => ['participantJoined', 'participantLeft'].includes(m.type));
    assert.deepEqual(leaked, []);
    const offered = carolMessages.flatMap((m) => (m.type === 'subscriptionOffer' ? (m as unknown as { streams: unknown[] }).streams : []));
    assert.deepEqual(offered, [], 'no offer maps a stream to anyone');
    const welcome = carolMessages.find((m) => m.type === 'welcome') as { participants: unknown[] } | undefined;
    assert.deepEqual(welcome?.participants, []);
  });

  it('removes the tile of a page that closes within 5 s', async () => {
    const remoteTiles = alice.locator('.tile:not(.self)');
    assert.equal(await remoteTiles.count(), 1);
    const closedAt = Date.now();
    await bob.close();
    const count = await waitFor(() => remoteTiles.count(), (n) => n === 0, 5_000, 100);
    assert.equal(count, 0, 'the tile for the closed page should be gone');
    assert.ok(Date.now() - closedAt <= 5_000);
  });
});
