/**
 * Drives the meeting page as a person would (type, pick, click) and reads
 * its media statistics through the page's `window.convene` handle.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

export interface ReceiveStats {
  framesDecoded: number;
  audioSamples: number;
  frameWidth: number;
  /** Receiving peer connections (one per page, unless it is being replaced). */
  subscriptions: number;
  /** Video streams that have decoded frames. */
  videoStreams: number;
}

export interface JoinOptions {
  /** false: picks "No camera" before joining, so the page publishes only its voice. */
  camera?: boolean;
  /** false: picks "No microphone" before joining, so the page publishes only its camera. */
  microphone?: boolean;
}

export async function joinMeeting(page: Page, baseUrl: string, name: string, room: string, options: JoinOptions = {}): Promise<void> {
  await page.goto(`${baseUrl}/?room=${encodeURIComponent(room)}`);
  if (options.camera === false) {
    // The picker lists "No camera" once the first capture is shown; the preview loses its picture once the camera is let go.
    await page.selectOption('#camera-select', 'off');
    await page.waitForSelector('#preview .tile.no-video');
  }
  await page.fill('#name', name);
  if (options.microphone === false) {
    await page.selectOption('#mic-select', 'off');
    // The preview shows the new capture once the microphone is let go of.
    await page.waitForFunction(() => {
      const stream = document.querySelector<HTMLVideoElement>('#preview video')?.srcObject;
      return stream instanceof MediaStream && stream.getVideoTracks().length > 0 && stream.getAudioTracks().length === 0;
    });
  }
  await page.click('#join-button');
  await page.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
  // The page lays the meeting out once its media has started, which can be a moment after it is connected.
  await page.waitForSelector('#call-bar:not([hidden])', { timeout: 15_000 });
}

/** Sums what the page receives over all its subscriber peer connections, optionally only from one participant. */
export function receiveStats(page: Page): Promise<ReceiveStats> {
  return page.evaluate(async () => {
    const handle = (window as unknown as { convene: { session?: { peerConnections(): Map<string, RTCPeerConnection> } } }).convene;
    const totals = { framesDecoded: 0, audioSamples: 0, frameWidth: 0, subscriptions: 0, videoStreams: 0 };
    for (const [id, pc] of handle.session?.peerConnections() ?? []) {
      if (!id.startsWith('sub-')) continue;
      totals.subscriptions += 1;
      const report = await pc.getStats();
      report.forEach((entry: Record<string, unknown>) => {
        if (entry['type'] !== 'inbound-rtp') return;
        if (entry['kind'] === 'video') {
          totals.framesDecoded += Number(entry['framesDecoded'] ?? 0);
          if (Number(entry['framesDecoded'] ?? 0) > 0) totals.videoStreams += 1;
          totals.frameWidth = Math.max(totals.frameWidth, Number(entry['frameWidth'] ?? 0));
        }
        if (entry['kind'] === 'audio') totals.audioSamples += Number(entry['totalSamplesReceived'] ?? 0);
      });
    }
    return totals;
  });
}

/** Polls until `check` holds or `timeoutMs` passes; returns the last value either way. */
export async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** Asserts that decoded video frames and received audio samples both rise on the page within the timeout. */
export async function expectMediaFlowing(page: Page, timeoutMs = 15_000): Promise<{ before: ReceiveStats; after: ReceiveStats }> {
  const before = await receiveStats(page);
  const after = await waitFor(
    () => receiveStats(page),
    (s) => s.framesDecoded > before.framesDecoded && s.audioSamples > before.audioSamples,
    timeoutMs,
  );
  assert.ok(after.framesDecoded > before.framesDecoded, `framesDecoded should rise: ${JSON.stringify({ before, after })}`);
  assert.ok(after.audioSamples > before.audioSamples, `totalSamplesReceived should rise: ${JSON.stringify({ before, after })}`);
  return { before, after };
}

/**
 * Waits until the page's current subscriptions decode video: frames rise
 * between two samples half a second apart. Sums over time would mislead
 * after a reconnect, when closed peer connections drop out of the totals.
 */
export async function decodesVideoWithin(page: Page, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let previous = await receiveStats(page);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const current = await receiveStats(page);
    if (current.subscriptions > 0 && current.subscriptions === previous.subscriptions && current.framesDecoded > previous.framesDecoded + 5) return true;
    previous = current;
  }
  return false;
}
