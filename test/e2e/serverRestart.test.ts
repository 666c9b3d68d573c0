/**
 * The server is stopped with SIGTERM mid-call, as a service manager does:
 * the pages say "server restarting", the phone in the call is hung up, the
 * server takes its Janus down with it, and when it runs again on the same port and run directory the pages
 * reconnect by themselves (their tokens still valid) and media flows again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { mediaInterface } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, waitFor } from '../support/meetingPage.js';
import { PageSockets } from '../support/pageSockets.js';
import { childPids, isRunning, ServerProcess } from '../support/serverProcess.js';
import { freeTcpPort } from '../support/telephony/freePort.js';
import { startSipLab, type SipLab } from '../support/telephony/sipLab.js';

describe('the server restarting', () => {
  let runDir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let browser: Browser;
  let pages: Page[];
  let sockets: PageSockets[];
  let lab: SipLab;

  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'convene-restart-'));
    lab = await startSipLab();
    const port = await freeTcpPort();
    env = {
      HOST: '127.0.0.1',
      PORT: String(port),
      RUN_DIR: runDir,
      LOG_LEVEL: 'info',
      JANUS_ICE_ENFORCE_LIST: mediaInterface,
      JANUS_RTP_PORT_RANGE: '40000-40999',
      JANUS_DEBUG_LEVEL: '3',
      RECONNECT_GRACE_S: '3',
      SIP_TRUNK_URI: lab.trunk.uri,
      SIP_USERNAME: lab.trunk.username,
      SIP_PASSWORD: lab.trunk.password,
      SIP_DIAL_NUMBER: lab.numbers.answers,
      SIP_BIND_ADDRESS: '127.0.0.1',
      SIP_PORT: '0',
      SIP_MEDIA_ADDRESS: '127.0.0.1',
    };
    server = await ServerProcess.start(env);
    browser = await launchBrowser();
    const [alice, bob] = await Promise.all([newPage(browser), newPage(browser)]);
    pages = [alice, bob];
    sockets = pages.map((page) => new PageSockets(page));
    const url = `http://127.0.0.1:${port}`;
    await joinMeeting(alice, url, 'Alice', 'restart');
    await joinMeeting(bob, url, 'Bob', 'restart');
    for (const page of pages) await expectMediaFlowing(page);
  });

  after(async () => {
    await browser?.close();
    server?.kill();
    await lab?.stop();
    await rm(runDir, { recursive: true, force: true });
  });

  it('on SIGTERM the pages show "server restarting", the phone is hung up, and the server exits cleanly with no Janus left behind', async () => {
    const running = server;
    const [alice] = pages;
    assert.ok(running && alice, 'the server runs and Alice is in the call');
    // Alice dials the room's number (SIP_DIAL_NUMBER); her page's token cookie authorizes it.
    const dialled = await alice.evaluate(async () => (await fetch('/startPSTNCall', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    assert.equal(dialled, 200);
    const phoneCall = await waitFor(async () => lab.phone.calls().find((call) => call.answered), (call) => call !== undefined, 15_000);
    assert.ok(phoneCall, 'the phone answers');

    const janusPids = await childPids(running.pid);
    assert.equal(janusPids.length, 1, `the server runs one child, its Janus: ${JSON.stringify(janusPids)}`);
    running.signal('SIGTERM');
    for (const page of pages) {
      const status = page.locator('#connection-state');
      const text = await waitFor(() => status.textContent(), (t) => /server restarting/.test(t ?? ''), 5_000, 50);
      assert.match(text ?? '', /server restarting/);
      assert.ok(await status.isVisible(), 'the status is visible');
      assert.equal(await status.getAttribute('data-state'), 'reconnecting');
    }
    const exit = await Promise.race([running.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 10 s')), 10_000))]);
    assert.deepEqual(exit, { code: 0, signal: null }, 'a graceful exit');
    assert.ok(running.logLines.some((line) => line['msg'] === 'shutting down' && line['signal'] === 'SIGTERM'));
    for (const pid of janusPids) assert.equal(isRunning(pid), false, `Janus ${pid} is gone`);
    const hungUp = await lab.phone.waitForClosed(phoneCall.callId, 5_000);
    assert.equal(hungUp.state, 'closed', 'the phone was hung up');
    // Only from the signal on: what went before is the call itself, where Janus 1.1.2 logs an error of its own
    // when it mistakes a camera's RTX stream for its video (README, "Inside a room").
    const tail = running.logLines.slice(running.logLines.findIndex((line) => line['msg'] === 'shutting down'));
    const errors = tail.filter((line) => Number(line['level']) >= 50);
    assert.deepEqual(errors, [], `no errors logged on the way down: ${tail.map((line) => JSON.stringify(line)).join('\n')}`);
    running.assertNoUnhandledRejection();
    // Still "server restarting" once the pages have knocked on the closed port and taken the refusal in.
    for (const pageSockets of sockets) {
      const knocked = await waitFor(async () => pageSockets.hasHandledFailure(/ERR_CONNECTION_REFUSED/), (handled) => handled, 10_000, 50);
      assert.ok(knocked, 'the page tried the closed port and tried again');
    }
    for (const page of pages) assert.match((await page.locator('#connection-state').textContent()) ?? '', /server restarting/);
  });

  it('the pages reconnect by themselves when it runs again on the same port, and decode each other again', async () => {
    const urls = pages.map((page) => page.url());
    server = await ServerProcess.start(env);
    for (const page of pages) {
      await page.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
      assert.equal(await page.locator('#connection-state').textContent(), 'connected');
    }
    for (const page of pages) await expectMediaFlowing(page);
    for (const page of pages) assert.equal(await page.locator('.tile:not(.self)').count(), 1, 'each sees the other again');
    assert.deepEqual(pages.map((page) => page.url()), urls, 'no page reloaded');
    server.signal('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    server.assertNoUnhandledRejection();
  });
});
