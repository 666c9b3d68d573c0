/**
 * Who is speaking, from the audio level the browser last heard on each
 * received stream (its receivers' synchronization sources, read every
 * 100 ms: cheap, where getStats can take a busy page hundreds of
 * milliseconds): everyone above a threshold is "speaking" (the stage brings
 * them on screen), and the loudest gets the highlight.
 */

/** The level (0–1) an m-line's audio was last heard at. */
export interface HeardLevel {
  mid: string;
  level: number;
}

const THRESHOLD = 0.02;
const LISTEN_EVERY_MS = 100;

export class SpeakerDetector {
  private readonly levels = new Map<string, number>();

  constructor(
    heard: () => HeardLevel[],
    /** The participant whose audio an m-line carries. */
    private readonly participantOf: (mid: string) => string | undefined,
    private readonly listener: { speaking(participantId: string, atMs: number): void; loudest(participantId: string | undefined): void },
  ) {
    window.setInterval(() => this.update(heard(), performance.now()), LISTEN_EVERY_MS);
  }

  /** Audio level (0–1) last heard from one participant. */
  level(participantId: string): number {
    return this.levels.get(participantId) ?? 0;
  }

  private update(heard: HeardLevel[], atMs: number): void {
    this.levels.clear();
    for (const { mid, level } of heard) {
      const participantId = this.participantOf(mid);
      if (participantId !== undefined) this.levels.set(participantId, Math.max(level, this.levels.get(participantId) ?? 0));
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
