/**
 * How good a connection is, as a label people read at a glance: good, fair
 * or poor, from what the page measures of it once a second (the share of
 * packets lost, the round-trip time, and whether media still arrives).
 *
 * | grade | entered when                                        | kept while                    |
 * |-------|-----------------------------------------------------|-------------------------------|
 * | poor  | loss ≥ 8 %, or round trip ≥ 700 ms, or media stalled | loss ≥ 5 % or round trip ≥ 550 ms |
 * | fair  | loss ≥ 2 %, or round trip ≥ 300 ms                   | loss ≥ 1 % or round trip ≥ 250 ms |
 * | good  | otherwise                                            |                               |
 *
 * A label falls as soon as a measure crosses into a worse grade, and
 * climbs back only once the measures have stayed below the "kept while"
 * values for CLIMB_AFTER_S seconds in a row: the gap between the two sets
 * of values and the wait keep a link that hovers at a limit from making
 * the label flicker.
 */

export type Grade = 'good' | 'fair' | 'poor';

/** One second's view of a connection. */
export interface LinkMeasure {
  /** Share (0–1) of the packets expected that were lost, over the last few seconds. */
  lossShare: number;
  /** Round-trip time, when the browser has measured one. */
  roundTripMs: number | undefined;
  /** Media bitrate, in kbit/s. */
  kbps: number;
  /** Media that flowed has stopped arriving (or leaving) altogether. */
  stalled: boolean;
}

/** A grade with the measure it came from, for a label and its details. */
export interface QualityReport extends LinkMeasure {
  grade: Grade;
}

interface Limits {
  lossShare: number;
  roundTripMs: number;
}

const ENTER: Record<Exclude<Grade, 'good'>, Limits> = {
  fair: { lossShare: 0.02, roundTripMs: 300 },
  poor: { lossShare: 0.08, roundTripMs: 700 },
};
const KEEP: Record<Exclude<Grade, 'good'>, Limits> = {
  fair: { lossShare: 0.01, roundTripMs: 250 },
  poor: { lossShare: 0.05, roundTripMs: 550 },
};
/** Seconds a better grade must hold before the label climbs to it. */
export const CLIMB_AFTER_S = 3;

const RANK: Record<Grade, number> = { good: 0, fair: 1, poor: 2 };

function gradeAgainst(limits: typeof ENTER, measure: LinkMeasure): Grade {
  const beyond = ({ lossShare, roundTripMs }: Limits): boolean => measure.lossShare >= lossShare || (measure.roundTripMs ?? 0) >= roundTripMs;
  if (measure.stalled || beyond(limits.poor)) return 'poor';
  return beyond(limits.fair) ? 'fair' : 'good';
}

/** The grade of one connection (or one participant's streams), one measure a second. */
export class QualityGrader {
  private current: Grade | undefined;
  private betterFor = 0;

  get grade(): Grade | undefined {
    return this.current;
  }

  update(measure: LinkMeasure): Grade {
    const entered = gradeAgainst(ENTER, measure);
    const kept = gradeAgainst(KEEP, measure);
    if (this.current === undefined || RANK[entered] > RANK[this.current]) {
      this.current = entered;
      this.betterFor = 0;
    } else if (RANK[kept] < RANK[this.current]) {
      this.betterFor += 1;
      if (this.betterFor >= CLIMB_AFTER_S) {
        this.current = kept;
        this.betterFor = 0;
      }
    } else {
      this.betterFor = 0;
    }
    return this.current;
  }
}

/** The longer of two round trips (undefined: not measured). */
export function longer(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** The worse of two grades (undefined: not measured). */
export function worse(a: Grade | undefined, b: Grade | undefined): Grade | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}
