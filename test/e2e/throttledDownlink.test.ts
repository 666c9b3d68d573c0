/**
 * A page on a slow downlink: in a room of four, Ann's page runs in a network
 * namespace of its own (test/support/pageNetwork.ts) whose downlink is held
 * to 600 kbit/s, less than the three cameras she receives at the layer her
 * tiles need. Her page must step the layers down so that every tile keeps
 * moving (framesDecoded rises every second, for 30 s), and within 15 s of
 * the limit being lifted, every tile must be back at the layer it needs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { expectMediaFlowing, waitFor } from '../support/meetingPage.js';
import { JanusAdmin } from '../support/janusAdmin.js';
import type { PageNetwork } from '../support/pageNetwork.js';
import { meetingWithOwnNetwork, type MeetingWithOwnNetwork } from '../support/meetingWithOwnNetwork.js';
import { receivedStreams, type ReceivedStream } from '../support/receivedMedia.js';

const ROOM = 'slow-link';
const LIMIT_KBIT = 600;
const THROTTLED_S = 30;
const STEP_UP_WITHIN_MS = 15_000;

type Handle = { convene: { downlink: { quality: { lower: number; lowFrameRate: boolean; promoted: number } } } };

/** Counters of a received stream that the per-second account shows tile by tile. */
type Counter = 'packetsReceived' | 'framesReceived' | 'keyFramesDecoded' | 'pliCount' | 'nackCount';

const describeQuality = (q: { lower: number; lowFrameRate: boolean; promoted: number }) => `lower ${q.lower}${q.lowFrameRate ? ' low' : ''}+${q.promoted}`;

/** A page's remote cameras, by participant. */
async function cameras(page: Page): Promise<Map<string, ReceivedStream>> {
  const streams = await receivedStreams(page);
  return new Map(streams.filter((s) => s.kind === 'video' && s.feed === 'camera').map((s) => [s.participantId, s]));
}

/**
 * Whether Ann receives every camera at least as wide as an unthrottled page
 * with the same layout does: the layer her tiles need. (What that layer
 * measures depends on the sender: a busy one sends smaller pictures.)
 */
async function asWideAsUnthrottled(ann: Page, others: Page[]): Promise<{ ok: boolean; text: string }> {
  const [annCameras, references] = await Promise.all([cameras(ann), Promise.all(others.map(cameras))]);
  const pairs = [...annCameras].map(([id, camera]) => {
    const reference = references.find((received) => received.has(id))?.get(id);
    return { annWidth: camera.width, referenceWidth: reference?.width ?? Number.POSITIVE_INFINITY };
  });
  return {
    ok: pairs.length === 3 && pairs.every(({ annWidth, referenceWidth }) => annWidth >= referenceWidth),
    text: pairs.map(({ annWidth, referenceWidth }) => `${annWidth} (unthrottled ${referenceWidth})`).join('/'),
  };
}

