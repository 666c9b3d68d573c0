/**
 * A big meeting, with real Chromium pages, the real server and its Janus.
 *
 * The room of 30: 27 publishers are synthetic participants (werift peers in
 * this process, test/support/synthetic), and three are real pages: a desktop
 * page (1280×720) and a phone-sized one (390×844) that watch, and a page
 * that speaks. A synthetic participant publishes light probe streams
 * (video 5 packets/s, audio 10/s) that Chromium counts as received like any
 * other, and receives nothing itself, so that 30 participants fit on two
 * cores. Its audio packets are Opus silence, so no page ever takes it for a
 * speaker. For the same reason the watching pages join without a camera:
 * theirs are not what is measured, and two more 720p simulcast encoders
 * would take most of the machine.
 *
 * The speaker's microphone is Chromium's fake one playing a voice-like tone
 * (support/voiceMicrophone.ts). The server starts every page
 * muted (START_MUTED_AUDIO), and a page turns its microphone off before its
 * first packet, so the watching pages (whose microphones play the same
 * file) never speak and never take a place on each other's first page. The
 * speaker joins after 14 others, so it starts off the watchers' first page,
 * which the first to join fill.
 *
 * "Within 1 s" runs from the unmute click on the speaker's page (its clock)
 * to the moment the speaker's tile stops being hidden in the watcher's grid
 * (the watcher's clock): one machine, one wall clock.
 *
 * Which streams a page receives comes from its receiving connection's
 * getStats: a stream flows when its packet or byte counter grows over a
 * one-second window; a stream Janus stopped sending keeps its counters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { waitForFlow, type Flow } from '../support/inboundStreams.js';
import { MediaClock } from '../support/synthetic/mediaClock.js';
import { LIGHT_SYNTHETIC_MEDIA } from '../support/synthetic/probePackets.js';
import { SyntheticParticipant } from '../support/synthetic/syntheticParticipant.js';
import { voiceMicrophone, type VoiceMicrophone } from '../support/voiceMicrophone.js';

const LAST_N = 9;
/** What a page narrower than 600 px shows at most (client/view/RoomView.ts). */
const PHONE_TILES = 4;
const ROOM_SIZE = 30;
const SYNTHETIC_COUNT = ROOM_SIZE - 3;
/** Synthetic participants that join before the speaker: more than any page shows at once. */
const JOIN_BEFORE_SPEAKER = 14;
const SPEAKER_ON_STAGE_LIMIT_MS = 1_000;
const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 390, height: 844 };
/** Joins in parallel at most this many synthetic participants at a time. */
const JOIN_BATCH = 7;
const SETTLE_MS = 30_000;

type Handle = { convene: { selfId: string; room: { onStage(): string[] } } };
type Timing = Window & { clickedAt?: number; shownAt?: number };

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let microphone: VoiceMicrophone | undefined;

before(async () => {
  microphone = await voiceMicrophone();
  server = await startTestServer({
    LAST_N: String(LAST_N),
    START_MUTED_AUDIO: 'true',
    // Every participant comes from 127.0.0.1; the limit has tests of its own (rateLimits.test.ts).
    RATE_LIMIT_JOIN_PER_MIN: '1000',
  });
  browser = await launchBrowser(microphone.chromiumArgs);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await microphone?.remove();
});

/** A page in a browser context of its own (its own storage and token), at a screen size. */
async function openPage(viewport = DESKTOP): Promise<Page> {
  const page = await (await newContext(browser)).newPage();
  await page.setViewportSize(viewport);
  return page;
}

const selfId = (page: Page) => page.evaluate(() => (window as unknown as Handle).convene.selfId);

