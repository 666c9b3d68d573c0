/**
 * A meeting ends when it reaches SESSION_MAX_S (here a few seconds): every
 * page says the call is over and why, and the room lets go of Janus.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { JanusAdmin } from '../support/janusAdmin.js';
import { PageSockets } from '../support/pageSockets.js';

const SESSION_MAX_S = 8;

describe('the maximum meeting length', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let pages: Page[];
  let sockets: PageSockets[];
  let admin: JanusAdmin;

  before(async () => {
    server = await startTestServer({ SESSION_MAX_S: String(SESSION_MAX_S) });
    admin = await JanusAdmin.connect(server.embeddedJanus!.admin);
    browser = await launchBrowser();
    pages = await Promise.all([newPage(browser), newPage(browser)]);
    sockets = pages.map((page) => new PageSockets(page));
  });

  after(async () => {
    admin?.close();
    await browser?.close();
    await server?.close();
  });

  it('ends the meeting for every page with the reason, and the room releases its media', async () => {
    const startedAt = Date.now();
    await joinMeeting(pages[0]!, server.url, 'Alice', 'timeboxed');
    await joinMeeting(pages[1]!, server.url, 'Bob', 'timeboxed');
    const joinedAfterMs = Date.now() - startedAt;
    assert.ok(joinedAfterMs < SESSION_MAX_S * 1000, `both joined before the limit (${joinedAfterMs} ms)`);
    for (const page of pages) {
      await page.locator('#call-over').waitFor({ timeout: SESSION_MAX_S * 1000 + 5_000 });
      assert.equal(await page.locator('#call-over p').textContent(), `The call is over: the meeting reached its maximum length of ${SESSION_MAX_S} s.`);
      assert.equal(await page.locator('#connection-state').getAttribute('data-state'), 'ended');
      assert.ok(await page.locator('#call-over').isVisible());
    }
    const endedAfterMs = Date.now() - startedAt;
    assert.ok(endedAfterMs >= SESSION_MAX_S * 1000 - 1_000, `not ended early (${endedAfterMs} ms)`);
    assert.equal(server.rooms.get('timeboxed'), undefined, 'the room is gone');
    const holdings = await waitFor(() => admin.holdings(), (h) => h.sessions === 1, 5_000);
    assert.deepEqual(holdings, { sessions: 1, handles: 1 }, 'Janus keeps only the server\'s control handle');
    // Nothing reconnects on its own: the session is over until someone joins again. A page that would try
    // again does so after its backoff (the first attempt 250 ms after the close): waiting past that is the
    // point here, as nothing marks an attempt that is never made.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(sockets.map((pageSockets) => pageSockets.opened), [1, 1], 'each page opened one socket: the one it joined with');
    assert.equal(server.rooms.count, 0);
  });
});
