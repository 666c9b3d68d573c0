/**
 * A SIP lab whose trunk also routes a dial-in number to the server under
 * test, the settings that make that server take the calls, a meeting for
 * callers to join, and reading a room's PIN the way a participant does:
 * from the page's Invite sheet.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../browser.js';
import { joinMeeting, waitFor } from '../meetingPage.js';
import { startTestServer } from '../testServer.js';
import type { AgentCall } from './baresipAgent.js';
import { freeUdpPort } from './freePort.js';
import { analyseWavTail, type ToneReport } from './toneAnalysis.js';
import type { CallerProfile, SipCaller } from './sipCaller.js';
import { telephonyOverrides } from './labServerSettings.js';
import { defaultNumberBehaviours, toServer } from './phoneBehaviour.js';
import { startSipLab, type SipLab, type SipLabOptions } from './sipLab.js';

export const DIAL_IN_NUMBER = '+15550002000';

interface DialInLab {
  lab: SipLab;
  /** Settings for `startTestServer`: the lab's trunk, and the SIP port the trunk sends dial-ins to. */
  serverSettings: Record<string, string>;
}

async function startDialInLab(options: SipLabOptions = {}): Promise<DialInLab> {
  const sipPort = await freeUdpPort();
  const lab = await startSipLab({ ...options, numbers: { ...defaultNumberBehaviours, [DIAL_IN_NUMBER]: toServer(sipPort) } });
  return {
    lab,
    serverSettings: { ...telephonyOverrides(lab), SIP_PORT: String(sipPort), SIP_DIAL_IN_NUMBERS: DIAL_IN_NUMBER },
  };
}

const run = promisify(execFile);

/** What the page's microphone plays, and the caller's own tone: each side listens for the other's. */
const PAGE_TONE_HZ = 440;
const CALLER_TONE_HZ = 1000;

export interface DialInMeeting {
  lab: SipLab;
  server: Awaited<ReturnType<typeof startTestServer>>;
  /** The server's SIP port, where the trunk sends dial-ins. */
  sipPort: number;
  /** The lab's caller, playing CALLER_TONE_HZ, with the accounts asked for. */
  caller: SipCaller;
  /** The browser of Alice's page, for more pages. */
  browser: Browser;
  /** Alice's page in the room, her microphone playing PAGE_TONE_HZ. */
  page: Page;
  /** The room's PIN and dial-in number, read from Alice's Invite sheet. */
  invite: { pin: string; number: string };
  /** A folder of the meeting's own, for what a test writes; removed by `close`. */
  workDir: string;
  /** Stops everything that was started, whatever was. */
  close(): Promise<void>;
}

/**
 * A server taking dial-ins from a SIP lab, with Alice's page in `room` and a caller ready to dial. Each
 * of `callers` is an account of the trunk's credentials, with the codecs it offers if given.
 */
export async function startDialInMeeting(options: {
  room: string;
  lab?: SipLabOptions;
  server?: Record<string, string>;
  callers: Record<string, Pick<CallerProfile, 'codecs'>>;
}): Promise<DialInMeeting> {
  const workDir = await mkdtemp(join(tmpdir(), 'convene-dial-in-'));
  let dialInLab: DialInLab | undefined;
  let server: DialInMeeting['server'] | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.close();
    await dialInLab?.lab.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    dialInLab = await startDialInLab(options.lab);
    const { lab } = dialInLab;
    server = await startTestServer({ ...dialInLab.serverSettings, ...options.server });
    const credentials = { username: lab.trunk.username, password: lab.trunk.password };
    const profiles = Object.fromEntries(Object.entries(options.callers).map(([name, profile]) => [name, { ...credentials, ...profile }]));
    const caller = await lab.startCaller({ profiles, toneHz: CALLER_TONE_HZ });
    const micWav = join(workDir, `mic-${PAGE_TONE_HZ}.wav`);
    await run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', micWav, 'synth', '300', 'sine', String(PAGE_TONE_HZ), 'vol', '0.5']);
    browser = await launchBrowser([`--use-file-for-fake-audio-capture=${micWav}`]);
    const page = await newPage(browser);
    await joinMeeting(page, server.url, 'Alice', options.room);
    const sipPort = Number(dialInLab.serverSettings['SIP_PORT']);
    return { lab, server, sipPort, caller, browser, page, invite: await invitation(page), workDir, close };
  } catch (error) {
    await close();
    throw error;
  }
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
