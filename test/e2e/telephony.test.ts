/**
 * Phone dial-out end to end: a real SIP trunk (kamailio, digest auth) and a
 * real phone (baresip, plays 1 kHz, records what it hears) from the SIP
 * lab, the server with its embedded Janus, and a Chromium page whose fake
 * microphone plays 440 Hz.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { analyseWavTone, startSipLab, type SipLab } from '../support/telephony/sipLab.js';

const run = promisify(execFile);

/** The strongest frequency in what the page receives from one participant, by an FFT on the page. */
function receivedPeakHz(page: Page, participantId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const video = document.querySelector<HTMLVideoElement>(`figure[data-participant-id="${id}"] video`);
    const stream = video?.srcObject;
    if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return 0;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    context.createMediaStreamSource(stream).connect(analyser);
    const sums = new Float32Array(analyser.frequencyBinCount);
    const frame = new Float32Array(analyser.frequencyBinCount);
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      analyser.getFloatFrequencyData(frame);
      for (let bin = 0; bin < frame.length; bin++) sums[bin]! += Math.pow(10, frame[bin]! / 10);
    }
    await context.close();
    let best = 0;
    for (let bin = 1; bin < sums.length; bin++) if (sums[bin]! > sums[best]!) best = bin;
    return sums[best]! > 1e-9 ? (best * context.sampleRate) / analyser.fftSize : 0;
  }, participantId);
}

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

const tileCount = (page: Page, participantId: string) => page.locator(`figure[data-participant-id="${participantId}"]`).count();

describe('phone dial-out through a SIP trunk', () => {
  let lab: SipLab;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'convene-phone-'));
    const toneWav = join(workDir, 'mic-440.wav');
    await run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', toneWav, 'synth', '120', 'sine', '440', 'vol', '0.5']);
    lab = await startSipLab();
    server = await startTestServer({
      SIP_TRUNK_URI: lab.trunk.uri,
      SIP_USERNAME: lab.trunk.username,
      SIP_PASSWORD: lab.trunk.password,
      SIP_FROM_NUMBER: '+15550009999',
      SIP_DIAL_NUMBER: lab.numbers.answers,
      SIP_ALLOWED_NUMBERS: `${lab.numbers.answers},+1555000*`,
      SIP_BIND_ADDRESS: '127.0.0.1',
      SIP_PORT: '0',
      SIP_MEDIA_ADDRESS: '127.0.0.1',
      ADMIN_SECRET: 'admin-secret-for-tests',
      CALLBACK_SECRET: 'callback-secret-for-tests',
    });
    browser = await launchBrowser([`--use-file-for-fake-audio-capture=${toneWav}`]);
    page = await (await newContext(browser)).newPage();
    await joinMeeting(page, server.url, 'Alice', 'phones');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await lab?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('brings the phone into the room: the page hears its 1 kHz and the phone hears the page’s 440 Hz', async () => {
    const started = await api(page, '/startPSTNCall', { room: 'phones', callee: { name: 'Bob', phone_number: lab.numbers.answers } });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const { callId, participantId } = started.json as { callId: string; participantId: string };
    const call = await lab.phone.waitForEstablished();
    const peak = await waitFor(() => receivedPeakHz(page, participantId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
    assert.ok(Math.abs(peak - 1000) < 50, `the page should hear the phone's 1 kHz, heard ${peak} Hz`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const ended = await api(page, '/endPSTNCall', { callId });
    assert.deepEqual(ended.json, { status: 'hungup', callIds: [callId] });
    const tiles = await waitFor(() => tileCount(page, participantId), (n) => n === 0, 5000);
    assert.equal(tiles, 0, 'the phone tile should be gone within 5 s of /endPSTNCall');
    const closed = await lab.phone.waitForClosed(call.callId);
    const heard = await analyseWavTone(closed.recording!.heardWav);
    assert.ok(heard.energyShareNear(440) > 0.5, `the phone should hear 440 Hz: ${JSON.stringify(heard)}`);
  });
});
