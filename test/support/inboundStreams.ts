/**
 * Which streams flow to a meeting page, read from its receiving
 * connection's getStats (see receivedMedia.ts) alongside the cameras the
 * page shows. Whether a stream flows takes two readings: a stream Janus
 * stopped sending keeps its counters where they were.
 */
import type { Page } from 'playwright-core';
import { receiving, type Receiving } from './receivedMedia.js';

export interface InboundReading extends Receiving {
  /** The remote participants whose camera tiles the page shows now. */
  onStage: string[];
}

/** Which streams flowed between two readings of the same page. */
export interface Flow {
  /** Audio and video streams whose counters grew, mapped or not. */
  audioStreams: number;
  videoStreams: number;
  /** Whose audio and whose video grew. */
  audioFrom: Set<string>;
  videoFrom: Set<string>;
  /** The stage at the second reading. */
  onStage: string[];
}

type Handle = { convene: { room: { onStage(): string[] } } };

export async function readInbound(page: Page): Promise<InboundReading> {
  const streams = await receiving(page);
  return { ...streams, onStage: await page.evaluate(() => (window as unknown as Handle).convene.room.onStage()) };
}

/** The streams of `after` that grew since `before` (on the same connection; a new connection starts from nothing). */
export function flowBetween(before: InboundReading, after: InboundReading): Flow {
  const flow: Flow = { audioStreams: 0, videoStreams: 0, audioFrom: new Set(), videoFrom: new Set(), onStage: after.onStage };
  const earlier = new Map(before.pcId === after.pcId ? before.streams.map((s) => [`${s.kind}/${s.mid}`, s]) : []);
  for (const stream of after.streams) {
    const previous = earlier.get(`${stream.kind}/${stream.mid}`);
    if (stream.packetsReceived <= (previous?.packetsReceived ?? 0) && stream.bytesReceived <= (previous?.bytesReceived ?? 0)) continue;
    if (stream.kind === 'audio') flow.audioStreams += 1;
    else flow.videoStreams += 1;
    if (stream.participantId !== undefined) (stream.kind === 'audio' ? flow.audioFrom : flow.videoFrom).add(stream.participantId);
  }
  return flow;
}

/**
 * Reads the page every `windowMs` until what flowed over the last window
 * passes `check`, or `timeoutMs` runs out; returns the last window's flow
 * either way.
 */
export async function waitForFlow(page: Page, check: (flow: Flow) => boolean, timeoutMs: number, windowMs = 1_000): Promise<Flow> {
  const deadline = Date.now() + timeoutMs;
  let reading = await readInbound(page);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const next = await readInbound(page);
    const flow = flowBetween(reading, next);
    if (check(flow) || Date.now() >= deadline) return flow;
    reading = next;
  }
}