/** Joins synthetic participants a batch at a time; each is added to `into` as soon as it is in, so `after` can let go of it. */
async function joinSynthetic(room: string, indices: number[], into: SyntheticParticipant[]): Promise<SyntheticParticipant[]> {
  const joined: SyntheticParticipant[] = [];
  for (let start = 0; start < indices.length; start += JOIN_BATCH) {
    const batch = indices.slice(start, start + JOIN_BATCH);
    await Promise.all(
      batch.map(async (index) => {
        const participant = await SyntheticParticipant.join(server.url, room, index, { media: LIGHT_SYNTHETIC_MEDIA });
        into.push(participant);
        joined.push(participant);
      }),
    );
  }
  return joined;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const sorted = (ids: Iterable<string>) => [...ids].sort();
const sameSet = (a: Iterable<string>, b: Iterable<string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const describeFlow = (flow: Flow) =>
  JSON.stringify({ videoStreams: flow.videoStreams, audioStreams: flow.audioStreams, onStage: flow.onStage.length, videoFromOffStage: [...flow.videoFrom].filter((id) => !flow.onStage.includes(id)).length });

describe(`a room of ${ROOM_SIZE} (synthetic publishers and real pages)`, () => {
  const room = 'big';
  const synthetic: SyntheticParticipant[] = [];
  let clock: MediaClock | undefined;
  let desktop: Page;
  let phone: Page;
  let speaker: Page;
  let speakerId: string;
  /** Everyone in the room, by participant id. */
  const everyone = new Set<string>();

  before(async () => {
    await joinSynthetic(room, range(0, JOIN_BEFORE_SPEAKER), synthetic);
    speaker = await openPage();
    await joinMeeting(speaker, server.url, 'Speaker', room);
    const muted = await waitFor(() => speaker.locator('#mic-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 10_000);
    assert.equal(muted, 'true', 'the server starts the speaker muted');
    await joinSynthetic(room, range(JOIN_BEFORE_SPEAKER, SYNTHETIC_COUNT), synthetic);
    clock = new MediaClock(synthetic);
    clock.start();
    [desktop, phone] = await Promise.all([openPage(DESKTOP), openPage(PHONE)]);
    await Promise.all([joinMeeting(desktop, server.url, 'Desktop', room, { camera: false }), joinMeeting(phone, server.url, 'Phone', room, { camera: false })]);
    speakerId = await selfId(speaker);
    for (const id of [...synthetic.map((p) => p.participantId), speakerId, await selfId(desktop), await selfId(phone)]) everyone.add(id);
    assert.equal(everyone.size, ROOM_SIZE);
  });

  after(async () => {
    clock?.stop();
    await Promise.all(synthetic.map((participant) => participant.leave()));
    await Promise.all([desktop, phone, speaker].map((page) => page?.context().close()));
  });

  it(`a page receives at most LAST_N = ${LAST_N} video streams (a phone-sized one at most ${PHONE_TILES}) and everyone's audio`, async (t) => {
    for (const [page, name, shown] of [[desktop, 'desktop', LAST_N], [phone, 'phone-sized', PHONE_TILES]] as const) {
      const self = await selfId(page);
      const others = [...everyone].filter((id) => id !== self);
      const startedAt = Date.now();
      const settled = (flow: Flow) => flow.onStage.length === shown && sameSet(flow.videoFrom, flow.onStage) && sameSet(flow.audioFrom, others);
      const flow = await waitForFlow(page, settled, SETTLE_MS);
      t.diagnostic(`${name} page: ${flow.videoStreams} video and ${flow.audioStreams} audio streams flowing of ${others.length} others (settled ${Date.now() - startedAt} ms after joining the checks)`);
      assert.equal(flow.onStage.length, shown, `the ${name} page shows ${shown} cameras: ${describeFlow(flow)}`);
      assert.ok(flow.videoStreams <= shown, `the ${name} page receives at most ${shown} video streams: ${describeFlow(flow)}`);
      assert.deepEqual(sorted(flow.videoFrom), sorted(flow.onStage), `the ${name} page receives video from exactly the cameras it shows: ${describeFlow(flow)}`);
      assert.equal(flow.audioStreams, others.length, `the ${name} page receives one audio stream per other participant: ${describeFlow(flow)}`);
      assert.deepEqual(sorted(flow.audioFrom), sorted(others), `the ${name} page hears all ${others.length} others`);

      // The rest are listed by name, a page of the stage at a time.
      const pages = 1 + Math.ceil((others.length - shown) / shown);
      assert.equal(await page.locator('#pager .page-label').textContent(), `Page 1 of ${pages}`);
      assert.equal(await page.locator('#pager .offstage li').count(), others.length - shown);
      assert.equal(await page.locator('.tile.camera:not(.self):visible').count(), shown);
    }
  });

  it('someone who starts speaking has a tile on the first page within 1 s', async (t) => {
    const watchers = [
      { page: desktop, name: 'desktop', shown: LAST_N },
      { page: phone, name: 'phone-sized', shown: PHONE_TILES },
    ];
    const tile = (page: Page) => page.locator(`.tile[data-participant-id="${speakerId}"][data-feed="camera"]`);
    for (const { page, name } of watchers) {
      assert.ok(!(await page.evaluate(() => (window as unknown as Handle).convene.room.onStage())).includes(speakerId), `the speaker starts off the ${name} page's first page`);
      assert.equal(await tile(page).isHidden(), true);
      // The moment the tile stops being hidden, taken in the page as it happens.
      await page.evaluate((id) => {
        const grid = document.getElementById('grid')!;
        const observer = new MutationObserver(() => {
          const shown = grid.querySelector<HTMLElement>(`.tile[data-participant-id="${id}"][data-feed="camera"]`);
          if (!shown || shown.hidden) return;
          (window as Timing).shownAt = Date.now();
          observer.disconnect();
        });
        observer.observe(grid, { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden'] });
      }, speakerId);
    }
    await speaker.evaluate(() => document.getElementById('mic-button')!.addEventListener('click', () => ((window as Timing).clickedAt = Date.now()), { capture: true }));

    await speaker.click('#mic-button');
    const clickedAt = await speaker.evaluate(() => (window as Timing).clickedAt);
    assert.ok(clickedAt !== undefined, 'the click reached the mic button');
    for (const { page, name, shown } of watchers) {
      const shownAt = await waitFor(() => page.evaluate(() => (window as Timing).shownAt), (at) => at !== undefined, 10_000, 50);
      assert.ok(shownAt !== undefined, `the speaker's tile shows on the ${name} page`);
      const elapsedMs = shownAt - clickedAt;
      t.diagnostic(`${name} page: unmute click → speaker's tile on the first page in ${elapsedMs} ms`);
      assert.ok(elapsedMs <= SPEAKER_ON_STAGE_LIMIT_MS, `the speaker's tile shows on the ${name} page within ${SPEAKER_ON_STAGE_LIMIT_MS} ms (took ${elapsedMs} ms)`);
      assert.equal(await tile(page).isVisible(), true);
      assert.equal(await page.locator('#pager .page-label').textContent().then((label) => label?.startsWith('Page 1 ')), true, 'still on the first page');

      // The speaker took one place: the page still receives video for exactly what it shows, the speaker's among it.
      const flow = await waitForFlow(page, (f) => f.videoFrom.has(speakerId) && sameSet(f.videoFrom, f.onStage), SETTLE_MS);
      assert.equal(flow.onStage.length, shown);
      assert.ok(flow.onStage.includes(speakerId), `the speaker stays on the ${name} page's stage`);
      assert.ok(flow.videoStreams <= shown, `the ${name} page still receives at most ${shown} video streams: ${describeFlow(flow)}`);
      assert.deepEqual(sorted(flow.videoFrom), sorted(flow.onStage), `the ${name} page receives the speaker's video in place of the one who left the stage`);
    }
  });
});
