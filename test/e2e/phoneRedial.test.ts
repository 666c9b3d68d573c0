/**
 * A phone dialled into a room of two pages twenty times back to back, with
 * no pause between calls: every call is heard both ways, no subscription
 * meets a vanished feed, and once the last call is over Janus's own
 * listings hold nothing of the calls (forwarders, remote publishers,
 * AudioBridge mixers, sessions and handles).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { LogCapture } from '../support/logCapture.js';
import { decodesVideoWithin, joinMeeting, waitFor } from '../support/meetingPage.js';
import { receivedPeakHz } from '../support/pageAudio.js';
import { JanusAdmin, type JanusHoldings, type VideoRoomHoldings } from '../support/janusAdmin.js';
import { analyseWavTone, startSipLab, type AgentCall, type SipLab } from '../support/telephony/sipLab.js';
import { telephonyOverrides } from '../support/telephony/labServerSettings.js';
import { janusRoomIdFor } from '../../src/rooms/janusRoomId.js';

const CALLS = 20;
const ROOM = 'redial';
/** What the phone must have heard of a call before it is hung up: one second of 8 kHz 16-bit audio, past the WAV header. */
const HEARD_BYTES = 44 + 16_000;

const run = promisify(execFile);

async function post(page: Page, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ({ path: target, body: payload }) => {
      const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    { path, body },
  );
}

describe('a phone re-dialled twenty times back to back', () => {
  let lab: SipLab;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let pages: Page[];
  let admin: JanusAdmin;
  let workDir: string;
  const log = new LogCapture();

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'convene-redial-'));
    const mic = join(workDir, 'mic-440.wav');
    await run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', mic, 'synth', '300', 'sine', '440', 'vol', '0.5']);
    lab = await startSipLab();
    server = await startTestServer({ ...telephonyOverrides(lab), LOG_LEVEL: 'info' }, log);
    admin = await JanusAdmin.connect(server.embeddedJanus!.admin);
    browser = await launchBrowser([`--use-file-for-fake-audio-capture=${mic}`]);
    pages = await Promise.all([newPage(browser), newPage(browser)]);
    await joinMeeting(pages[0]!, server.url, 'Alice', ROOM);
    await joinMeeting(pages[1]!, server.url, 'Bob', ROOM);
  });

  after(async () => {
    admin?.close();
    await browser?.close();
    await server?.close();
    await lab?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('hears every call both ways, meets no vanished feed, and leaves nothing of the calls in Janus', async (t) => {
    const janusRoom = janusRoomIdFor(ROOM);
    // The two pages publish and receive each other before the first call: that is the room without phones.
    for (const page of pages) assert.ok(await decodesVideoWithin(page, 15_000), 'the pages decode each other');
    const baseline = await waitFor(() => admin.videoRoomHoldings(janusRoom), (h) => h.participants.length === 2, 10_000);
    const baseCounts: JanusHoldings = await admin.holdings();
    const mixers = new Set<number>();
    const answeredInMs: number[] = [];

    for (let index = 0; index < CALLS; index++) {
      const known = new Set(lab.phone.calls().map((call) => call.callId));
      const dialledAt = Date.now();
      const started = await post(pages[index % 2]!, '/startPSTNCall', { number: lab.numbers.answers, name: `Phone ${index}` });
      assert.equal(started.status, 200, `call ${index}: ${JSON.stringify(started.json)}`);
      const { participantId, callId } = started.json as { participantId: string; callId: string };
      const call = await waitFor(
        async () => lab.phone.calls().find((c) => c.answered && !known.has(c.callId)),
        (c): c is AgentCall => c !== undefined,
        15_000,
        50,
      );
      assert.ok(call, `call ${index}: the phone answers`);
      answeredInMs.push(Date.now() - dialledAt);
      for (const room of await admin.audioBridgeRooms()) mixers.add(room);

      const heard = await Promise.all(pages.map((page) => waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 100)));
      assert.ok(heard.every((hz) => Math.abs(hz - 1000) < 50), `call ${index}: both pages hear the phone's 1 kHz, heard ${heard.join(' and ')} Hz; the server said: ${problems(log.records())}`);
      const recording = call.recording!.heardWav;
      await waitFor(async () => (await stat(recording).catch(() => undefined))?.size ?? 0, (bytes) => bytes >= HEARD_BYTES, 10_000, 50);

      // Hang up from the page and from the phone in turn: both ends must release everything.
      if (index % 2 === 0) assert.equal((await post(pages[0]!, '/endPSTNCall', { callId })).status, 200);
      else await lab.phone.hangup();
      const closed = await lab.phone.waitForClosed(call.callId);
      const tone = await analyseWavTone(closed.recording!.heardWav);
      assert.ok(tone.energyShareNear(440) > 0.5, `call ${index}: the phone hears the pages' 440 Hz: ${JSON.stringify(tone)}`);
    }

    const afterCalls = await waitFor(
      () => admin.videoRoomHoldings(janusRoom),
      (h) => h.participants.length === baseline.participants.length && h.forwarders.length === 0,
      10_000,
    );
    const countsAfter = await waitFor(() => admin.holdings(), (h) => h.sessions === baseCounts.sessions && h.handles === baseCounts.handles, 10_000);
    const mixersLeft = (await Promise.all([...mixers].map(async (room) => ((await admin.audioBridgeExists(room)) ? [room] : [])))).flat();
    const vanishedFeeds = log.records().filter((line) => /No such feed|\(428\)|subscription failed|cannot subscribe/.test(JSON.stringify(line)));
    const sorted = [...answeredInMs].sort((a, b) => a - b);
    t.diagnostic(`${CALLS} calls; dial to answer median ${sorted[CALLS >> 1]} ms; ${mixers.size} AudioBridge mixers seen, ${mixersLeft.length} left`);
    t.diagnostic(`VideoRoom after the calls: ${JSON.stringify(afterCalls)}; Janus sessions/handles ${JSON.stringify(baseCounts)} before, ${JSON.stringify(countsAfter)} after`);

    assert.deepEqual(vanishedFeeds, [], 'no subscription met a feed that was gone (428)');
    assert.deepEqual(sortedDisplays(afterCalls), sortedDisplays(baseline), 'the VideoRoom holds the two pages and no phone');
    assert.deepEqual(afterCalls.forwarders, [], 'no forwarder is left sending to a phone');
    assert.deepEqual(afterCalls.remotes, []);
    assert.equal(mixers.size, CALLS, 'each call had a mixer of its own');
    assert.deepEqual(mixersLeft, [], 'every AudioBridge mixer is destroyed');
    assert.deepEqual(countsAfter, baseCounts, 'Janus holds as many sessions and handles as before the calls');
  });
});

function sortedDisplays(holdings: VideoRoomHoldings): string[] {
  return holdings.participants.map((p) => p.display ?? '').sort();
}

/** The server's warnings and errors (Janus's own included), for a failure message. */
function problems(log: Array<Record<string, unknown>>): string {
  return JSON.stringify(log.filter((line) => Number(line['level']) >= 40 && !/Failed to add some remote candidates|Couldn't find any address|mDNS/.test(String(line['msg']))));
}
