/**
 * Drives every synthetic participant's streams at their fixed packet rates
 * from one timer. A late tick sends what fell due meanwhile, so the average
 * rate stays the configured one even when the event loop is busy.
 */
import { SYNTHETIC_MEDIA, type StreamKind } from './probePackets.js';
import type { SyntheticParticipant } from './syntheticParticipant.js';

const TICK_MS = 5;
const KINDS: StreamKind[] = ['audio', 'video'];

export class MediaClock {
  private timer: NodeJS.Timeout | undefined;
  private readonly due = new Map<string, number>();

  constructor(private readonly participants: readonly SyntheticParticipant[]) {}

  start(): void {
    const now = performance.now();
    for (const participant of this.participants) {
      for (const kind of KINDS) {
        // Spread the participants' packets over the interval instead of sending them all at once.
        const intervalMs = 1000 / SYNTHETIC_MEDIA[kind].packetsPerSecond;
        this.due.set(`${participant.index}:${kind}`, now + (intervalMs * participant.index) / this.participants.length);
      }
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    for (const participant of this.participants) {
      for (const kind of KINDS) {
        const key = `${participant.index}:${kind}`;
        const intervalMs = 1000 / SYNTHETIC_MEDIA[kind].packetsPerSecond;
        let due = this.due.get(key)!;
        while (due <= now) {
          participant.send(kind, participant.index);
          due += intervalMs;
        }
        this.due.set(key, due);
      }
    }
  }
}
