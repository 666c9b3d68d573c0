/**
 * The quality of what the page receives: from each remote participant, and
 * over its receiving connection as a whole. It reads no statistics of its
 * own but takes ReceiveStats' samples (already read for the downlink
 * monitor), and judges once a second:
 *
 * - loss: the share of packets lost over the last WINDOW_S seconds, on the
 *   participant's worst stream that carried enough packets to tell. Video
 *   that is lost is mostly sent again in time (NACK), audio is not: a
 *   voice breaking up is what people notice first;
 * - round-trip time: the page's to Janus (every feed comes to the page
 *   over that path);
 * - bitrate: what their streams brought in the last second; their audio
 *   stopping altogether after it flowed is a stall (audio flows even while
 *   muted, unlike video, which the page stops asking for off screen).
 *
 * Trouble on the page's own downlink hits everyone it receives: the
 * connection as a whole is graded on the least loss among the participants
 * (all of them losing packets means the page's side of Janus), its round
 * trip, and every participant's audio stalling.
 */
import type { InboundSample } from './ReceiveStats.js';
import { QualityGrader, type LinkMeasure, type QualityReport } from './ConnectionQuality.js';

const EVERY_MS = 1_000;
const WINDOW_S = 3;
/** A stream's loss counts only with this many packets expected in the window: one packet of a muted camera's few would look like a disaster. */
const MIN_PACKETS = 50;

interface Counts {
  kind: InboundSample['kind'];
  received: number;
  lost: number;
  bytes: number;
}

export interface ReceiveQualityListener {
  participant(participantId: string, report: QualityReport): void;
  /** Nothing of theirs is received any more: their grade says nothing now. */
  gone(participantId: string): void;
  /** The receiving connection as a whole: the page's own downlink. */
  downlink(report: QualityReport): void;
}

/** What arrived from one participant, the last WINDOW_S seconds of it. */
class ParticipantLink {
  readonly grader = new QualityGrader();
  /** Per second, what each of their streams (by m-line) brought. */
  seconds: Array<Map<string, Counts>> = [];
  audioFlowed = false;

  measure(roundTripMs: number | undefined, elapsedMs: number): LinkMeasure {
    const totals = new Map<string, { received: number; lost: number }>();
    for (const second of this.seconds) {
      for (const [mid, counts] of second) {
        const total = totals.get(mid) ?? { received: 0, lost: 0 };
        totals.set(mid, { received: total.received + counts.received, lost: total.lost + counts.lost });
      }
    }
    const shares = [...totals.values()].filter(({ received, lost }) => received + lost >= MIN_PACKETS).map(({ received, lost }) => lost / (received + lost));
    const latest = [...(this.seconds.at(-1)?.values() ?? [])];
    const audio = latest.filter((counts) => counts.kind === 'audio');
    const audioBytes = audio.reduce((sum, counts) => sum + counts.bytes, 0);
    const stalled = this.audioFlowed && audio.length > 0 && audioBytes === 0;
    this.audioFlowed ||= audioBytes > 0;
    return {
      lossShare: Math.max(0, ...shares),
      roundTripMs,
      kbps: Math.round((latest.reduce((sum, counts) => sum + counts.bytes, 0) * 8) / elapsedMs),
      stalled,
    };
  }
}

export class ReceiveQuality {
  private readonly links = new Map<string, ParticipantLink>();
  private readonly downlinkGrader = new QualityGrader();
  /** Each stream's counters at the last judgement, by m-line and participant (Janus hands a freed m-line to a later feed). */
  private previous = new Map<string, Counts>();
  private judgedAt: number | undefined;

  constructor(
    /** The participant whose feed an m-line carries now. */
    private readonly participantOf: (mid: string) => string | undefined,
    private readonly listener: ReceiveQualityListener,
  ) {}

  /** ReceiveStats' listener. */
  update(samples: InboundSample[], atMs: number, roundTripMs: number | undefined): void {
    if (this.judgedAt !== undefined && atMs - this.judgedAt < EVERY_MS) return;
    const elapsedMs = this.judgedAt === undefined ? EVERY_MS : atMs - this.judgedAt;
    this.judgedAt = atMs;
    const { received, seconds } = this.count(samples);
    for (const participantId of this.links.keys()) {
      if (received.has(participantId)) continue;
      this.links.delete(participantId);
      this.listener.gone(participantId);
    }
    const measures: LinkMeasure[] = [];
    for (const [participantId, second] of seconds) {
      const link = this.links.get(participantId) ?? new ParticipantLink();
      this.links.set(participantId, link);
      link.seconds = [...link.seconds, second].slice(-WINDOW_S);
      const measure = link.measure(roundTripMs, elapsedMs);
      measures.push(measure);
      this.listener.participant(participantId, { ...measure, grade: link.grader.update(measure) });
    }
    if (measures.length === 0) return;
    const downlink: LinkMeasure = {
      lossShare: Math.min(...measures.map((measure) => measure.lossShare)),
      roundTripMs,
      kbps: measures.reduce((sum, measure) => sum + measure.kbps, 0),
      stalled: measures.every((measure) => measure.stalled),
    };
    this.listener.downlink({ ...downlink, grade: this.downlinkGrader.update(downlink) });
  }

  /**
   * Who is received now, and what each of their streams brought since the last judgement. A stream seen
   * for the first time (or on a new connection, its counters begun again) only starts its counts: a
   * participant whose streams are all new is graded from the next second.
   */
  private count(samples: InboundSample[]): { received: Set<string>; seconds: Map<string, Map<string, Counts>> } {
    const current = new Map<string, Counts>();
    const seconds = new Map<string, Map<string, Counts>>();
    const received = new Set<string>();
    for (const sample of samples) {
      const participantId = this.participantOf(sample.mid);
      if (participantId === undefined) continue;
      received.add(participantId);
      const key = `${sample.mid}/${participantId}`;
      const now: Counts = { kind: sample.kind, received: sample.packetsReceived, lost: sample.packetsLost, bytes: sample.bytesReceived };
      current.set(key, now);
      const before = this.previous.get(key);
      if (!before || now.received < before.received || now.bytes < before.bytes) continue;
      const second = seconds.get(participantId) ?? new Map<string, Counts>();
      second.set(sample.mid, { kind: sample.kind, received: now.received - before.received, lost: Math.max(0, now.lost - before.lost), bytes: now.bytes - before.bytes });
      seconds.set(participantId, second);
    }
    this.previous = current;
    return { received, seconds };
  }
}
