/**
 * Who is speaking, from the audio levels the browser reports for each
 * received stream: everyone above a threshold is "speaking" (the stage
 * brings them on screen), and the loudest gets the highlight.
 */
import type { InboundSample } from './ReceiveStats.js';

const THRESHOLD = 0.02;

export class SpeakerDetector {
  private readonly levels = new Map<string, number>();

  constructor(
    /** The participant whose audio an m-line carries. */
    private readonly participantOf: (mid: string) => string | undefined,
    private readonly listener: { speaking(participantId: string, atMs: number): void; loudest(participantId: string | undefined): void },
  ) {}

  /** Audio level (0–1) last heard from one participant. */
  level(participantId: string): number {
    return this.levels.get(participantId) ?? 0;
  }

  update(samples: InboundSample[], atMs: number): void {
    this.levels.clear();
    for (const sample of samples) {
      const participantId = sample.kind === 'audio' ? this.participantOf(sample.mid) : undefined;
      if (participantId !== undefined) this.levels.set(participantId, Math.max(sample.audioLevel, this.levels.get(participantId) ?? 0));
    }
    let loudest: string | undefined;
    let loudestLevel = THRESHOLD;
    for (const [participantId, level] of this.levels) {
      if (level <= THRESHOLD) continue;
      this.listener.speaking(participantId, atMs);
      if (level > loudestLevel) [loudest, loudestLevel] = [participantId, level];
    }
    this.listener.loudest(loudest);
  }
}
