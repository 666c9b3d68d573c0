/**
 * START_MUTED_AUDIO with a real Chromium page and the real server: the room
 * never hears a joiner who is to start muted, not even in the moment
 * between its first audio packet and its welcome.
 *
 * What the microphone put into the page's sending connection is read from
 * that connection's `media-source` statistics: `totalAudioEnergy` adds up
 * the sound of every sample since the connection started to send, so any
 * moment of sound before the unmute leaves it above zero. The microphone
 * plays a voice-like tone (support/voiceMicrophone.ts), never quiet by itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { voiceMicrophone, type VoiceMicrophone } from '../support/voiceMicrophone.js';

type Handle = { convene: { session?: { peerConnections(): Map<string, RTCPeerConnection> } } };

interface SentAudio {
  packetsSent: number;
  /** Seconds of microphone audio the connection took in, and their energy. */
  samplesDuration: number;
  energy: number;
}

/** The audio the page's camera feed sends, from its sending connection's statistics. */
function sentAudio(page: Page): Promise<SentAudio> {
  return page.evaluate(async () => {
    const sent = { packetsSent: 0, samplesDuration: 0, energy: 0 };
    const pc = (window as unknown as Handle).convene.session?.peerConnections().get('pub-camera');
    (await pc?.getStats())?.forEach((entry: Record<string, unknown>) => {
      if (entry['kind'] !== 'audio') return;
      if (entry['type'] === 'outbound-rtp') sent.packetsSent += (entry['packetsSent'] as number | undefined) ?? 0;
      if (entry['type'] === 'media-source') {
        sent.samplesDuration += (entry['totalSamplesDuration'] as number | undefined) ?? 0;
        sent.energy += (entry['totalAudioEnergy'] as number | undefined) ?? 0;
      }
    });
    return sent;
  });
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let microphone: VoiceMicrophone | undefined;

before(async () => {
  microphone = await voiceMicrophone();
  server = await startTestServer({ START_MUTED_AUDIO: 'true' });
  browser = await launchBrowser(microphone.chromiumArgs);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await microphone?.remove();
});

describe('a server that starts everyone muted (START_MUTED_AUDIO)', () => {
  it('has a joining page send only silence, from its first packet until its user unmutes', async () => {
    const page = await newPage(browser);
    await joinMeeting(page, server.url, 'Ann', 'muted-start', { camera: false });
    assert.equal(await page.locator('#mic-button').getAttribute('aria-pressed'), 'true', 'the mic button shows the microphone muted');

    // A second of the microphone's audio went into the connection, and was sent.
    const muted = await waitFor(() => sentAudio(page), (sent) => sent.samplesDuration >= 1 && sent.packetsSent > 0, 15_000);
    assert.ok(muted.samplesDuration >= 1 && muted.packetsSent > 0, `the page sends audio packets: ${JSON.stringify(muted)}`);
    assert.equal(muted.energy, 0, `not one sample carried sound before the unmute: ${JSON.stringify(muted)}`);

    await page.click('#mic-button');
    const unmuted = await waitFor(() => sentAudio(page), (sent) => sent.energy > 0, 10_000);
    assert.ok(unmuted.energy > 0, `the microphone's tone is sent once unmuted: ${JSON.stringify(unmuted)}`);
    await page.context().close();
  });
});
