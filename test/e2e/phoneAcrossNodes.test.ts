/**
 * A phone in a room that spans Janus nodes: two app servers and two Janus
 * nodes share a real Redis, with one participant per node and room, and
 * the SIP lab's trunk (kamailio) and phone (baresip, plays 1 kHz, records
 * what it hears) take the call. Alice's page is on app server 1, Bob's on
 * app server 2, each on its own node; both microphones play 440 Hz. The
 * phone, dialled from Alice's page, lands on one of the two nodes: the
 * page on the other node must hear it and be heard by it, `/endPSTNCall`
 * on app server 2 hangs it up, and afterwards neither node's Janus lists
 * anything of the call.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import type { Browser } from 'playwright-core';
import type { EmbeddedJanus } from '../../src/media/EmbeddedJanus.js';
import { janusRoomIdFor } from '../../src/rooms/janusRoomId.js';
import { startTestJanus } from '../support/testJanus.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { waitFor } from '../support/meetingPage.js';
import { joinAs, type Person } from '../support/hostsCluster.js';
import { receivedPeakHz } from '../support/pageAudio.js';
import { callAsParticipant } from '../support/participantApi.js';
import { JanusAdmin, type JanusHoldings, type VideoRoomHoldings } from '../support/janusAdmin.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';
import { startAppServer, type TestAppServer } from '../support/cluster/appServer.js';
import { startSipLab, telephonyOverrides, type SipLab } from '../support/telephony/sipLab.js';
import { analyseTone, type ToneReport } from '../support/telephony/toneAnalysis.js';
import { knownCalls, nextAnsweredCall } from '../support/telephony/answeredCalls.js';
import { readWav } from '../support/telephony/wavFile.js';
import { writeToneWav } from '../support/telephony/toneWav.js';

const ROOM = 'phone-across-nodes';
const JANUS_SECRET = randomBytes(18).toString('base64url');

/** A meeting page in the test, with the Janus node its media was placed on. */
interface Attendee extends Person {
  node: string;
}

/** What one Janus node holds of the room, and of everything. */
interface NodeListing {
  room: VideoRoomHoldings;
  counts: JanusHoldings;
}

/** What the phone heard from `fromS` seconds into its recording onwards; undefined while that part is shorter than `minimumS`. */
async function heardSince(wav: string, fromS: number, minimumS: number): Promise<ToneReport | undefined> {
  const audio = await readWav(wav).catch(() => undefined);
  if (!audio) return undefined;
  const from = Math.round(fromS * audio.sampleRateHz);
  if (audio.samples.length - from < minimumS * audio.sampleRateHz) return undefined;
  return analyseTone({ sampleRateHz: audio.sampleRateHz, samples: audio.samples.subarray(from) });
}

async function recordedSeconds(wav: string): Promise<number> {
  const audio = await readWav(wav).catch(() => undefined);
  return audio ? audio.samples.length / audio.sampleRateHz : 0;
}

const displays = (holdings: VideoRoomHoldings): string[] => holdings.participants.map((p) => p.display ?? '').sort();

