/**
 * `/endPSTNCall` reaches a call wherever it is held: two app servers share
 * a real Redis (and one Janus node), the SIP lab's trunk (kamailio) and
 * phone (baresip) take the calls. App server 1 places each call for
 * Alice's page; app server 2 hangs it up for Bob, who is connected there.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { EmbeddedJanus } from '../../src/media/EmbeddedJanus.js';
import { TOKEN_COOKIE } from '../../src/http/auth.js';
import { startTestJanus } from '../support/testJanus.js';
import { launchBrowser, newPage } from '../support/browser.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { ConveneClient, joinCall } from '../support/conveneClient.js';
import { startRedis, type TestRedis } from '../support/cluster/redisServer.js';
import { startAppServer, type TestAppServer } from '../support/cluster/appServer.js';
import { startSipLab, telephonyOverrides, type AgentCall, type SipLab } from '../support/telephony/sipLab.js';
import { knownCalls, nextAnsweredCall } from '../support/telephony/answeredCalls.js';
import { callAsParticipant as api } from '../support/participantApi.js';

const ROOM = 'phones-everywhere';
const JANUS_SECRET = randomBytes(18).toString('base64url');

describe('hanging up a phone call from another app server', () => {
  let dir: string;
  let redis: TestRedis;
  let janus: EmbeddedJanus;
  let janusRunDir: string;
  let lab: SipLab;
  let apps: TestAppServer[];
  let app1: TestAppServer;
  let app2: TestAppServer;
  let browser: Browser;
  let alice: Page;
  let aliceToken: string;
  let bob: ConveneClient;
  let bobToken: string;

  /** Alice places a call to the answering number through app server 1; resolves once the phone answered it and app server 2 knows. */
  async function callAnsweredOnApp1(name: string): Promise<{ callId: string; participantId: string; phoneCall: AgentCall }> {
    const known = knownCalls(lab);
    const started = await api(app1.url, '/startPSTNCall', aliceToken, { number: lab.numbers.answers, name });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const { callId, participantId } = started.json as { callId: string; participantId: string };
    const phoneCall = await nextAnsweredCall(lab, known);
    await bob.next('participantUpdated', 10_000, (m) => m.participant.participantId === participantId && m.participant.call?.state === 'answered');
    await alice.locator(`figure[data-participant-id="${participantId}"][data-call-state="answered"]`).waitFor({ timeout: 10_000 });
    return { callId, participantId, phoneCall };
  }

  /** The call ended for the phone, which saw our BYE (not its own), and the phone member left the room on both servers. */
  async function expectHungUp(call: { participantId: string; phoneCall: AgentCall }): Promise<string> {
    await lab.phone.waitForClosed(call.phoneCall.callId, 5_000);
    // The trunk's log of the BYE is read as it comes, maybe a moment after the phone has it.
    const byes = await waitFor(async () => lab.trunk.byes().filter((bye) => bye.callId === call.phoneCall.callId), (seen) => seen.length > 0, 2_000, 50);
    assert.deepEqual(byes.map((bye) => [bye.side, bye.outcome]), [['caller', 'relayed']], 'the server hung up, through the trunk');
    await bob.next('participantLeft', 5_000, (m) => m.participantId === call.participantId);
    const tiles = await waitFor(() => alice.locator(`figure[data-participant-id="${call.participantId}"]`).count(), (n) => n === 0, 5_000);
    assert.equal(tiles, 0, "the phone's tile is gone from Alice's page on app server 1");
    return `the phone saw BYE from ${byes[0]?.side}, and app server 2 said participantLeft ${call.participantId}`;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-hangup-'));
    redis = await startRedis(dir);
    ({ janus, runDir: janusRunDir } = await startTestJanus('43000-43499', JANUS_SECRET));
    lab = await startSipLab();
    const env = {
      ...telephonyOverrides(lab),
      REDIS_URL: redis.url,
      JANUS_URLS: janus.url,
      JANUS_API_SECRET: JANUS_SECRET,
      TOKEN_SECRET: randomBytes(32).toString('base64url'),
    };
    apps = await Promise.all([startAppServer('app1', env), startAppServer('app2', env)]);
    [app1, app2] = apps as [TestAppServer, TestAppServer];
    browser = await launchBrowser();
    alice = await newPage(browser);
    await joinMeeting(alice, app1.url, 'Alice', ROOM, { camera: false });
    const cookie = (await alice.context().cookies(app1.url)).find((c) => c.name === TOKEN_COOKIE);
    assert.ok(cookie, "Alice's page holds her token");
    aliceToken = cookie.value;
    const bobJoin = await joinCall(app2.url, 'Bob', ROOM);
    bobToken = bobJoin.token;
    bob = await ConveneClient.connect(app2.url, bobJoin);
    await bob.next('welcome');
  });

  after(async () => {
    await bob?.leave();
    await browser?.close();
    await Promise.all((apps ?? []).map((app) => app.stop()));
    await janus?.stop();
    await lab?.stop();
    await redis?.stop();
    await rm(janusRunDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  afterEach(() => {
    for (const app of apps ?? []) app.assertNoUnhandledRejection();
  });

  it('hangs up, on app server 2, the call app server 1 placed and the phone answered', async (t) => {
    const call = await callAnsweredOnApp1('Carol');
    const ended = await api(app2.url, '/endPSTNCall', bobToken, { callId: call.callId });
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
    assert.deepEqual(ended.json, { status: 'hungup', callIds: [call.callId] });
    t.diagnostic(`app server 2 answered ${JSON.stringify(ended.json)}`);
    t.diagnostic(await expectHungUp(call));
  });

  it('answers not_found on app server 2 for a call the room does not have, and hangs up every call of the room without a callId', async (t) => {
    const call = await callAnsweredOnApp1('Dave');
    const unknown = await api(app2.url, '/endPSTNCall', bobToken, { callId: 'no-such-call-here' });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json as { error: { code: string } }).error.code, 'not_found');
    t.diagnostic(`an unknown callId: ${unknown.status} ${JSON.stringify(unknown.json)}`);
    // Another room's participant on app server 2 cannot reach the call either.
    const mallory = await joinCall(app2.url, 'Mallory', 'another-room');
    const foreign = await api(app2.url, '/endPSTNCall', mallory.token, { callId: call.callId });
    assert.equal(foreign.status, 404);
    const foreignAll = await api(app2.url, '/endPSTNCall', mallory.token);
    assert.deepEqual(foreignAll.json, { status: 'hungup', callIds: [] });
    t.diagnostic(`another room's token: ${foreign.status}, and without a callId ${JSON.stringify(foreignAll.json)}`);

    const ended = await api(app2.url, '/endPSTNCall', bobToken);
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
    assert.deepEqual(ended.json, { status: 'hungup', callIds: [call.callId] }, 'the call was still up, and is the room’s only one');
    t.diagnostic(`GET /endPSTNCall on app server 2 answered ${JSON.stringify(ended.json)}`);
    t.diagnostic(await expectHungUp(call));
  });
});
