/**
 * What people expect of the meeting page, in real Chromium pages against a
 * real Janus: camera switching, screenshare, mute, names, ringing, the call
 * ending, and reconnecting after the signalling socket drops.
 *
 * Chromium's fake cameras (`device-count=3`): fake_device_0 (I420) and fake_device_2
 * (MJPEG) are colour cameras drawing the same pattern in the same sizes; fake_device_1 is
 * by design a Y16 depth camera, whose frames play in a <video> but never reach a WebRTC
 * encoder (its sender's media-source counts no frames, even in a bare loopback call).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting, receiveStats, waitFor } from '../support/meetingPage.js';

type Handle = {
  convene: {
    selfId: string;
    session?: { peerConnections(): Map<string, RTCPeerConnection> };
    ringer: { level(): number };
    speakers: { level(id: string): number };
  };
};

interface InboundVideo {
  pcId: string;
  ssrc: number;
  trackIdentifier: string;
  width: number;
  height: number;
}

/** The video each subscription of the page receives. */
function inboundVideo(page: Page): Promise<InboundVideo[]> {
  return page.evaluate(async () => {
    const found: InboundVideo[] = [];
    for (const [pcId, pc] of (window as unknown as Handle).convene.session?.peerConnections() ?? []) {
      if (!pcId.startsWith('sub-')) continue;
      (await pc.getStats()).forEach((entry: Record<string, unknown>) => {
        if (entry['type'] !== 'inbound-rtp' || entry['kind'] !== 'video') return;
        const { ssrc, trackIdentifier, frameWidth, frameHeight } = entry as { ssrc: number; trackIdentifier: string; frameWidth?: number; frameHeight?: number };
        found.push({ pcId, ssrc, trackIdentifier, width: frameWidth ?? 0, height: frameHeight ?? 0 });
      });
    }
    return found;
  });
}

/** Label of the camera the page's published camera feed sends. */
const sentCamera = (page: Page) =>
  page.evaluate(() => {
    const pc = (window as unknown as Handle).convene.session?.peerConnections().get('pub-camera');
    return pc?.getSenders().find((s) => s.track?.kind === 'video')?.track?.label;
  });

async function cameraOption(page: Page, label: string): Promise<string> {
  const options = await page.locator('#camera-select option').evaluateAll((all) => all.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent })));
  const option = options.find((o) => o.label === label);
  assert.ok(option, `the camera picker offers ${label}: ${JSON.stringify(options)}`);
  return option.value;
}

