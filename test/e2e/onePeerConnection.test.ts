/**
 * A page holds exactly one receiving RTCPeerConnection however many join
 * and leave: real pages and synthetic participants (werift peers in this
 * process, test/support/synthetic) come and go in waves, the room empties
 * and fills again, and the watching page receives everyone's audio and
 * video on the one connection it opened while it was alone.
 *
 * The page's connections are watched from inside it (peerConnectionWatch.ts):
 * every connection it constructs, sampled every 50 ms, so that a second
 * receiving connection that lived only between two of the test's looks, or
 * a moment with none, still shows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { waitForFlow } from '../support/inboundStreams.js';
import { peerConnectionRecord, watchPeerConnections } from '../support/peerConnectionWatch.js';
import { MediaClock } from '../support/synthetic/mediaClock.js';
import { LIGHT_SYNTHETIC_MEDIA } from '../support/synthetic/probePackets.js';
import { SyntheticParticipant } from '../support/synthetic/syntheticParticipant.js';

const ROOM = 'comings-and-goings';
const FLOW_TIMEOUT_MS = 30_000;

type Handle = { convene: { selfId: string } };

/** Someone in the room besides the watching page, and how they leave. */
interface Other {
  id: string;
  kind: 'page' | 'synthetic';
  leave(): Promise<void>;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

before(async () => {
  // Every participant comes from 127.0.0.1; the limit has tests of its own (rateLimits.test.ts).
  server = await startTestServer({ RATE_LIMIT_JOIN_PER_MIN: '1000' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const sorted = (ids: Iterable<string>) => [...ids].sort();
const sameSet = (a: Iterable<string>, b: Iterable<string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

describe('the page’s one receiving connection', () => {
  let watcher: Page;
  const present = new Map<string, Other>();
  let nextSynthetic = 0;
  let nextPage = 0;

  /** A real page joins; it leaves with its leave button, as a person would. */
  const joinPage = async (): Promise<Other> => {
    const page = await newPage(browser);
    await joinMeeting(page, server.url, `Page ${++nextPage}`, ROOM);
    const id = await page.evaluate(() => (window as unknown as Handle).convene.selfId);
    return {
      id,
      kind: 'page',
      async leave() {
        await page.click('#leave-button');
        await page.waitForSelector('#join-form:not([hidden])');
        await page.context().close();
      },
    };
  };

  /** A synthetic participant joins and publishes; it stops sending when it leaves. */
  const joinSynthetic = async (): Promise<Other> => {
    const participant = await SyntheticParticipant.join(server.url, ROOM, nextSynthetic++, { media: LIGHT_SYNTHETIC_MEDIA });
    const clock = new MediaClock([participant]);
    clock.start();
    return {
      id: participant.participantId,
      kind: 'synthetic',
      async leave() {
        clock.stop();
        await participant.leave();
      },
    };
  };

  /** A wave: some leave and some join, all at once. */
  const wave = async (leaving: string[], joining: { pages: number; synthetic: number }) => {
    const joins = [...Array.from({ length: joining.pages }, joinPage), ...Array.from({ length: joining.synthetic }, joinSynthetic)];
    const leaves = leaving.map(async (id) => {
      const other = present.get(id)!;
      present.delete(id);
      await other.leave();
    });
    // Each joiner counts as present as soon as it is in, so that `after` lets go of it even if another join fails.
    const joined = joins.map(async (join) => {
      const other = await join;
      present.set(other.id, other);
    });
    await Promise.all([...leaves, ...joined]);
  };

  /** Waits until the watching page shows every camera in the room and receives exactly their audio and video. */
  const receivesEveryone = async (t: { diagnostic(message: string): void }, label: string): Promise<void> => {
    const others = [...present.keys()];
    const startedAt = Date.now();
    const flow = await waitForFlow(
      watcher,
      (f) => sameSet(f.onStage, others) && sameSet(f.audioFrom, others) && sameSet(f.videoFrom, others) && f.audioStreams === others.length && f.videoStreams === others.length,
      FLOW_TIMEOUT_MS,
    );
    const summary = JSON.stringify({ others: others.length, onStage: flow.onStage.length, audioStreams: flow.audioStreams, videoStreams: flow.videoStreams });
    assert.ok(sameSet(flow.onStage, others), `${label}: the page shows everyone's camera: ${summary}`);
    assert.deepEqual(sorted(flow.audioFrom), sorted(others), `${label}: the page hears everyone: ${summary}`);
    assert.deepEqual(sorted(flow.videoFrom), sorted(others), `${label}: the page receives everyone's video: ${summary}`);
    assert.equal(flow.audioStreams, others.length, `${label}: no audio besides theirs flows: ${summary}`);
    assert.equal(flow.videoStreams, others.length, `${label}: no video besides theirs flows: ${summary}`);
    t.diagnostic(`${label}: ${others.length} others; their ${flow.audioStreams} audio and ${flow.videoStreams} video streams flowing ${Date.now() - startedAt} ms after the wave`);
  };

  /** The page has held one receiving connection, and only one, since it opened it. */
  const oneConnection = async (t: { diagnostic(message: string): void }, label: string): Promise<void> => {
    const record = await peerConnectionRecord(watcher);
    const summary = JSON.stringify(record);
    assert.equal(record.openReceiving, 1, `${label}: one receiving connection is open: ${summary}`);
    assert.equal(record.maxOpenReceiving, 1, `${label}: never more than one was open at once: ${summary}`);
    assert.equal(record.minOpenReceiving, 1, `${label}: never none since the first opened: ${summary}`);
    assert.equal(record.receivingIds.length, 1, `${label}: the session listed one receiving connection, ever: ${summary}`);
    t.diagnostic(`${label}: receiving connections open ${record.openReceiving} (min ${record.minOpenReceiving}, max ${record.maxOpenReceiving} over ${record.samples} samples); ids ${record.receivingIds.join(', ')}; constructed ${record.constructed} (${record.listedPublishing} publishing, ${record.neverListed} never listed)`);
  };

  before(async () => {
    watcher = await newPage(browser);
    await watchPeerConnections(watcher);
    await joinMeeting(watcher, server.url, 'Watcher', ROOM);
  });

  after(async () => {
    await Promise.all([...present.values()].map((other) => other.leave()));
    await watcher?.context().close();
  });

  it('opens it while alone, with nothing flowing on it, and receives the first who come on it', async (t) => {
    // Made on the page's own audio, paused, once its camera is live: the first to come only renegotiates.
    const alone = await waitFor(() => peerConnectionRecord(watcher), (record) => record.openReceiving === 1, 15_000);
    assert.equal(alone.openReceiving, 1, `alone, the page opens its receiving connection: ${JSON.stringify(alone)}`);
    assert.ok(alone.samples > 0, 'the watch samples the page in the meeting');
    // Watched for 3 s, one-second windows: any stream that flows in one of them ends the watch.
    const alone3s = await waitForFlow(watcher, (f) => f.audioStreams > 0 || f.videoStreams > 0, 3_000);
    assert.equal(alone3s.audioStreams + alone3s.videoStreams, 0, `alone, nothing flows to the page (its own audio stays paused): ${JSON.stringify({ audioStreams: alone3s.audioStreams, videoStreams: alone3s.videoStreams })}`);
    await wave([], { pages: 2, synthetic: 4 });
    await receivesEveryone(t, 'wave 1 (2 pages and 4 synthetic join)');
    await oneConnection(t, 'wave 1');
  });

  it('keeps it while some leave and others join at the same time', async (t) => {
    const ofKind = (kind: Other['kind']) => [...present.values()].filter((other) => other.kind === kind).map((other) => other.id);
    await wave([...ofKind('page').slice(0, 1), ...ofKind('synthetic').slice(0, 2)], { pages: 1, synthetic: 3 });
    await receivesEveryone(t, 'wave 2 (1 page and 2 synthetic leave; 1 page and 3 synthetic join)');
    await oneConnection(t, 'wave 2');
  });

  it('keeps it while the room empties', async (t) => {
    await wave([...present.keys()], { pages: 0, synthetic: 0 });
    const cleared = await waitFor(() => watcher.locator('.tile.camera:not(.self)').count(), (count) => count === 0, 15_000);
    assert.equal(cleared, 0, 'the page shows no one else');
    const flow = await waitForFlow(watcher, (f) => f.audioStreams === 0 && f.videoStreams === 0, FLOW_TIMEOUT_MS);
    assert.equal(flow.audioStreams + flow.videoStreams, 0, `nothing flows to the page: ${JSON.stringify({ audioStreams: flow.audioStreams, videoStreams: flow.videoStreams })}`);
    await oneConnection(t, 'wave 3 (everyone leaves)');
  });

  it('receives the next ones on the same connection', async (t) => {
    await wave([], { pages: 1, synthetic: 4 });
    await receivesEveryone(t, 'wave 4 (1 page and 4 synthetic join the empty room)');
    await oneConnection(t, 'wave 4');
  });
});
