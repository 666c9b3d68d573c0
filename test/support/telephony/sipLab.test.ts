/**
 * Proves the SIP lab against a reference caller (a second baresip): calls
 * go through the trunk's digest auth, the answering number carries audio
 * both ways, and the busy, decline, no-answer and bad-password paths end
 * the way a dial-out test will expect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipCaller } from './sipCaller.js';
import { startSipLab, type SipLab } from './sipLab.js';
import { analyseWavTone } from './toneAnalysis.js';

const mediaMs = 2500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('SIP lab with a 407 trunk', () => {
  let lab: SipLab;
  let caller: SipCaller;

  before(async () => {
    lab = await startSipLab();
    caller = await lab.startCaller({
      profiles: {
        good: { username: lab.trunk.username, password: lab.trunk.password },
        bad: { username: lab.trunk.username, password: 'not-the-password' },
        pcma: { username: lab.trunk.username, password: lab.trunk.password, codecs: ['pcma'] },
      },
    });
  });

  after(async () => {
    await lab?.stop();
  });

  test('the answering number carries 440 Hz to the phone and 1 kHz back', async (t) => {
    const phoneStates: string[] = [];
    const unsubscribe = lab.phone.onCallChange((call) => phoneStates.push(call.state));
    const dialled = await caller.dial('good', lab.numbers.answers);
    const callerSide = await caller.waitForEstablished(dialled.callId);
    const phoneSide = await lab.phone.waitForEstablished(dialled.callId);
    t.diagnostic(`call ${dialled.callId} established on both sides`);
    await sleep(mediaMs);
    await lab.phone.hangup();
    const callerClosed = await caller.waitForClosed(dialled.callId);
    await lab.phone.waitForClosed(dialled.callId);
    unsubscribe();
    assert.ok(phoneStates.includes('established') && phoneStates.at(-1) === 'closed', `phone states ${phoneStates}`);

    assert.ok(phoneSide.recording && callerSide.recording, 'both sides have recordings');
    assert.equal(lab.phone.latestRecordingPath(), phoneSide.recording.heardWav);
    const heardByPhone = await analyseWavTone(phoneSide.recording.heardWav);
    const heardByCaller = await analyseWavTone(callerSide.recording.heardWav);
    t.diagnostic(`phone heard ${heardByPhone.dominantFrequencyHz} Hz, caller heard ${heardByCaller.dominantFrequencyHz} Hz`);
    assert.ok(Math.abs(heardByPhone.dominantFrequencyHz - 440) < 10, `phone heard ${heardByPhone.dominantFrequencyHz} Hz`);
    assert.ok(heardByPhone.energyShareNear(440) > 0.8, 'the phone hears mostly the 440 Hz tone');
    assert.ok(Math.abs(heardByCaller.dominantFrequencyHz - 1000) < 10, `caller heard ${heardByCaller.dominantFrequencyHz} Hz`);
    assert.ok(heardByCaller.energyShareNear(1000) > 0.8, 'the caller hears mostly the 1 kHz tone');
    assert.ok(heardByPhone.durationS > 1.5, `recording lasts ${heardByPhone.durationS} s`);
    assert.match(callerClosed.closeReason ?? '', /reset by peer/i, 'the phone ended the call');

    const decisions = lab.trunk.invites().filter((invite) => invite.callId === dialled.callId);
    assert.deepEqual(
      decisions.map((invite) => [invite.outcome, invite.code, invite.authUser]),
      [
        ['challenged', 407, undefined],
        ['forwarded', undefined, lab.trunk.username],
      ],
    );
  });

  test('the phone accepts PCMA', async () => {
    const dialled = await caller.dial('pcma', lab.numbers.answers);
    const phoneSide = await lab.phone.waitForEstablished(dialled.callId);
    await sleep(1500);
    await caller.hangup();
    await lab.phone.waitForClosed(dialled.callId);
    assert.ok(phoneSide.recording);
    const heard = await analyseWavTone(phoneSide.recording.heardWav);
    assert.ok(Math.abs(heard.dominantFrequencyHz - 440) < 10, `phone heard ${heard.dominantFrequencyHz} Hz`);
  });

  test('the busy number answers 486', async () => {
    const dialled = await caller.dial('good', lab.numbers.busy);
    const closed = await caller.waitForClosed(dialled.callId);
    assert.match(closed.closeReason ?? '', /^486\b/);
    assert.equal(closed.answered, false);
  });

  test('the declining number answers 603', async () => {
    const dialled = await caller.dial('good', lab.numbers.declines);
    const closed = await caller.waitForClosed(dialled.callId);
    assert.match(closed.closeReason ?? '', /^603\b/);
  });

  test('a wrong password is refused with 403', async () => {
    const dialled = await caller.dial('bad', lab.numbers.answers);
    const closed = await caller.waitForClosed(dialled.callId);
    assert.match(closed.closeReason ?? '', /^403\b/);
    assert.ok(
      lab.trunk.invites().some((invite) => invite.callId === dialled.callId && invite.outcome === 'forbidden'),
      'the trunk logged the refusal',
    );
    assert.ok(!lab.phone.calls().some((call) => call.callId === dialled.callId), 'the phone never saw the call');
  });

  test('the never-answering number rings until the caller gives up', async () => {
    const dialled = await caller.dial('good', lab.numbers.neverAnswers);
    const ringing = await lab.phone.waitForIncoming(dialled.callId);
    assert.equal(ringing.state, 'ringing');
    await sleep(1000);
    // The caller's own no-answer timeout would do this: CANCEL via the trunk.
    await caller.hangup();
    const callerClosed = await caller.waitForClosed(dialled.callId);
    const phoneClosed = await lab.phone.waitForClosed(dialled.callId);
    assert.equal(callerClosed.answered, false);
    assert.equal(phoneClosed.answered, false);
  });
});

describe('SIP lab with a 401 trunk', () => {
  test('a caller answers the WWW-Authenticate challenge and gets through', async () => {
    const lab = await startSipLab({ challenge: 'www', username: 'alice', password: 'secret-401' });
    try {
      const caller = await lab.startCaller({ profiles: { good: { username: 'alice', password: 'secret-401' } } });
      const dialled = await caller.dial('good', lab.numbers.answers);
      await lab.phone.waitForEstablished(dialled.callId);
      await caller.hangup();
      await lab.phone.waitForClosed(dialled.callId);
      const codes = lab.trunk.invites().map((invite) => invite.code ?? invite.outcome);
      assert.deepEqual(codes, [401, 'forwarded']);
    } finally {
      await lab.stop();
    }
  });
});