const isAspect = (video: InboundVideo | undefined, ratio: number) => video !== undefined && video.height > 0 && Math.abs(video.width / video.height - ratio) < 0.05;

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
  /** Signalling messages, by type: what Alice received and what Bob sent and received. */
  const aliceReceived: string[] = [];
  const bobSent: string[] = [];
  const bobReceived: string[] = [];

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser(['--use-fake-device-for-media-stream=device-count=3', '--auto-select-desktop-capture-source=Entire screen']);
    [alice, bob] = await Promise.all([newPage(browser), newPage(browser)]);
    const typeOf = (payload: string | Buffer) => (JSON.parse(String(payload)) as { type: string }).type;
    alice.on('websocket', (socket) => socket.on('framereceived', (frame) => aliceReceived.push(typeOf(frame.payload))));
    bob.on('websocket', (socket) => {
      socket.on('framesent', (frame) => bobSent.push(typeOf(frame.payload)));
      socket.on('framereceived', (frame) => bobReceived.push(typeOf(frame.payload)));
    });
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

  it('switches camera mid-call without a new join: the other page receives the new camera and keeps decoding', async () => {
    // The two colour cameras look alike, so Bob's first one is set to 4:3 VGA, as an older webcam
    // would deliver; the page opens the new camera at 16:9, which Alice then receives.
    await bob.evaluate(async () => {
      const pc = (window as unknown as Handle).convene.session?.peerConnections().get('pub-camera');
      await pc?.getSenders().find((s) => s.track?.kind === 'video')?.track?.applyConstraints({ width: 640, height: 480 });
    });
    const fourThree = await waitFor(() => inboundVideo(alice), (videos) => isAspect(videos[0], 4 / 3), 10_000);
    assert.ok(isAspect(fourThree[0], 4 / 3), `Alice receives Bob's first camera at 4:3: ${JSON.stringify(fourThree)}`);
    assert.equal(await sentCamera(bob), 'fake_device_0');
    const [aliceBefore, bobSentBefore, bobReceivedBefore] = [aliceReceived.length, bobSent.length, bobReceived.length];

    await bob.selectOption('#camera-select', await cameraOption(bob, 'fake_device_2'));
    assert.equal(await waitFor(() => sentCamera(bob), (label) => label === 'fake_device_2', 5_000), 'fake_device_2');
    const sixteenNine = await waitFor(() => inboundVideo(alice), (videos) => isAspect(videos[0], 16 / 9), 10_000);
    assert.ok(isAspect(sixteenNine[0], 16 / 9), `Alice receives Bob's new camera at 16:9: ${JSON.stringify(sixteenNine)}`);
    await expectMediaFlowing(alice);

    assert.deepEqual(sixteenNine.map((v) => [v.pcId, v.trackIdentifier]), fourThree.map((v) => [v.pcId, v.trackIdentifier]), 'the same subscription carries the new camera');
    const during = [...aliceReceived.slice(aliceBefore), ...bobSent.slice(bobSentBefore), ...bobReceived.slice(bobReceivedBefore)];
    for (const type of ['participantJoined', 'participantLeft', 'welcome', 'publish', 'unpublish', 'subscriptionOffer']) {
      assert.ok(!during.includes(type), `no ${type} during the switch: ${JSON.stringify(during)}`);
    }
    assert.equal(server.rooms.get('features')?.size, 2, 'the room still holds exactly Alice and Bob');
  });

  it('warns when the picked camera gives no picture the others can receive (a depth camera)', async () => {
    const notice = bob.locator('#device-notice');
    await bob.selectOption('#camera-select', await cameraOption(bob, 'fake_device_1'));
    try {
      await waitFor(() => notice.textContent(), (text) => /no picture/.test(text ?? ''), 10_000);
      assert.match((await notice.textContent()) ?? '', /“fake_device_1” gives no picture/);
    } finally {
      // Back to a colour camera even if the warning failed, so the tests after this one see Bob.
      await bob.selectOption('#camera-select', await cameraOption(bob, 'fake_device_0'));
    }
    assert.equal(await waitFor(() => notice.textContent(), (text) => text === '', 10_000), '', 'a working camera clears the warning');
    await expectMediaFlowing(alice);
  });

  it('shows a screenshare as its own tile, and removes it when sharing stops', async () => {
    await bob.click('#screen-button');
    const screenTile = alice.locator('.tile.screen');
    await screenTile.waitFor({ timeout: 10_000 });
    assert.equal(await screenTile.locator('.name').textContent(), 'Bob (screen)');
    const decoding = await waitFor(() => receiveStats(alice), (s) => s.videoStreams === 2, 10_000);
    assert.equal(decoding.videoStreams, 2, 'the camera and the screen arrive on the one receiving connection');
    assert.equal(decoding.subscriptions, 1);
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
    // Bob publishes again the camera he switched to, not the stopped tracks of the one he joined with.
    await expectMediaFlowing(alice);
    assert.equal(await sentCamera(bob), 'fake_device_0');
  });

  it('says the call is over when the last peer leaves', async () => {
    await bob.click('#leave-button');
    await alice.locator('#call-over').waitFor({ timeout: 5_000 });
    assert.match((await alice.locator('#call-over').textContent()) ?? '', /call is over/i);
  });
});
