/**
 * Drives every synthetic participant's streams at their fixed packet rates
 * from one timer. A late tick sends what fell due meanwhile, so the average
 * rate stays the configured one even when the event loop is busy.
 */
import type { StreamKind, SyntheticMedia } from './probePackets.js';
import type { SyntheticParticipant } from './syntheticParticipant.js';

const TICK_MS = 5;
const KINDS: StreamKind[] = ['audio', 'video'];

export class MediaClock {
  private timer: NodeJS.Timeout | undefined;
  private readonly due = new Map<SyntheticParticipant, Record<StreamKind, number>>();

  constructor(private readonly participants: readonly SyntheticParticipant[]) {}

  start(): void {
    const now = performance.now();
    this.participants.forEach((participant, position) => {
      // Spread the participants' packets over the interval instead of sending them all at once.
      const offset = (kind: StreamKind) => (intervalMs(participant.media, kind) * position) / this.participants.length;
      this.due.set(participant, { audio: now + offset('audio'), video: now + offset('video') });
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    for (const [participant, due] of this.due) {
      for (const kind of KINDS) {
        while (due[kind] <= now) {
          participant.send(kind);
          due[kind] += intervalMs(participant.media, kind);
        }
      }
    }
  }
}

function intervalMs(media: SyntheticMedia, kind: StreamKind): number {
  return 1000 / media[kind].packetsPerSecond;
}
