/**
 * Reads the receiving connection's statistics a few times a second: for
 * each inbound stream (by its m-line), what arrived, was lost and was
 * decoded, for the downlink monitor and the connection quality; and the
 * round-trip time of the connection's selected candidate pair.
 */
import { pastItsStart } from '../session/connectionAge.js';

export interface InboundSample {
  mid: string;
  kind: 'audio' | 'video';
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  framesDecoded: number;
  freezeCount: number;
  frameHeight: number;
}

export type SampleListener = (samples: InboundSample[], atMs: number, roundTripMs: number | undefined) => void;

const SAMPLE_EVERY_MS = 250;

export class ReceiveStats {
  private readonly listeners: SampleListener[] = [];
  private timer: number | undefined;

  constructor(private readonly connection: () => RTCPeerConnection | undefined) {}

  onSample(listener: SampleListener): void {
    this.listeners.push(listener);
    this.timer ??= window.setInterval(() => void this.sample(), SAMPLE_EVERY_MS);
  }

  private async sample(): Promise<void> {
    const pc = this.connection();
    if (!pc || !pastItsStart(pc)) return;
    const midOfTrack = new Map(pc.getTransceivers().flatMap((t) => (t.mid === null ? [] : [[t.receiver.track.id, t.mid] as const])));
    const samples: InboundSample[] = [];
    const report = await pc.getStats();
    report.forEach((entry: Record<string, unknown>) => {
      if (entry['type'] !== 'inbound-rtp' || (entry['kind'] !== 'audio' && entry['kind'] !== 'video')) return;
      const mid = typeof entry['mid'] === 'string' ? entry['mid'] : midOfTrack.get(String(entry['trackIdentifier']));
      if (mid === undefined) return;
      samples.push({
        mid,
        kind: entry['kind'],
        packetsReceived: Number(entry['packetsReceived'] ?? 0),
        packetsLost: Number(entry['packetsLost'] ?? 0),
        bytesReceived: Number(entry['bytesReceived'] ?? 0),
        framesDecoded: Number(entry['framesDecoded'] ?? 0),
        freezeCount: Number(entry['freezeCount'] ?? 0),
        frameHeight: Number(entry['frameHeight'] ?? 0),
      });
    });
    const now = performance.now();
    const roundTripMs = selectedRoundTripMs(report);
    for (const listener of this.listeners) listener(samples, now, roundTripMs);
  }
}

/** The round-trip time (from ICE's own checks) of the candidate pair a connection's report says is in use. */
export function selectedRoundTripMs(report: RTCStatsReport): number | undefined {
  let pairId: unknown;
  report.forEach((entry: Record<string, unknown>) => {
    if (entry['type'] === 'transport') pairId ??= entry['selectedCandidatePairId'];
  });
  const seconds: unknown = typeof pairId === 'string' ? (report.get(pairId) as Record<string, unknown> | undefined)?.['currentRoundTripTime'] : undefined;
  return typeof seconds === 'number' ? Math.round(seconds * 1000) : undefined;
}
