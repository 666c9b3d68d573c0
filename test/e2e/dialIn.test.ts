/**
 * Dial-in end to end: a baresip phone (the SIP lab's caller, playing 1 kHz)
 * calls the dial-in number through the lab trunk, which routes it to the
 * server; it hears the prompt, types the room's PIN (read from the page's
 * Invite sheet) and joins a meeting whose page plays 440 Hz.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { receivedPeakHz } from '../support/pageAudio.js';
import { openPanel, tileData } from '../support/hostsCluster.js';
import type { SipCaller, SipLab, ToneReport } from '../support/telephony/sipLab.js';
import { callIn, DIAL_IN_NUMBER, heardLately, invitation, phoneTileId, startDialInMeeting, type DialInMeeting } from '../support/telephony/dialInLab.js';
import type { AgentCall } from '../support/telephony/baresipAgent.js';
import { callWithInfoDigits } from '../support/telephony/sippInfoCaller.js';
import { RtpListener } from '../support/telephony/rtpListener.js';

const ROOM = 'dial-in';
/** The caller's account: its user part is the number the server sees. */
const CALLER = 'mobile';
/** A second account of the caller that offers A-law only. */
const ALAW_CALLER = 'landline';


/** One sample of the server's metrics, e.g. `convene_dial_in_calls_total{outcome="joined"}`; 0 when absent. */
async function metric(baseUrl: string, sample: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

describe('dial-in with a meeting PIN', () => {
  let meeting: DialInMeeting | undefined;
  let lab: SipLab;
  let caller: SipCaller;
  let server: DialInMeeting['server'];
  let browser: Browser;
  let page: Page;
  let pin: string;
  let workDir: string;

  before(async () => {
    meeting = await startDialInMeeting({
      room: ROOM,
      // A strict trunk: it challenges BYEs from our side, as it does INVITEs.
      lab: { challengeBye: true },
      // Three wrong PINs use up a number's budget, so the last test sees the refusal.
      server: { SIP_DIAL_IN_FAILURES_PER_HOUR: '3' },
      callers: { [CALLER]: {}, [ALAW_CALLER]: { codecs: ['pcma'] } },
    });
    ({ lab, caller, server, browser, page, workDir } = meeting);
    pin = meeting.invite.pin;
    assert.match(pin, /^\d{8}$/, 'the page shows the room its PIN');
    assert.equal(meeting.invite.number, DIAL_IN_NUMBER, 'and the number to call');
  });

  after(async () => {
    await meeting?.close();
  });

  async function hangUp(call: AgentCall, participantId: string): Promise<void> {
    await caller.hangup();
    await caller.waitForClosed(call.callId);
    await page.locator(`figure[data-participant-id="${participantId}"]`).waitFor({ state: 'detached', timeout: 5000 });
  }

  it('takes a caller who types the PIN as RFC 4733 digits into the room: the page hears its 1 kHz, it hears the page’s 440 Hz', async () => {
    const call = await callIn(caller, CALLER);
    await caller.sendDigits(`${pin}#`);
    const participantId = await phoneTileId(page);
    const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
    assert.ok(Math.abs(peak - 1000) < 50, `the page should hear the caller's 1 kHz, heard ${peak} Hz`);
    const heardWav = call.recording!.heardWav;
    const heard = await waitFor(() => heardLately(heardWav, 2), (report) => report !== undefined && report.energyShareNear(440) > 0.5, 15_000);
    assert.ok(heard && heard.energyShareNear(440) > 0.5, `the caller should hear 440 Hz: ${JSON.stringify(heard)}`);
    console.log(`joined by RFC 4733 digits: page heard ${peak} Hz; caller's last 2 s: ${Math.round(heard.energyShareNear(440) * 100)} % near 440 Hz`);
    await hangUp(call, participantId);
  });

  it('answers a caller that offers A-law only in A-law: its prompt and the room are heard, and it is heard', async () => {
    const call = await callIn(caller, ALAW_CALLER);
    await caller.sendDigits(`${pin}#`);
    const participantId = await phoneTileId(page);
    const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
    assert.ok(Math.abs(peak - 1000) < 50, `the page should hear the A-law caller's 1 kHz, heard ${peak} Hz`);
    const heard = await waitFor(() => heardLately(call.recording!.heardWav, 2), (report) => report !== undefined && report.energyShareNear(440) > 0.5, 15_000);
    assert.ok(heard && heard.energyShareNear(440) > 0.5, `the A-law caller should hear 440 Hz: ${JSON.stringify(heard)}`);
    console.log(`A-law: page heard ${peak} Hz; caller's last 2 s: ${Math.round(heard.energyShareNear(440) * 100)} % near 440 Hz`);
    await hangUp(call, participantId);
  });

  it('shows each room its own link, number and PIN in the Invite sheet, each copied by its button', async () => {
    const context = await browser.newContext({ permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'] });
    try {
      const other = await context.newPage();
      await joinMeeting(other, server.url, 'Olga', 'another-room');
      const invite = await invitation(other);
      assert.match(invite.pin, /^\d{8}$/);
      assert.notEqual(invite.pin, pin, 'another room has another PIN');
      await other.click('#invite-button');
      const copied: Record<string, string> = {};
      for (const line of ['link', 'number', 'pin']) {
        await other.click(`#invite-${line}-copy`);
        copied[line] = await other.evaluate(() => navigator.clipboard.readText());
      }
      assert.deepEqual(copied, { link: `${server.url}/?room=another-room`, number: DIAL_IN_NUMBER, pin: invite.pin });
      console.log(`Invite sheet of another room: ${JSON.stringify(copied)}; this room's PIN is another`);
    } finally {
      await context.close();
    }
  });

  it('says how many are in the room on *1, to the caller only, in place of the room for that moment', async () => {
    const call = await callIn(caller, CALLER);
    await caller.sendDigits(`${pin}#`);
    const participantId = await phoneTileId(page);
    const heardWav = call.recording!.heardWav;
    const roomHeard = (report: ToneReport | undefined): boolean => report !== undefined && report.energyShareNear(440) > 0.5;
    await waitFor(() => heardLately(heardWav, 1), roomHeard, 15_000);
    await caller.sendDigits('*1');
    const spoken = await waitFor(() => heardLately(heardWav, 1), (report) => report !== undefined && report.rms > 0.02 && report.energyShareNear(440) < 0.2, 10_000);
    assert.ok(spoken && spoken.energyShareNear(440) < 0.2, `the caller hears speech instead of the room: ${JSON.stringify(spoken)}`);
    const back = await waitFor(() => heardLately(heardWav, 1), roomHeard, 15_000);
    assert.ok(roomHeard(back), 'and the room again once it is said');
    const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
    assert.ok(Math.abs(peak - 1000) < 50, `the page keeps hearing the caller's 1 kHz, heard ${peak} Hz`);
    console.log(`*1: the caller heard speech (rms ${spoken.rms.toFixed(3)}, ${Math.round(spoken.energyShareNear(440) * 100)} % near 440 Hz), then the room again`);
    await hangUp(call, participantId);
  });

  it('mutes and unmutes the phone with *6: its tile shows it and the page stops hearing it', async () => {
    const call = await callIn(caller, CALLER);
    await caller.sendDigits(`${pin}#`);
    const participantId = await phoneTileId(page);
    const heardHz = (check: (hz: number) => boolean) => waitFor(() => receivedPeakHz(page, participantId), check, 15_000, 250);
    const before = await heardHz((hz) => Math.abs(hz - 1000) < 50);
    assert.ok(Math.abs(before - 1000) < 50, `the page hears the phone before *6, heard ${before} Hz`);
    await caller.sendDigits('*6');
    assert.equal(await waitFor(() => tileData(page, participantId, 'audioMuted'), (muted) => muted === 'true', 10_000), 'true', 'the tile shows muted');
    assert.equal(await heardHz((hz) => hz === 0), 0, 'the page hears silence from the muted phone');
    await caller.sendDigits('*6');
    assert.equal(await waitFor(() => tileData(page, participantId, 'audioMuted'), (muted) => muted === 'false', 10_000), 'false', 'the tile shows unmuted');
    const after = await heardHz((hz) => Math.abs(hz - 1000) < 50);
    assert.ok(Math.abs(after - 1000) < 50, `the page hears the phone again after the second *6, heard ${after} Hz`);
    console.log(`*6: ${before} Hz, then silence (peak 0) while muted, then ${after} Hz`);
    await hangUp(call, participantId);
  });

  it('keeps a phone muted on *6 while a host’s mute is locked, and tells the caller so', async () => {
    const call = await callIn(caller, CALLER);
    await caller.sendDigits(`${pin}#`);
    const participantId = await phoneTileId(page);
    const heardWav = call.recording!.heardWav;
    await waitFor(() => heardLately(heardWav, 1), (report) => report !== undefined && report.energyShareNear(440) > 0.5, 15_000);
    await setRoomSwitch('#lock-mics-button', true);
    try {
      await page.click(`#people-list [data-verb="mute"][data-participant-id="${participantId}"]`);
      await waitFor(() => tileData(page, participantId, 'audioMuted'), (muted) => muted === 'true', 10_000);
      await caller.sendDigits('*6');
      // Once the caller hears "You are muted." instead of the room, the server has refused the unmute.
      const told = await waitFor(() => heardLately(heardWav, 1), (report) => report !== undefined && report.rms > 0.02 && report.energyShareNear(440) < 0.2, 10_000);
      assert.ok(told && told.energyShareNear(440) < 0.2, `the caller is told it stays muted: ${JSON.stringify(told)}`);
      assert.equal(await tileData(page, participantId, 'audioMuted'), 'true', 'the tile still shows muted');
      assert.equal(await receivedPeakHz(page, participantId), 0, 'the page still hears silence from the phone');
      console.log('*6 under a locked host mute: the caller was told it stays muted; tile muted, silence on the page');
    } finally {
      await setRoomSwitch('#lock-mics-button', false);
    }
    await hangUp(call, participantId);
  });

  it('takes a caller who sends the PIN as SIP INFO digits into the room: the page hears its 1 kHz, it hears the page’s 440 Hz', async () => {
    const hears = await RtpListener.open();
    const sipp = await callWithInfoDigits({ trunk: lab.trunk, number: DIAL_IN_NUMBER, digits: `${pin}#`, toneHz: 1000, workDir, hearOn: hears.port });
    try {
      const participantId = await phoneTileId(page);
      const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
      assert.ok(Math.abs(peak - 1000) < 50, `the page should hear the INFO caller's 1 kHz, heard ${peak} Hz`);
      const heard = await waitFor(() => hears.heardLately(2, workDir), (report) => report !== undefined && report.energyShareNear(440) > 0.5, 15_000);
      assert.ok(heard && heard.energyShareNear(440) > 0.5, `the INFO caller should hear 440 Hz: ${JSON.stringify(heard)}`);
      const ended = await page.evaluate(async () => (await fetch('/endPSTNCall', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
      assert.equal(ended, 200);
      const exit = await sipp.exited;
      assert.equal(exit.code, 0, `sipp got the server's BYE and ended well:\n${sipp.output()}`);
      await page.locator(`figure[data-participant-id="${participantId}"]`).waitFor({ state: 'detached', timeout: 5000 });
      console.log(`joined by SIP INFO digits: page heard ${peak} Hz; caller's last 2 s: ${Math.round(heard.energyShareNear(440) * 100)} % near 440 Hz; /endPSTNCall hung the call up`);
    } finally {
      hears.close();
      await sipp.stop();
    }
  });

  /** Turns a room switch of the host's People panel (lock, lobby) on or off. */
  async function setRoomSwitch(selector: string, on: boolean): Promise<void> {
    await openPanel(page);
    if ((await page.locator(selector).getAttribute('aria-pressed')) !== String(on)) await page.click(selector);
    await waitFor(() => page.locator(selector).getAttribute('aria-pressed'), (pressed) => pressed === String(on), 10_000);
  }

  it('holds a caller in the lobby while it is on: it hears the waiting message until the host admits it, then joins', async () => {
    await setRoomSwitch('#lobby-button', true);
    try {
      const call = await callIn(caller, CALLER);
      await caller.sendDigits(`${pin}#`);
      const admit = page.locator('#lobby-list [data-verb="admit"]');
      await admit.waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('figure[data-kind="phone"]').count(), 0, 'no tile while the phone knocks');
      // The typed PIN cut the welcome short: what the caller hears now is the waiting message.
      const heardWav = call.recording!.heardWav;
      const waitingHeard = await waitFor(() => heardLately(heardWav, 1), (heard) => heard !== undefined && heard.rms > 0.02, 10_000);
      await admit.click();
      const participantId = await phoneTileId(page);
      const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
      assert.ok(Math.abs(peak - 1000) < 50, `the page should hear the admitted caller, heard ${peak} Hz`);
      console.log(`lobby: the caller knocked, heard the waiting message (rms ${waitingHeard?.rms.toFixed(3)}), was admitted and heard at ${peak} Hz`);
      await hangUp(call, participantId);
    } finally {
      await setRoomSwitch('#lobby-button', false);
    }
  });

  it('ends the call of a caller the host denies in the lobby', async () => {
    await setRoomSwitch('#lobby-button', true);
    try {
      const call = await callIn(caller, CALLER);
      await caller.sendDigits(`${pin}#`);
      const deny = page.locator('#lobby-list [data-verb="deny"]');
      await deny.waitFor({ timeout: 10_000 });
      await deny.click();
      const closed = await caller.waitForClosed(call.callId, 15_000);
      assert.equal(await page.locator('figure[data-kind="phone"]').count(), 0, 'the denied phone never joined');
      assert.equal(await page.locator('#lobby-list [data-verb="deny"]').count(), 0, 'and left the lobby');
      console.log(`lobby: the denied caller was hung up (${closed.closeReason})`);
    } finally {
      await setRoomSwitch('#lobby-button', false);
    }
  });

  it('takes a caller who hangs up while knocking off the hosts\' lobby list', async () => {
    await setRoomSwitch('#lobby-button', true);
    try {
      const call = await callIn(caller, CALLER);
      await caller.sendDigits(`${pin}#`);
      const knock = page.locator('#lobby-list [data-verb="admit"]');
      await knock.waitFor({ timeout: 10_000 });
      await caller.hangup();
      await caller.waitForClosed(call.callId);
      await knock.waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal(await page.locator('figure[data-kind="phone"]').count(), 0, 'the phone never joined');
      console.log('lobby: the caller hung up while knocking; the hosts no longer see the knock');
    } finally {
      await setRoomSwitch('#lobby-button', false);
    }
  });

  it('tells a caller to a locked room that it is locked and hangs up; nothing joins', async () => {
    await setRoomSwitch('#lock-room-button', true);
    try {
      const before = await metric(server.url, 'convene_dial_in_calls_total{outcome="locked"}');
      const call = await callIn(caller, CALLER);
      await caller.sendDigits(`${pin}#`);
      const closed = await caller.waitForClosed(call.callId, 15_000);
      assert.equal(await page.locator('figure[data-kind="phone"]').count(), 0, 'no phone joined the locked room');
      assert.equal(await metric(server.url, 'convene_dial_in_calls_total{outcome="locked"}'), before + 1);
      console.log(`locked room: the caller heard so and was hung up (${closed.closeReason})`);
    } finally {
      await setRoomSwitch('#lock-room-button', false);
    }
  });

  it('ends the call after three wrong PINs: nothing joins, and the metrics count the attempts', async () => {
    const before = {
      wrongPin: await metric(server.url, 'convene_dial_in_calls_total{outcome="wrong_pin"}'),
      wrongAttempts: await metric(server.url, 'convene_dial_in_pin_attempts_total{result="wrong"}'),
      joined: await metric(server.url, 'convene_dial_in_calls_total{outcome="joined"}'),
    };
    const call = await callIn(caller, CALLER);
    const wrong = pin === '00000000' ? '11111111' : '00000000';
    await caller.sendDigits(`${wrong}#${wrong}#${wrong}#`);
    const closed = await caller.waitForClosed(call.callId, 30_000);
    assert.equal(await page.locator('figure[data-kind="phone"]').count(), 0, 'no phone joined the room');
    const byesOf = async (): Promise<string[]> => lab.trunk.byes().filter((bye) => bye.callId === call.callId).map((bye) => bye.outcome);
    const byes = await waitFor(byesOf, (outcomes) => outcomes.includes('relayed'), 5_000);
    assert.deepEqual(byes, ['challenged', 'relayed'], 'the server answered the trunk\'s challenge to its BYE');
    const after = {
      wrongPin: await metric(server.url, 'convene_dial_in_calls_total{outcome="wrong_pin"}'),
      wrongAttempts: await metric(server.url, 'convene_dial_in_pin_attempts_total{result="wrong"}'),
      joined: await metric(server.url, 'convene_dial_in_calls_total{outcome="joined"}'),
    };
    assert.equal(after.wrongPin - before.wrongPin, 1, 'one call ended for wrong PINs');
    assert.equal(after.wrongAttempts - before.wrongAttempts, 3, 'three wrong PINs counted');
    assert.equal(after.joined, before.joined, 'nothing joined');
    console.log(`three wrong PINs: the server ended the call (${closed.closeReason}); metrics ${JSON.stringify(after)}`);
  });

  it('refuses at once a number that used up its wrong PINs', async () => {
    const before = await metric(server.url, 'convene_dial_in_calls_total{outcome="rate_limited"}');
    const dialled = await caller.dial(CALLER, DIAL_IN_NUMBER);
    const closed = await caller.waitForClosed(dialled.callId);
    assert.equal(closed.answered, false, 'the call was never answered');
    assert.match(closed.closeReason ?? '', /603/);
    assert.equal(await metric(server.url, 'convene_dial_in_calls_total{outcome="rate_limited"}'), before + 1);
    console.log(`over its budget, the caller was refused: ${closed.closeReason}`);
  });
});
