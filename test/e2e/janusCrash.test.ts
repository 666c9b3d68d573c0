/**
 * The embedded Janus dies mid-call (SIGKILL): the server starts it again,
 * makes the rooms again and tells every page to publish again, and both
 * pages decode each other's video again by themselves, without a reload.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, receiveStats, waitFor } from '../support/meetingPage.js';

const RECOVERY_LIMIT_MS = 15_000;

describe('Janus killed mid-call', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let pages: Page[];
  const resets = new Map<Page, number>();

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    pages = await Promise.all([newPage(browser), newPage(browser)]);
    for (const page of pages) {
      resets.set(page, 0);
      page.on('websocket', (socket) =>
        socket.on('framereceived', (frame) => {
          if ((JSON.parse(String(frame.payload)) as { type: string }).type === 'mediaReset') resets.set(page, (resets.get(page) ?? 0) + 1);
        }),
      );
    }
    await joinMeeting(pages[0]!, server.url, 'Alice', 'crash');
    await joinMeeting(pages[1]!, server.url, 'Bob', 'crash');
    for (const page of pages) await expectMediaFlowing(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('both pages decode video again within 15 s after SIGKILL of Janus, without a reload', async () => {
    const janus = server.embeddedJanus;
    assert.ok(janus?.pid, 'the test server runs the embedded Janus');
    const firstPid = janus.pid;
    const urls = pages.map((page) => page.url());
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');

    const recoveredAfterMs = await Promise.all(
      pages.map(async (page) => {
        await waitFor(async () => resets.get(page), (count) => count === 1, RECOVERY_LIMIT_MS, 100);
        assert.equal(resets.get(page), 1, 'the page is told once that media was reset');
        const decoding = await waitFor(() => receiveStats(page), (s) => s.subscriptions === 1 && s.framesDecoded > 0, RECOVERY_LIMIT_MS - (Date.now() - killedAt), 100);
        assert.ok(decoding.framesDecoded > 0, `the page decodes frames again: ${JSON.stringify(decoding)}`);
        return Date.now() - killedAt;
      }),
    );
    console.log(`decoding again ${recoveredAfterMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')} after SIGKILL`);
    for (const ms of recoveredAfterMs) assert.ok(ms < RECOVERY_LIMIT_MS, `decoding again after ${ms} ms`);
    assert.notEqual(janus.pid, firstPid, 'a new Janus process runs');
    assert.deepEqual(pages.map((page) => page.url()), urls, 'no page navigated or reloaded');
    for (const page of pages) await expectMediaFlowing(page);
  });
});
