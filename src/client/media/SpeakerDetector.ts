/**
 * Who is speaking, from the audio level of the last packet the browser
 * heard on each received stream (its receivers' synchronization sources:
 * cheap, where getStats can take a busy page hundreds of milliseconds).
 *
 * One packet's level is a poor sample of a voice: a syllable, like the
 * fake microphone's beep, is loud for two or three packets (40–60 ms) and
 * fades. So the detector listens every 50 ms, often enough to hear each
 * (more often would take the page's main thread from its calls: each look
 * waits on the WebRTC thread), and judges every 100 ms on the loudest it
 * heard from each participant in that window: everyone above a threshold
 * is "speaking" (the stage brings them on screen), and the loudest gets
 * the highlight.
 */

/** The level (0–1) an m-line's audio was last heard at. */
export interface HeardLevel {
  mid: string;
  level: number;
}

const THRESHOLD = 0.02;
export const LISTEN_EVERY_MS = 50;
const JUDGE_EVERY_MS = 100;

export interface SpeakerListener {
  speaking(participantId: string, atMs: number): void;
  loudest(participantId: string | undefined): void;
}

export class SpeakerDetector {
  /** The loudest heard from each participant in the window being filled. */
  private window = new Map<string, number>();
  private windowStartMs: number | undefined;
  /** The loudest heard from each participant in the last full window. */
  private judged = new Map<string, number>();

  constructor(
    /** The participant whose audio an m-line carries. */
    private readonly participantOf: (mid: string) => string | undefined,
    private readonly listener: SpeakerListener,
  ) {}

  /** Listens to the page's received audio for as long as the page lives. */
  listenTo(heard: () => HeardLevel[]): void {
    window.setInterval(() => this.hear(heard(), performance.now()), LISTEN_EVERY_MS);
  }

  /** Loudest audio level (0–1) heard from one participant in the last 100 ms window. */
  level(participantId: string): number {
    return this.judged.get(participantId) ?? 0;
  }

  hear(heard: HeardLevel[], atMs: number): void {
    this.windowStartMs ??= atMs;
    for (const { mid, level } of heard) {
      const participantId = this.participantOf(mid);
      if (participantId !== undefined) this.window.set(participantId, Math.max(level, this.window.get(participantId) ?? 0));
    }
    if (atMs - this.windowStartMs >= JUDGE_EVERY_MS) this.judge(atMs);
  }

  private judge(atMs: number): void {
    [this.judged, this.window] = [this.window, new Map()];
    this.windowStartMs = atMs;
    let loudest: string | undefined;
    let loudestLevel = THRESHOLD;
    for (const [participantId, level] of this.judged) {
      if (level <= THRESHOLD) continue;
      this.listener.speaking(participantId, atMs);
      if (level > loudestLevel) [loudest, loudestLevel] = [participantId, level];
    }
    this.listener.loudest(loudest);
  }
}
