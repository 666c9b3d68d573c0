/**
 * Phone dial-out end to end: a real SIP trunk (kamailio, digest auth) and a
 * real phone (baresip, plays 1 kHz, records what it hears) from the SIP
 * lab, the server with its embedded Janus, and a Chromium page whose fake
 * microphone plays 440 Hz.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { analyseWavTone, startSipLab, type SipLab, type ToneReport } from '../support/telephony/sipLab.js';
import { knownCalls, nextAnsweredCall } from '../support/telephony/answeredCalls.js';
import { telephonyOverrides } from '../support/telephony/labServerSettings.js';
import { dialFromPage, dialStatus, expectDialState } from '../support/telephony/dialOutDialog.js';
import { receivedPeakHz } from '../support/pageAudio.js';

const run = promisify(execFile);
const ADMIN_SECRET = 'admin-secret-for-tests';

async function api(page: Page, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ({ path: target, body: payload }) => {
      const response = await fetch(target, {
        method: payload === undefined ? 'GET' : 'POST',
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    { path, body },
  );
}

/** What a call's recording holds so far; nothing while it is too short to analyse. */
const heardSoFar = (wav: string): Promise<ToneReport | undefined> => analyseWavTone(wav).catch(() => undefined);

const tileCount = (page: Page, participantId: string) => page.locator(`figure[data-participant-id="${participantId}"]`).count();

async function makeToneWav(dir: string): Promise<string> {
  const path = join(dir, 'mic-440.wav');
  await run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', path, 'synth', '120', 'sine', '440', 'vol', '0.5']);
  return path;
}

