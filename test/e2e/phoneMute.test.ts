/**
 * A host's mute of a phone: the phone is left out of its AudioBridge mixer,
 * so the room stops hearing it, whatever the phone sends (the SIP lab's
 * phone plays a 1 kHz tone all along).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { startSipLab, type SipLab } from '../support/telephony/sipLab.js';
import { telephonyOverrides } from '../support/telephony/labServerSettings.js';
import { dialFromPage, expectDialState } from '../support/telephony/dialOutDialog.js';
import { receivedPeakHz } from '../support/pageAudio.js';
import { openPanel, tileData } from '../support/hostsCluster.js';

describe('a host mutes a phone', () => {
  let lab: SipLab;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;

  before(async () => {
    lab = await startSipLab();
    server = await startTestServer(telephonyOverrides(lab));
    browser = await launchBrowser();
    page = await newPage(browser);
    await joinMeeting(page, server.url, 'Alice', 'phone-mute');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await lab?.stop();
  });

  it('leaves the phone out of the mix: the host stops hearing its tone', async () => {
    await dialFromPage(page, lab.numbers.answers, 'Bob');
    await expectDialState(page, 'answered', /answered/i);
    const phoneTile = page.locator('figure[data-kind="phone"]');
    await phoneTile.waitFor({ timeout: 5000 });
    const phoneId = await phoneTile.getAttribute('data-participant-id');
    assert.ok(phoneId, 'the phone has a tile');
    const heard = (check: (hz: number) => boolean) => waitFor(() => receivedPeakHz(page, phoneId), check, 15_000, 250);
    const before = await heard((hz) => Math.abs(hz - 1000) < 50);
    assert.ok(Math.abs(before - 1000) < 50, `the page hears the phone's 1 kHz before the mute, heard ${before} Hz`);

    // Alice opened the room, so she hosts it; the dial dialog (modal) closes with Escape first.
    await page.keyboard.press('Escape');
    await openPanel(page);
    await page.click(`#people-list [data-verb="mute"][data-participant-id="${phoneId}"]`);
    assert.equal(await waitFor(() => tileData(page, phoneId, 'audioMuted'), (muted) => muted === 'true', 10_000), 'true', 'the phone shows muted');
    assert.equal(await heard((hz) => hz === 0), 0, 'the page hears silence from the phone');
    assert.deepEqual(await Promise.all([receivedPeakHz(page, phoneId), receivedPeakHz(page, phoneId)]), [0, 0], 'and keeps hearing silence');
    console.log(`phone: ${before} Hz before the host's mute, silence (peak 0) after`);
  });
});
