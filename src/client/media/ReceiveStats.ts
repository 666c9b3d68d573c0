/**
 * Reads the receiving connection's statistics a few times a second: for
 * each inbound stream (by its m-line), what arrived, was lost and was
 * decoded, for the downlink monitor.
 */
export interface InboundSample {
  mid: string;
  kind: 'audio' | 'video';
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number;
  freezeCount: number;
  frameHeight: number;
}

export type SampleListener = (samples: InboundSample[], atMs: number) => void;

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
    if (!pc || pc.connectionState === 'closed') return;
    const midOfTrack = new Map(pc.getTransceivers().flatMap((t) => (t.mid === null ? [] : [[t.receiver.track.id, t.mid] as const])));
    const samples: InboundSample[] = [];
    (await pc.getStats()).forEach((entry: Record<string, unknown>) => {
      if (entry['type'] !== 'inbound-rtp' || (entry['kind'] !== 'audio' && entry['kind'] !== 'video')) return;
      const mid = typeof entry['mid'] === 'string' ? entry['mid'] : midOfTrack.get(String(entry['trackIdentifier']));
      if (mid === undefined) return;
      samples.push({
        mid,
        kind: entry['kind'],
        packetsReceived: Number(entry['packetsReceived'] ?? 0),
        packetsLost: Number(entry['packetsLost'] ?? 0),
        framesDecoded: Number(entry['framesDecoded'] ?? 0),
        freezeCount: Number(entry['freezeCount'] ?? 0),
        frameHeight: Number(entry['frameHeight'] ?? 0),
      });
    });
    const now = performance.now();
    for (const listener of this.listeners) listener(samples, now);
  }
}