describe('a page whose downlink is throttled', () => {
  let meeting: MeetingWithOwnNetwork | undefined;
  let network: PageNetwork;
  let ann: Page;
  let others: Page[];
  let admin: JanusAdmin | undefined;

  before(async () => {
    meeting = await meetingWithOwnNetwork(ROOM, ['Bob', 'Carol', 'Dave']);
    ({ network, ann, others } = meeting);
    admin = await JanusAdmin.connect(meeting.server.embeddedJanus!.admin);
    const seen = await waitFor(async () => [...(await cameras(ann)).values()].filter((c) => c.width > 0 && c.framesDecoded > 0).length, (n) => n === 3, 20_000);
    assert.equal(seen, 3, 'Ann decodes the three other cameras');
  });

  after(async () => {
    admin?.close();
    await meeting?.close();
  });

  it(`keeps every tile decoding for ${THROTTLED_S} s at ${LIMIT_KBIT} kbit/s, then steps the layers back up within 15 s of the limit going`, async (t) => {
    const unthrottled = await waitFor(() => asWideAsUnthrottled(ann, others), (widths) => widths.ok, 15_000);
    assert.ok(unthrottled.ok, `before the limit, Ann gets the layers her tiles need: ${unthrottled.text}`);
    await network.throttle(LIMIT_KBIT);
    let previous = await cameras(ann);
    const seconds: string[] = [];
    let steppedDown = false;
    const started = Date.now();
    for (let second = 1; second <= THROTTLED_S; second++) {
      // A look at every second of the throttle, on the second.
      await new Promise((resolve) => setTimeout(resolve, started + second * 1000 - Date.now()));
      const now = await cameras(ann);
      const perTile = (counter: Counter) => [...now].map(([id, camera]) => camera[counter] - (previous.get(id)?.[counter] ?? 0)).join('/');
      const decoded = [...now].map(([id, camera]) => camera.framesDecoded - (previous.get(id)?.framesDecoded ?? 0));
      const kbit = Math.round([...now].reduce((sum, [id, camera]) => sum + camera.bytesReceived - (previous.get(id)?.bytesReceived ?? 0), 0) * 8 / 1000);
      const quality = await ann.evaluate(() => (window as unknown as Handle).convene.downlink.quality);
      const queue = await network.queue();
      // Ann's subscription is the one relaying exactly the cameras she receives.
      const relayed = (await (admin?.simulcastLayers() ?? [])).find((streams) => streams.length === now.size && streams.every((stream) => now.has(stream.feed.replace(/:camera$/, ''))));
      steppedDown ||= quality.lower > 0 || quality.lowFrameRate;
      seconds.push(`${second}s: frames ${decoded.join('/')} widths ${[...now.values()].map((c) => c.width).join('/')} video ${kbit} kbit ${describeQuality(quality)} queue ${Math.round(queue.backlogBytes / 1000)} KB dropped ${queue.dropped} unsent ${queue.sendBufferDrops}; per tile: packets ${perTile('packetsReceived')} complete frames ${perTile('framesReceived')} keyframes ${perTile('keyFramesDecoded')} PLIs sent ${perTile('pliCount')} NACKs sent ${perTile('nackCount')}; Janus relays ${relayed?.map((stream) => `${stream.feed} ${stream.layers}`).join(', ')}`);
      assert.ok(decoded.length === 3 && decoded.every((frames) => frames > 0), `second ${second} of the throttle: every tile decodes (frames per tile ${decoded.join('/')})\n${seconds.join('\n')}`);
      previous = now;
    }
    assert.ok(steppedDown, `the limit made Ann's page take lower layers (spatial or temporal): ${seconds.join('; ')}`);
    const throttledWidths = new Map([...previous].map(([id, camera]) => [id, camera.width]));
    await network.lift();
    const liftedAt = Date.now();
    const climb: string[] = [];
    const noted = async <T>(look: T): Promise<T> => {
      const quality = await ann.evaluate(() => (window as unknown as Handle).convene.downlink.quality);
      climb.push(`${Date.now() - liftedAt} ms: ${JSON.stringify(look)} ${describeQuality(quality)}`);
      return look;
    };
    const history = () => `throttled: ${seconds.join('; ')}\nafter: ${climb.join('; ')}`;
    const restored = await waitFor(async () => noted(await asWideAsUnthrottled(ann, others)), (widths) => widths.ok, STEP_UP_WITHIN_MS + 10_000, 500);
    const restoredMs = Date.now() - liftedAt;
    assert.ok(restored.ok, `every tile back to the layer it needs: ${history()}`);
    assert.ok(restoredMs <= STEP_UP_WITHIN_MS, `every tile back to the layer it needs ${restoredMs} ms after the limit was lifted: ${history()}`);
    t.diagnostic(`throttled: ${seconds.join('; ')}`);
    t.diagnostic(`widths at the end of the throttle ${[...throttledWidths.values()].join('/')}; all back to ${restored.text} ${restoredMs} ms after lifting it`);
  });

  it('leaves the other pages decoding', async () => {
    for (const page of others) await expectMediaFlowing(page);
  });
});
