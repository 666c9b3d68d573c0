/**
 * A phone in a room that spans Janus nodes: two app servers and two Janus
 * nodes share a real Redis, with one participant per node and room, and
 * the SIP lab's trunk (kamailio) and phone (baresip, plays 1 kHz, records
 * what it hears) take the call. Alice's page is on app server 1, Bob's on
 * app server 2, each on its own node; both microphones play 440 Hz. The
 * phone, dialled from Alice's page, lands on one of the two nodes: the
 * page on the other node must hear it and be heard by it, `/endPSTNCall`
 * on app server 2 hangs it up, and afterwards neither node's Janus lists
 * anything of the call. Then nodes die under a call: the other node (its
 * page moves to the phone's node, and the call goes on), and the phone's
 * own node (its RTP ends there, so the call ends, with a BYE).
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
import { startSipLab, telephonyOverrides, type AgentCall, type SipLab } from '../support/telephony/sipLab.js';
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

const describeTone = (tone: ToneReport): string =>
  `${tone.durationS.toFixed(1)} s, ${(tone.energyShareNear(440) * 100).toFixed(0)}% of it near 440 Hz, rms ${tone.rms.toFixed(3)}`;

async function setMicMuted(person: Person, muted: boolean): Promise<void> {
  const button = person.page.locator('#mic-button');
  if ((await button.getAttribute('aria-pressed')) !== String(muted)) await button.click();
  await waitFor(() => button.getAttribute('aria-pressed'), (pressed) => pressed === String(muted), 5_000);
}

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

  /** Alice dials the lab phone through app server 1; resolves once the phone answered, with where the room placed it. */
  async function dialFromAlice(name: string): Promise<{ callId: string; participantId: string; phoneCall: AgentCall; phoneNode: string }> {
    const known = knownCalls(lab);
    const started = await callAsParticipant(app1.url, '/startPSTNCall', alice.token, { number: lab.numbers.answers, name });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const { callId, participantId } = started.json as { callId: string; participantId: string };
    const phoneCall = await nextAnsweredCall(lab, known);
    const phoneNode = await waitFor(() => nodeOf(participantId), (url) => url !== null, 10_000);
    assert.ok(phoneNode, 'the phone is placed on a node');
    return { callId, participantId, phoneCall, phoneNode };
  }

  /** Waits until the page hears the phone's 1 kHz; resolves with what it heard. */
  async function expectPageHearsPhone(person: Attendee, phoneId: string): Promise<number> {
    const peak = await waitFor(() => receivedPeakHz(person.page, phoneId), (hz) => Math.abs(hz - 1000) < 50, 20_000, 250);
    assert.ok(Math.abs(peak - 1000) < 50, `${person.name}'s page hears the phone's 1 kHz, heard ${peak} Hz`);
    return peak;
  }

  /**
   * Mutes `muted`'s microphone, so that the 440 Hz the phone hears from then
   * on is `heard`'s, and waits until the phone's recording holds 3 s of it;
   * unmutes again. Resolves with the report of those seconds.
   */
  async function expectPhoneHears(phoneCall: AgentCall, heard: Attendee, muted: Attendee): Promise<ToneReport> {
    const heardWav = phoneCall.recording?.heardWav;
    assert.ok(heardWav, 'the phone records what it hears');
    await setMicMuted(muted, true);
    try {
      // A second's margin for audio already on its way from the muted page.
      const fromS = (await recordedSeconds(heardWav)) + 1;
      const report = await waitFor(() => heardSince(heardWav, fromS, 3), (tone) => tone !== undefined && tone.energyShareNear(440) > 0.5, 20_000, 250);
      assert.ok(report && report.energyShareNear(440) > 0.5, `the phone hears ${heard.name}'s 440 Hz: ${JSON.stringify(report)}`);
      return report;
    } finally {
      await setMicMuted(muted, false);
    }
  }

  /** Kills a node's Janus as a crash would (it starts again by itself, empty); resolves with a wait until both app servers are connected to it again. */
  function crash(url: string): () => Promise<void> {
    const node = janus.find((candidate) => candidate.url === url);
    assert.ok(node?.pid, `${url} runs`);
    const reconnects = (): number[] => apps.map((app) => app.logLines().filter((line) => line['msg'] === 'connected to Janus' && line['janusNode'] === url).length);
    const before = reconnects();
    process.kill(node.pid, 'SIGKILL');
    return async () => {
      const after = await waitFor(async () => reconnects(), (counts) => counts.every((count, i) => count > before[i]!), 20_000);
      assert.ok(after.every((count, i) => count > before[i]!), `both app servers reconnect to ${url}`);
    };
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

    const { callId, participantId, phoneCall, phoneNode } = await dialFromAlice('Carol');
    const [near, far] = alice.node === phoneNode ? [alice, bob] : [bob, alice];
    assert.notEqual(far.node, phoneNode, 'one page is on another node than the phone');
    t.diagnostic(`Alice on ${alice.node} (app server 1), Bob on ${bob.node} (app server 2), the phone on ${phoneNode}: ${far.name}'s page is on the other node`);

    for (const person of [far, near]) {
      const peak = await expectPageHearsPhone(person, participantId);
      t.diagnostic(`${person.name}'s page (${person === far ? 'the other node' : "the phone's node"}) hears ${peak.toFixed(0)} Hz from the phone`);
    }
    const heard = await expectPhoneHears(phoneCall, far, near);
    t.diagnostic(`with ${near.name} muted, the phone heard ${describeTone(heard)}: ${far.name}'s page, on the other node`);

    // What carries the call, as each Janus lists it.
    const phoneAdmin = admins.get(phoneNode)!;
    const mixers = [...(await phoneAdmin.audioBridgeRooms())];
    assert.equal(mixers.length, 1, 'the phone has one mixer, on its node');
    const mixForwarders = await phoneAdmin.audioBridgeForwarders(mixers[0]!);
    assert.deepEqual(mixForwarders.map((f) => f.group).sort(), ['phone', 'phone', 'room'], "the mixer forwards the room's mix to the phone and the phone's mix to both nodes");
    const during = await listings();
    const farRoom = during.get(far.node)!.room;
    assert.ok(displays(farRoom).includes(`${participantId}:camera`), `the other node holds the copy of the phone's feed: ${JSON.stringify(farRoom)}`);
    const phoneRoom = during.get(phoneNode)!.room;
    const farCopy = phoneRoom.participants.find((p) => p.display === `${far.id}:camera`);
    assert.ok(farCopy, `the phone's node holds the copy of ${far.name}'s feed: ${JSON.stringify(phoneRoom)}`);
    assert.ok(
      phoneRoom.forwarders.some((f) => f.publisherId === farCopy.id && f.streams === 1),
      `the copy of ${far.name}'s feed is forwarded into the mixer on the phone's node: ${JSON.stringify(phoneRoom.forwarders)}`,
    );
    t.diagnostic(`mixer ${mixers[0]} forwards ${JSON.stringify(mixForwarders)}`);
    for (const [url, listing] of during) t.diagnostic(`during the call, ${url}: VideoRoom ${JSON.stringify(listing.room)}, sessions/handles ${JSON.stringify(listing.counts)}`);

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

  it('goes on when the other node dies: its page moves to the phone\'s node, both still hear each other, and the forwarding to the dead node stops', async (t) => {
    const { participantId, phoneCall, phoneNode } = await dialFromAlice('Dave');
    const [near, far] = alice.node === phoneNode ? [alice, bob] : [bob, alice];
    assert.notEqual(far.node, phoneNode, 'one page is on another node than the phone');
    await expectPageHearsPhone(far, participantId);
    const phoneAdmin = admins.get(phoneNode)!;
    const [mixer] = [...(await phoneAdmin.audioBridgeRooms())];
    assert.ok(mixer, "the phone's mixer is on its node");
    const groups = async (): Promise<string[]> => (await phoneAdmin.audioBridgeForwarders(mixer)).map((f) => f.group ?? '').sort();
    assert.deepEqual(await waitFor(groups, (g) => g.length === 3, 10_000), ['phone', 'phone', 'room'], 'the mix goes to both nodes before the crash');

    const reconnected = crash(far.node);
    const moved = await waitFor(() => nodeOf(far.id), (url) => url === phoneNode, 15_000);
    assert.equal(moved, phoneNode, `${far.name}'s page moved to the surviving node`);
    far.node = phoneNode;
    assert.deepEqual(await waitFor(groups, (g) => g.length === 2, 10_000), ['phone', 'room'], 'the forwarding of the mix to the dead node stopped');
    // Everyone is on the surviving node now: the copy of the near page's feed to the dead node stopped too.
    const survivorRoom = await waitFor(() => phoneAdmin.videoRoomHoldings(janusRoom), (room) => room.remotes.length === 0, 10_000);
    assert.deepEqual(survivorRoom.remotes, [], `the surviving node sends no copy to the dead node: ${JSON.stringify(survivorRoom)}`);
    const peak = await expectPageHearsPhone(far, participantId);
    const heard = await expectPhoneHears(phoneCall, far, near);
    t.diagnostic(`after the crash: ${far.name}'s page on ${moved} hears ${peak.toFixed(0)} Hz from the phone, and with ${near.name} muted the phone heard ${describeTone(heard)}`);
    t.diagnostic(`mixer ${mixer} forwards to ${JSON.stringify(await phoneAdmin.audioBridgeForwarders(mixer))}`);

    await lab.phone.hangup();
    await lab.phone.waitForClosed(phoneCall.callId);
    for (const person of [alice, bob]) await person.page.locator(`figure[data-participant-id="${participantId}"]`).waitFor({ state: 'detached', timeout: 5_000 });
    // The next call needs the restarted node.
    await reconnected();
  });

  it('ends the call, with a BYE, when the phone\'s own node dies, and its copy on the surviving node goes', async (t) => {
    // Both pages are on one node now: with one participant per node, the phone goes to the other.
    assert.equal(alice.node, bob.node, 'the pages share a node after the crash');
    const { participantId, phoneCall, phoneNode } = await dialFromAlice('Erin');
    assert.notEqual(phoneNode, alice.node, 'the phone is on the node the pages are not on');
    for (const person of [alice, bob]) await expectPageHearsPhone(person, participantId);
    const survivor = admins.get(alice.node)!;
    const withCopy = await survivor.videoRoomHoldings(janusRoom);
    assert.ok(displays(withCopy).includes(`${participantId}:camera`), `the pages' node holds the copy of the phone's feed: ${JSON.stringify(withCopy)}`);

    const reconnected = crash(phoneNode);
    // The phone's RTP goes to the AudioBridge on the dead node (our SDP said so): without it the call has no sound, so it ends.
    await lab.phone.waitForClosed(phoneCall.callId, 10_000);
    const byes = await waitFor(async () => lab.trunk.byes().filter((bye) => bye.callId === phoneCall.callId), (seen) => seen.length > 0, 2_000, 50);
    assert.deepEqual(byes.map((bye) => [bye.side, bye.outcome]), [['caller', 'relayed']], 'the server hung up, through the trunk');
    // The failed call's tile says why for a moment, then goes.
    const why = await alice.page.locator(`figure[data-participant-id="${participantId}"][data-call-state="failed"] .call-state`).textContent({ timeout: 5_000 });
    assert.match(why ?? '', /media server lost/i, "Alice's page says why the call ended");
    const left = await waitFor(
      () => survivor.videoRoomHoldings(janusRoom),
      (room) => !displays(room).includes(`${participantId}:camera`),
      10_000,
    );
    assert.deepEqual(displays(left), [`${alice.id}:camera`, `${bob.id}:camera`].sort(), "the copy of the phone's feed is gone from the surviving node");
    for (const person of [alice, bob]) await person.page.locator(`figure[data-participant-id="${participantId}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    t.diagnostic(`the phone's node ${phoneNode} died: the phone saw our BYE, the tile said "${why?.trim()}", and the surviving node holds ${JSON.stringify(left)}`);
    await reconnected();
  });
});