describe('phone dial-out through a SIP trunk', () => {
  let lab: SipLab;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'convene-phone-'));
    lab = await startSipLab();
    server = await startTestServer({ ...telephonyOverrides(lab), ADMIN_SECRET, CALLBACK_SECRET: 'callback-secret-for-tests' });
    browser = await launchBrowser([`--use-file-for-fake-audio-capture=${await makeToneWav(workDir)}`]);
    page = await newPage(browser);
    await joinMeeting(page, server.url, 'Alice', 'phones');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await lab?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('brings the phone into the room: the page hears its 1 kHz and the phone hears the page’s 440 Hz', async () => {
    const known = knownCalls(lab);
    await dialFromPage(page, lab.numbers.answers, 'Bob');
    const call = await nextAnsweredCall(lab, known);
    await expectDialState(page, 'answered', /answered/i);
    const phoneTile = page.locator('figure[data-kind="phone"]');
    await phoneTile.waitFor({ timeout: 5000 });
    assert.match((await phoneTile.textContent()) ?? '', /Bob/);
    const participantId = await phoneTile.getAttribute('data-participant-id');
    const callId = await page.locator('#dial-status').getAttribute('data-call-id');
    assert.ok(participantId && callId, 'the phone tile and the dial status name the call');
    const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
    assert.ok(Math.abs(peak - 1000) < 50, `the page should hear the phone's 1 kHz, heard ${peak} Hz`);
    const heardWav = call.recording?.heardWav;
    assert.ok(heardWav, 'the phone records what it hears');
    // The recording grows as the phone's RTP arrives: hang up once it holds seconds of the page's tone.
    await waitFor(() => heardSoFar(heardWav), (heard) => heard !== undefined && heard.durationS >= 2 && heard.energyShareNear(440) > 0.5, 15_000);
    const ended = await api(page, '/endPSTNCall', { callId });
    assert.deepEqual(ended.json, { status: 'hungup', callIds: [callId] });
    const tiles = await waitFor(() => tileCount(page, participantId), (n) => n === 0, 5000);
    assert.equal(tiles, 0, 'the phone tile should be gone within 5 s of /endPSTNCall');
    await lab.phone.waitForClosed(call.callId);
    const heard = await analyseWavTone(heardWav);
    assert.ok(heard.energyShareNear(440) > 0.5, `the phone should hear 440 Hz: ${JSON.stringify(heard)}`);
  });

  it('removes the phone tile within 5 s when the phone hangs up', async () => {
    const known = knownCalls(lab);
    const started = await api(page, '/startPSTNCall', { room: 'phones', callee: { name: 'Carol', phone_number: lab.numbers.answers } });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const { participantId } = started.json as { participantId: string };
    const call = await nextAnsweredCall(lab, known);
    await page.locator(`figure[data-participant-id="${participantId}"]`).waitFor({ timeout: 5000 });
    await lab.phone.hangup();
    await lab.phone.waitForClosed(call.callId);
    const tiles = await waitFor(() => tileCount(page, participantId), (n) => n === 0, 5000);
    assert.equal(tiles, 0, 'the phone tile should be gone within 5 s of the phone hanging up');
  });

  it('shows why a busy or declining phone did not answer', async () => {
    await dialFromPage(page, lab.numbers.busy, 'Busy line');
    await expectDialState(page, 'failed', /busy/i);
    await dialFromPage(page, lab.numbers.declines, 'Declining line');
    await expectDialState(page, 'failed', /rejected/i);
  });

  it('refuses a number outside the allow-list with 403 and never dials it', async () => {
    const invitesBefore = lab.trunk.invites().length;
    const refused = await api(page, '/startPSTNCall', { number: '+442071234567', name: 'Elsewhere' });
    assert.equal(refused.status, 403);
    assert.equal((refused.json as { error: { code: string } }).error.code, 'number_not_allowed');
    // A number the server may dial, after the refusal: once the trunk has seen its INVITE, it has seen any sent before.
    const marker = await api(page, '/startPSTNCall', { number: lab.numbers.busy, name: 'After the refusal' });
    assert.equal(marker.status, 200, JSON.stringify(marker.json));
    const dialled = await waitFor(
      async () => lab.trunk.invites().slice(invitesBefore).map((invite) => invite.number),
      (numbers) => numbers.includes(lab.numbers.busy),
      5_000,
      50,
    );
    assert.ok(dialled.includes(lab.numbers.busy), `the trunk saw the later call: ${JSON.stringify(dialled)}`);
    assert.deepEqual(dialled.filter((number) => number !== lab.numbers.busy), [], 'the trunk saw no INVITE for the refused number');
    const { participantId } = marker.json as { participantId: string };
    await page.locator(`figure[data-participant-id="${participantId}"][data-call-state="failed"]`).waitFor({ timeout: 10_000 });
  });

  it('guards the answer callback and /endSession with their secrets, and calls with their room', async () => {
    const post = (path: string, body: unknown, secret?: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
        body: JSON.stringify(body),
      });
    const someCall = { callId: 'abcdefghijkl', sdp: 'v=0\r\ns=-\r\n' };
    assert.equal((await post('/Callbacks/answer', someCall)).status, 401);
    assert.equal((await post('/Callbacks/answer', someCall, 'wrong-secret-wrong-secret')).status, 401);
    assert.equal((await post('/Callbacks/answer', someCall, 'callback-secret-for-tests')).status, 404);
    assert.equal((await post('/Callbacks/answer', { callId: 'x' }, 'callback-secret-for-tests')).status, 400);
    assert.equal((await post('/endSession', { room: 'phones' })).status, 401);
    assert.equal((await post('/endSession', { room: 'no-such-room' }, ADMIN_SECRET)).status, 404);

    // A call placed from one room cannot be ended with another room's token.
    const started = await api(page, '/startPSTNCall', { number: lab.numbers.neverAnswers, name: 'Ringing' });
    const { callId } = started.json as { callId: string };
    const joined = (await (await post('/joinCall', { name: 'Mallory', room: 'other' })).json()) as { token: string };
    const foreign = await fetch(`${server.url}/endPSTNCall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${joined.token}` },
      body: JSON.stringify({ callId }),
    });
    assert.equal(foreign.status, 404);
    const wrongRoom = await fetch(`${server.url}/startPSTNCall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${joined.token}` },
      body: JSON.stringify({ room: 'phones', number: lab.numbers.answers }),
    });
    assert.equal(wrongRoom.status, 403);
    const ended = await api(page, '/endPSTNCall', { callId });
    assert.deepEqual(ended.json, { status: 'hungup', callIds: [callId] });
  });

  it('ends every phone call of the room with /endSession', async () => {
    const known = knownCalls(lab);
    const answered = await api(page, '/startPSTNCall', { number: lab.numbers.answers, name: 'Dave' });
    const ringing = await api(page, '/startPSTNCall', { number: lab.numbers.neverAnswers, name: 'Erin' });
    assert.equal(answered.status, 200);
    assert.equal(ringing.status, 200);
    const call = await nextAnsweredCall(lab, known);
    const response = await fetch(`${server.url}/endSession`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'phones' }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ended', room: 'phones', phonesHungUp: 2 });
    await lab.phone.waitForClosed(call.callId, 5000);
    assert.equal(server.rooms.get('phones'), undefined, 'the room is gone');
    const refused = await api(page, '/startPSTNCall', { number: lab.numbers.answers, name: 'Fay' });
    assert.equal(refused.status, 401, "the ended meeting's token is refused");
    assert.match(JSON.stringify(refused.json), /this meeting was ended/);
  });

  it('hangs up the phone when the last person leaves the room', async () => {
    const solo = await newPage(browser);
    await joinMeeting(solo, server.url, 'Nina', 'solo');
    const known = knownCalls(lab);
    await dialFromPage(solo, lab.numbers.answers, 'Oscar');
    const call = await nextAnsweredCall(lab, known);
    await solo.click('#dial-dialog button:text("Close")');
    await solo.click('#leave-button');
    const closed = await lab.phone.waitForClosed(call.callId, 5000);
    assert.equal(closed.state, 'closed');
    await solo.context().close();
  });
});

