/**
 * Counts what subscribers receive during a measurement window: unique
 * packets per (subscriber, publisher, stream), by their send time, and the
 * forwarding delay of each (arrival minus send time on the shared clock).
 */
import { readProbe, type StreamKind } from '../../test/support/synthetic/probePackets.js';

const KIND_BIT: Record<StreamKind, number> = { audio: 0, video: 1 };
const SEQUENCE_SPAN = 2 ** 32;

export class DeliveryRecorder {
  private readonly seen = new Set<number>();
  private readonly delaysMs: number[] = [];
  private window: { fromMs: number; toMs: number } | undefined;
  private counting = false;

  /** Starts counting packets sent from `fromMs` on. */
  open(fromMs: number): void {
    this.window = { fromMs, toMs: Number.POSITIVE_INFINITY };
    this.counting = true;
  }

  /** Packets sent from `toMs` on are no longer counted; those sent before still are, until `stop`. */
  closeWindow(toMs: number): void {
    if (this.window) this.window.toMs = toMs;
  }

  stop(): void {
    this.counting = false;
  }

  sinkFor(subscriber: number): (payload: Buffer, arrivedAtMs: number) => void {
    return (payload, arrivedAtMs) => {
      if (!this.counting || !this.window) return;
      const probe = readProbe(payload);
      if (!probe || probe.sentAtMs < this.window.fromMs || probe.sentAtMs >= this.window.toMs) return;
      const stream = (subscriber * 64 + probe.publisher) * 2 + KIND_BIT[probe.kind];
      const key = stream * SEQUENCE_SPAN + probe.sequence;
      if (this.seen.has(key)) return; // a retransmission
      this.seen.add(key);
      this.delaysMs.push(arrivedAtMs - probe.sentAtMs);
    };
  }

  get received(): number {
    return this.seen.size;
  }

  delays(): readonly number[] {
    return this.delaysMs;
  }
}
