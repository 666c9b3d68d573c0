/**
 * Phone dial-out: from the moment the phone answers to the first of its
 * audio the meeting page hears. The SIP lab's trunk (kamailio) and phone
 * (baresip, plays 1 kHz) stand in for a provider; the page dials as a
 * person would, from the dial-out dialog. The answer is timed when baresip
 * reports the call established; the audio when the page's received level
 * first rises above silence. Both are epoch times of this machine's clock.
 */
import type { Page } from 'playwright-core';
import { launchBrowser, newContext } from '../../test/support/browser.js';
import { joinMeeting, waitFor } from '../../test/support/meetingPage.js';
import { startSipLab, type SipLab } from '../../test/support/telephony/sipLab.js';
import { dialFromPage } from '../../test/support/telephony/dialOutDialog.js';
import { startMediaStack } from '../lib/mediaStack.js';
import { firstAudioEpochMs, installMediaProbe, watchReceivedAudio } from '../lib/pageProbe.js';
import { progress } from '../lib/progress.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface PhoneResult {
  answerToFirstAudio: Summary;
  failures: string[];
}

/** Received audio level (0..1) that the phone's tone exceeds and the bridge's silence does not. */
const HEARD_LEVEL = 0.02;
const CALL_TIMEOUT_MS = 20_000;

const epochNow = (): number => performance.timeOrigin + performance.now();

/** Resolves with the epoch time at which the phone reports a new call answered. */
function nextAnswer(lab: SipLab): Promise<{ callId: string; answeredAt: number }> {
  const known = new Set(lab.phone.calls().map((call) => call.callId));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error('the phone did not answer'));
    }, CALL_TIMEOUT_MS);
    const unsubscribe = lab.phone.onCallChange((call) => {
      if (!call.answered || known.has(call.callId)) return;
      const answeredAt = epochNow();
      clearTimeout(timer);
      unsubscribe();
      resolve({ callId: call.callId, answeredAt });
    });
  });
}

async function hangUpAll(page: Page): Promise<void> {
  await page.evaluate(() => fetch('/endPSTNCall', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
  await waitFor(() => page.locator('figure[data-kind="phone"]').count(), (n) => n === 0, 5_000);
}

export async function runPhone(runs: number): Promise<PhoneResult> {
  const lab = await startSipLab();
  const stack = await startMediaStack('phone', {
    SIP_TRUNK_URI: lab.trunk.uri,
    SIP_USERNAME: lab.trunk.username,
    SIP_PASSWORD: lab.trunk.password,
    SIP_FROM_NUMBER: '+15550009999',
    SIP_DIAL_NUMBER: lab.numbers.answers,
    SIP_ALLOWED_NUMBERS: lab.numbers.answers,
    SIP_BIND_ADDRESS: '127.0.0.1',
    SIP_PORT: '0',
    SIP_MEDIA_ADDRESS: '127.0.0.1',
  });
  const browser = await launchBrowser();
  const samples: number[] = [];
  const failures: string[] = [];
  try {
    const context = await newContext(browser);
    await installMediaProbe(context);
    const page = await context.newPage();
    await joinMeeting(page, stack.url, 'Ann', 'phone-bench');
    for (let run = 1; run <= runs; run++) {
      let callId: string | undefined;
      try {
        await watchReceivedAudio(page, HEARD_LEVEL);
        const answered = nextAnswer(lab);
        await dialFromPage(page, lab.numbers.answers, `Phone ${run}`);
        const { answeredAt, callId: answeredCallId } = await answered;
        callId = answeredCallId;
        const heardAt = await waitFor(() => firstAudioEpochMs(page), (t) => t !== undefined, CALL_TIMEOUT_MS, 20);
        if (heardAt === undefined) throw new Error('the page never heard the phone');
        samples.push(heardAt - answeredAt);
        progress('phone', `run ${run}/${runs}: answer to first audio ${(heardAt - answeredAt).toFixed(0)} ms`);
      } catch (error) {
        failures.push(`run ${run}: ${(error as Error).message.split('\n')[0]}`);
        progress('phone', `run ${run}/${runs} failed: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        await hangUpAll(page);
        if (callId) await lab.phone.waitForClosed(callId, 5_000).catch(() => undefined);
      }
    }
  } finally {
    await browser.close();
    await stack.stop();
    await lab.stop();
  }
  return { answerToFirstAudio: summarize(samples), failures };
}