describe('phone dial-out through a trunk that challenges with 401', () => {
  let lab: SipLab;
  let goodServer: Awaited<ReturnType<typeof startTestServer>>;
  let badServer: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  before(async () => {
    lab = await startSipLab({ challenge: 'www' });
    goodServer = await startTestServer({ ...telephonyOverrides(lab), SIP_RING_TIMEOUT_S: '2' });
    badServer = await startTestServer(telephonyOverrides(lab, 'not-the-password'));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await goodServer?.close();
    await badServer?.close();
    await lab?.stop();
  });

  it('answers the 401 challenge and connects the call', async () => {
    const page = await newPage(browser);
    await joinMeeting(page, goodServer.url, 'Frank', 'www');
    const known = knownCalls(lab);
    await dialFromPage(page, lab.numbers.answers, 'Grace');
    await nextAnsweredCall(lab, known);
    await expectDialState(page, 'answered', /answered/i);
    await page.click('#dial-hangup');
    await expectDialState(page, 'ended', /ended/i);
    await page.context().close();
  });

  it('gives up on a phone that rings too long with "no answer"', async () => {
    const page = await newPage(browser);
    await joinMeeting(page, goodServer.url, 'Judy', 'ring');
    await dialFromPage(page, lab.numbers.neverAnswers, 'Ken');
    await expectDialState(page, 'ringing', /ringing/i);
    await expectDialState(page, 'failed', /no answer/i);
    await page.context().close();
  });

  it('shows "auth failed" for a wrong trunk password, and the server carries on', async () => {
    const page = await newPage(browser);
    await joinMeeting(page, badServer.url, 'Heidi', 'www');
    await dialFromPage(page, lab.numbers.answers, 'Ivan');
    await expectDialState(page, 'failed', /auth failed/i);
    const health = await fetch(`${badServer.url}/healthz`);
    assert.equal(health.status, 200);
    await page.context().close();
  });
});

describe('phone dial-out when the trunk is unreachable', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  before(async () => {
    // A UDP port nobody listens on: INVITEs vanish, as they do towards a trunk that is down.
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const deadPort = silent.address().port;
    silent.close();
    server = await startTestServer({
      SIP_TRUNK_URI: `sip:127.0.0.1:${deadPort}`,
      SIP_DIAL_NUMBER: '+15550001000',
      SIP_BIND_ADDRESS: '127.0.0.1',
      SIP_PORT: '0',
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows "unreachable" within 10 s', async () => {
    const page = await newPage(browser);
    await joinMeeting(page, server.url, 'Liam', 'down');
    const started = Date.now();
    await dialFromPage(page, '+15550001000', 'Mia');
    await expectDialState(page, 'failed', /unreachable/i);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    await page.context().close();
  });
});