describe('a phone in a room that spans Janus nodes', () => {
  let dir: string;
  let redis: TestRedis;
  let janus: EmbeddedJanus[];
  let janusRunDirs: string[] = [];
  let admins: Map<string, JanusAdmin>;
  let lab: SipLab;
  let apps: TestAppServer[];
  let app1: TestAppServer;
  let app2: TestAppServer;
  let browser: Browser;
  let alice: Attendee;
  let bob: Attendee;
  let directory: ReturnType<typeof createClient>;
  const janusRoom = janusRoomIdFor(ROOM);

  const nodeOf = (participantId: string): Promise<string | null> => directory.hGet(`convene:room:${ROOM}`, `n:${participantId}`);

  async function placedAttendee(person: Person): Promise<Attendee> {
    const node = await waitFor(() => nodeOf(person.id), (url) => url !== null, 10_000);
    assert.ok(node, `${person.name} is placed on a node`);
    return { ...person, node };
  }

  async function listings(): Promise<Map<string, NodeListing>> {
    const result = new Map<string, NodeListing>();
    for (const [url, admin] of admins) result.set(url, { room: await admin.videoRoomHoldings(janusRoom), counts: await admin.holdings() });
    return result;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-phone-nodes-'));
    redis = await startRedis(dir);
    const nodes = [await startTestJanus('44000-44499', JANUS_SECRET), await startTestJanus('44500-44999', JANUS_SECRET)];
    janus = nodes.map((node) => node.janus);
    janusRunDirs = nodes.map((node) => node.runDir);
    admins = new Map();
    for (const node of janus) admins.set(node.url, await JanusAdmin.connect(node.admin));
    lab = await startSipLab();
    const env = {
      ...telephonyOverrides(lab),
      REDIS_URL: redis.url,
      JANUS_URLS: janus.map((node) => node.url).join(','),
      JANUS_API_SECRET: JANUS_SECRET,
      TOKEN_SECRET: randomBytes(32).toString('base64url'),
      ROOM_NODE_CAPACITY: '1',
    };
    apps = await Promise.all([startAppServer('app1', env), startAppServer('app2', env)]);
    [app1, app2] = apps as [TestAppServer, TestAppServer];
    directory = createClient({ url: redis.url });
    await directory.connect();
    const mic = await writeToneWav(join(dir, 'mic-440.wav'), { frequencyHz: 440, durationS: 300, sampleRateHz: 48_000 });
    browser = await launchBrowser([`--use-file-for-fake-audio-capture=${mic}`]);
    // Audio only: the phone's path is what is under test, and the machine is small.
    alice = await placedAttendee(await joinAs(await newPage(browser), app1, 'Alice', ROOM, { camera: false }));
    bob = await placedAttendee(await joinAs(await newPage(browser), app2, 'Bob', ROOM, { camera: false }));
  });

  after(async () => {
    await browser?.close();
    directory?.destroy();
    await Promise.all((apps ?? []).map((app) => app.stop()));
    for (const admin of admins?.values() ?? []) admin.close();
    await Promise.all((janus ?? []).map((node) => node.stop()));
    await Promise.all(janusRunDirs.map((runDir) => rm(runDir, { recursive: true, force: true })));
    await lab?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
    // Last, so that a failure leaves nothing running; stopped servers have their whole log read.
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  afterEach(() => {
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  it('hears the page on the other node and is heard by it, hangs up from app server 2, and leaves nothing on either node', async (t) => {
    assert.notEqual(alice.node, bob.node, 'one participant per node: Alice and Bob are on different nodes');
    // The room as it is without the phone: each node holds a page's feed and the other's copy (a feed copied elsewhere lists as a publisher without plain forwarders).
    const baseline = await waitFor(listings, (all) => [...all.values()].every(({ room }) => room.participants.length === 2 && room.remotes.length === 1), 10_000);
    for (const [url, listing] of baseline) t.diagnostic(`before the call, ${url}: VideoRoom ${JSON.stringify(listing.room)}, sessions/handles ${JSON.stringify(listing.counts)}`);

    const known = knownCalls(lab);
    const started = await callAsParticipant(app1.url, '/startPSTNCall', alice.token, { number: lab.numbers.answers, name: 'Carol' });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const { callId, participantId } = started.json as { callId: string; participantId: string };
    const phoneCall = await nextAnsweredCall(lab, known);
    const phoneNode = await nodeOf(participantId);
    const [near, far] = alice.node === phoneNode ? [alice, bob] : [bob, alice];
    assert.equal(far.node === phoneNode, false, 'one page is on another node than the phone');
    t.diagnostic(`Alice on ${alice.node} (app server 1), Bob on ${bob.node} (app server 2), the phone on ${phoneNode}: ${far.name}'s page is on the other node`);

    for (const person of [far, near]) {
      const peak = await waitFor(() => receivedPeakHz(person.page, participantId), (hz) => Math.abs(hz - 1000) < 50, 20_000, 250);
      assert.ok(Math.abs(peak - 1000) < 50, `${person.name}'s page hears the phone's 1 kHz, heard ${peak} Hz`);
      t.diagnostic(`${person.name}'s page (${person === far ? 'the other node' : "the phone's node"}) hears ${peak.toFixed(0)} Hz from the phone`);
    }

    // From here on only the far page's microphone is open: what the phone hears of 440 Hz comes from the other node.
    await near.page.click('#mic-button');
    await waitFor(() => near.page.locator('#mic-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 5_000);
    const heardWav = phoneCall.recording?.heardWav;
    assert.ok(heardWav, 'the phone records what it hears');
    // A second's margin for audio already on its way from the near page when it muted.
    const fromS = (await recordedSeconds(heardWav)) + 1;
    const heard = await waitFor(() => heardSince(heardWav, fromS, 3), (report) => report !== undefined && report.energyShareNear(440) > 0.5, 20_000, 250);
    assert.ok(heard && heard.energyShareNear(440) > 0.5, `the phone hears ${far.name}'s 440 Hz from the other node: ${JSON.stringify(heard)}`);
    t.diagnostic(`with ${near.name} muted, the phone heard ${heard.durationS.toFixed(1)} s: ${(heard.energyShareNear(440) * 100).toFixed(0)}% of it near 440 Hz, rms ${heard.rms.toFixed(3)}`);

    // What carries the call, as each Janus lists it.
    const phoneAdmin = admins.get(phoneNode ?? '')!;
    const mixers = [...(await phoneAdmin.audioBridgeRooms())];
    assert.equal(mixers.length, 1, 'the phone has one mixer, on its node');
    const mixForwarders = await phoneAdmin.audioBridgeForwarders(mixers[0]!);
    assert.deepEqual(mixForwarders.map((f) => f.group).sort(), ['phone', 'phone', 'room'], "the mixer forwards the room's mix to the phone and the phone's mix to both nodes");
    const during = await listings();
    const farRoom = during.get(far.node)!.room;
    assert.ok(displays(farRoom).includes(`${participantId}:camera`), `the other node holds the copy of the phone's feed: ${JSON.stringify(farRoom)}`);
    const phoneRoom = during.get(phoneNode ?? '')!.room;
    const farCopy = phoneRoom.participants.find((p) => p.display === `${far.id}:camera`);
    assert.ok(farCopy, `the phone's node holds the copy of ${far.name}'s feed: ${JSON.stringify(phoneRoom)}`);
    assert.ok(
      phoneRoom.forwarders.some((f) => f.publisherId === farCopy.id && f.streams === 1),
      `the copy of ${far.name}'s feed is forwarded into the mixer on the phone's node: ${JSON.stringify(phoneRoom.forwarders)}`,
    );
    t.diagnostic(`mixer ${mixers[0]} forwards ${JSON.stringify(mixForwarders)}`);
    for (const [url, listing] of during) t.diagnostic(`during the call, ${url}: VideoRoom ${JSON.stringify(listing.room)}, sessions/handles ${JSON.stringify(listing.counts)}`);
    await near.page.click('#mic-button');

    // App server 2 holds Bob, not the call: it reaches the call through the directory.
    const ended = await callAsParticipant(app2.url, '/endPSTNCall', bob.token, { callId });
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
    assert.deepEqual(ended.json, { status: 'hungup', callIds: [callId] });
    await lab.phone.waitForClosed(phoneCall.callId, 5_000);
    const byes = await waitFor(async () => lab.trunk.byes().filter((bye) => bye.callId === phoneCall.callId), (seen) => seen.length > 0, 2_000, 50);
    assert.deepEqual(byes.map((bye) => [bye.side, bye.outcome]), [['caller', 'relayed']], 'the server hung up, through the trunk');
    for (const person of [alice, bob]) {
      const tiles = await waitFor(() => person.page.locator(`figure[data-participant-id="${participantId}"]`).count(), (n) => n === 0, 5_000);
      assert.equal(tiles, 0, `the phone's tile is gone from ${person.name}'s page`);
    }
    t.diagnostic(`app server 2 answered ${JSON.stringify(ended.json)}; the trunk relayed our BYE to the phone`);

    // Nothing of the call is left on either node.
    for (const [url, admin] of admins) {
      const before = baseline.get(url)!;
      const afterCall = await waitFor(
        async () => ({ room: await admin.videoRoomHoldings(janusRoom), counts: await admin.holdings() }),
        ({ room, counts }) =>
          room.participants.length === before.room.participants.length &&
          room.forwarders.every((f) => f.streams === 0) &&
          counts.sessions === before.counts.sessions &&
          counts.handles === before.counts.handles,
        10_000,
      );
      assert.deepEqual(displays(afterCall.room), displays(before.room), `${url}: the VideoRoom holds the pages' feeds and copies, and nothing of the phone`);
      assert.deepEqual(afterCall.room.forwarders, before.room.forwarders, `${url}: no plain forwarder is left, only the pages' copies as before`);
      assert.deepEqual(afterCall.room.remotes, before.room.remotes, `${url}: the same remotizations as before the call (the pages' copies)`);
      assert.deepEqual(afterCall.counts, before.counts, `${url}: as many sessions and handles as before the call`);
      t.diagnostic(`after the call, ${url}: VideoRoom ${JSON.stringify(afterCall.room)}, sessions/handles ${JSON.stringify(afterCall.counts)}`);
    }
    assert.equal(await phoneAdmin.audioBridgeExists(mixers[0]!), false, 'the mixer is destroyed');
  });
});
