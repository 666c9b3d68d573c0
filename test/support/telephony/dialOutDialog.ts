/**
 * Drives the meeting page's "Dial out" dialog as a person would, and reads
 * the call state it shows.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from '../meetingPage.js';

export interface DialStatus {
  /** The call state the dialog shows: dialling, ringing, answered, ended or failed. */
  readonly state: string;
  readonly text: string;
}

export function dialStatus(page: Page): Promise<DialStatus> {
  return page.evaluate(() => {
    const status = document.querySelector<HTMLElement>('#dial-status');
    return { state: status?.dataset['state'] ?? '', text: status?.textContent ?? '' };
  });
}

/** Types the number and name into the dialog (opening it if needed) and presses "Call". */
export async function dialFromPage(page: Page, number: string, name: string): Promise<void> {
  if (!(await page.locator('#dial-dialog[open]').count())) await page.click('#dial-button');
  await page.fill('#dial-number', number);
  await page.fill('#dial-name', name);
  await page.click('#dial-submit');
}

/** Waits up to 15 s for the dialog to show `state`, then checks its text. */
export async function expectDialState(page: Page, state: string, text: RegExp): Promise<void> {
  const seen = await waitFor(() => dialStatus(page), (status) => status.state === state, 15_000);
  assert.equal(seen.state, state, `dial status: ${JSON.stringify(seen)}`);
  assert.match(seen.text, text);
}
