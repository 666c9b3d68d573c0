/**
 * A SIP lab whose trunk also routes a dial-in number to the server under
 * test, the settings that make that server take the calls, and reading a
 * room's PIN the way a participant does: from the page's Invite sheet.
 */
import type { Page } from 'playwright-core';
import { freeUdpPort } from './freePort.js';
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
