/**
 * A SIP lab whose trunk also routes a dial-in number to the server under
 * test, the settings that make that server take the calls, and reading a
 * room's PIN the way a participant does: from the page's Invite sheet.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from '../meetingPage.js';
import type { AgentCall } from './baresipAgent.js';
import { freeUdpPort } from './freePort.js';
import { analyseWavTail, type ToneReport } from './toneAnalysis.js';
import type { SipCaller } from './sipCaller.js';
import { telephonyOverrides } from './labServerSettings.js';
import { defaultNumberBehaviours, toServer } from './phoneBehaviour.js';
import { startSipLab, type SipLab, type SipLabOptions } from './sipLab.js';

export const DIAL_IN_NUMBER = '+15550002000';

export interface DialInLab {
  lab: SipLab;
  /** Settings for `startTestServer`: the lab's trunk, and the SIP port the trunk sends dial-ins to. */
  serverSettings: Record<string, string>;
}

export async function startDialInLab(options: SipLabOptions = {}): Promise<DialInLab> {
  const sipPort = await freeUdpPort();
  const lab = await startSipLab({ ...options, numbers: { ...defaultNumberBehaviours, [DIAL_IN_NUMBER]: toServer(sipPort) } });
  return {
    lab,
    serverSettings: { ...telephonyOverrides(lab), SIP_PORT: String(sipPort), SIP_DIAL_IN_NUMBERS: DIAL_IN_NUMBER },
  };
}

/** The room's PIN and dial-in number, as the page's Invite sheet shows them. */
export async function invitation(page: Page): Promise<{ pin: string; number: string }> {
  await page.click('#invite-button');
  const pin = page.locator('#invite-pin');
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#invite-pin')?.dataset['value'] !== undefined, undefined, { timeout: 5000 });
  const read = { pin: (await pin.getAttribute('data-value')) ?? '', number: (await page.locator('#invite-number').getAttribute('data-value')) ?? '' };
  await page.keyboard.press('Escape');
  return read;
}

/** The last seconds of what a call heard; undefined while the recording is too short. */
export const heardLately = (wav: string, seconds: number): Promise<ToneReport | undefined> => analyseWavTail(wav, seconds).catch(() => undefined);

/** Calls the dial-in number as `profile`, and waits until the caller has heard the spoken prompt (energy in its recording). */
export async function callIn(caller: SipCaller, profile: string): Promise<AgentCall> {
  const dialled = await caller.dial(profile, DIAL_IN_NUMBER);
  const call = await caller.waitForEstablished(dialled.callId);
  const heardWav = call.recording?.heardWav;
  assert.ok(heardWav, 'the caller records what it hears');
  const prompt = await waitFor(() => heardLately(heardWav, 1), (heard) => heard !== undefined && heard.rms > 0.02, 15_000);
  console.log(`prompt heard by the caller: rms ${prompt?.rms.toFixed(3)} over its last second`);
  return call;
}

/** The participant id of the (one) phone tile the page shows, once it shows. */
export async function phoneTileId(page: Page): Promise<string> {
  const tile = page.locator('figure[data-kind="phone"]');
  await tile.waitFor({ timeout: 10_000 });
  const id = await tile.getAttribute('data-participant-id');
  assert.ok(id, 'the phone has a tile');
  return id;
}
