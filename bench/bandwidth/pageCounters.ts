/**
 * The running totals a meeting page's WebRTC statistics hold, read through
 * its `window.convene` handle: what its one receiving connection (`sub-…`)
 * got of each stream, and what its camera's connection (`pub-camera`) sent
 * of each layer. Two readings make a window (see windowRates), so rates come
 * from the browser's own stats timestamps, not from when Node asked.
 */
import type { Page } from 'playwright-core';

export interface InboundTotals {
  /** The stats object's id: the same stream in two readings. */
  id: string;
  kind: 'audio' | 'video';
  bytesReceived: number;
  framesDecoded: number;
  frameHeight: number;
  timestampMs: number;
}

export interface OutboundTotals {
  id: string;
  /** The simulcast layer ('h', 'm', 'l'), or 'single' without simulcast. */
  rid: string;
  framesEncoded: number;
  bytesSent: number;
  frameHeight: number;
  /** Seconds the encoder has lowered its resolution or frame rate because the CPU could not keep up. */
  cpuLimitedS: number;
  timestampMs: number;
}

export interface PageTotals {
  inbound: InboundTotals[];
  outbound: OutboundTotals[];
  /** Frames the camera has delivered to the encoder (the media-source stats), and when. */
  captured: { frames: number; timestampMs: number };
}

export function readPageTotals(page: Page): Promise<PageTotals> {
  // No named functions inside: the page gets this function's source as tsx compiled it, whose helper
  // for function names exists only in Node.
  return page.evaluate(async () => {
    type Stats = Record<string, unknown>;
    const connections = (window as unknown as { convene: { session?: { peerConnections(): Map<string, RTCPeerConnection> } } }).convene.session?.peerConnections();
    const totals: PageTotals = { inbound: [], outbound: [], captured: { frames: 0, timestampMs: 0 } };
    for (const [id, pc] of connections ?? []) {
      const report = await pc.getStats();
      report.forEach((entry: Stats) => {
        const timestampMs = Number(entry['timestamp'] ?? 0);
        if (id.startsWith('sub-') && entry['type'] === 'inbound-rtp') {
          totals.inbound.push({
            id: String(entry['id']),
            kind: entry['kind'] === 'video' ? 'video' : 'audio',
            bytesReceived: Number(entry['bytesReceived'] ?? 0),
            framesDecoded: Number(entry['framesDecoded'] ?? 0),
            frameHeight: Number(entry['frameHeight'] ?? 0),
            timestampMs,
          });
        }
        if (id !== 'pub-camera') return;
        if (entry['type'] === 'outbound-rtp' && entry['kind'] === 'video') {
          const limited = (entry['qualityLimitationDurations'] ?? {}) as Record<string, number>;
          totals.outbound.push({
            id: String(entry['id']),
            rid: typeof entry['rid'] === 'string' ? entry['rid'] : 'single',
            framesEncoded: Number(entry['framesEncoded'] ?? 0),
            bytesSent: Number(entry['bytesSent'] ?? 0),
            frameHeight: Number(entry['frameHeight'] ?? 0),
            cpuLimitedS: limited['cpu'] ?? 0,
            timestampMs,
          });
        }
        if (entry['type'] === 'media-source' && entry['kind'] === 'video') totals.captured = { frames: Number(entry['frames'] ?? 0), timestampMs };
      });
    }
    return totals;
  });
}

/** Remote video streams that have decoded at least one frame. */
export function decodingStreams(totals: PageTotals): number {
  return totals.inbound.filter((stream) => stream.kind === 'video' && stream.framesDecoded > 0).length;
}

/** One sent layer over a window. */
export interface LayerRates {
  rid: string;
  framesPerSecond: number;
  bitrateBps: number;
  frameHeight: number;
  /** Share of the window (0..1) the encoder was held back by the CPU. */
  cpuLimitedShare: number;
}

/** What one page received and sent between two readings. */
export interface PageRates {
  /** Audio and video together, payload bytes as the RTP stats count them. */
  downlinkBps: number;
  /** Each remote video stream's decoded frames per second. */
  decodedFps: number[];
  /** Each remote video stream's picture height at the end of the window: which layer arrived. */
  receivedHeights: number[];
  capturedFps: number;
  layers: LayerRates[];
}

const perSecond = (delta: number, fromMs: number, toMs: number): number => (toMs > fromMs ? (delta * 1000) / (toMs - fromMs) : 0);

export function windowRates(start: PageTotals, end: PageTotals): PageRates {
  const inbound = end.inbound.flatMap((last) => {
    const first = start.inbound.find((stream) => stream.id === last.id);
    return first ? [{ first, last }] : [];
  });
  const video = inbound.filter(({ last }) => last.kind === 'video');
  const layers = end.outbound.flatMap((last): LayerRates[] => {
    const first = start.outbound.find((layer) => layer.id === last.id);
    if (!first) return [];
    const seconds = (last.timestampMs - first.timestampMs) / 1000;
    return [
      {
        rid: last.rid,
        framesPerSecond: perSecond(last.framesEncoded - first.framesEncoded, first.timestampMs, last.timestampMs),
        bitrateBps: perSecond((last.bytesSent - first.bytesSent) * 8, first.timestampMs, last.timestampMs),
        frameHeight: last.frameHeight,
        cpuLimitedShare: seconds > 0 ? (last.cpuLimitedS - first.cpuLimitedS) / seconds : 0,
      },
    ];
  });
  return {
    downlinkBps: inbound.reduce((sum, { first, last }) => sum + perSecond((last.bytesReceived - first.bytesReceived) * 8, first.timestampMs, last.timestampMs), 0),
    decodedFps: video.map(({ first, last }) => perSecond(last.framesDecoded - first.framesDecoded, first.timestampMs, last.timestampMs)),
    receivedHeights: video.map(({ last }) => last.frameHeight),
    capturedFps: perSecond(end.captured.frames - start.captured.frames, start.captured.timestampMs, end.captured.timestampMs),
    layers,
  };
}
