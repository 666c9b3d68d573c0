/**
 * Keeps the page's received video within what its downlink carries: every
 * second it looks at the video that arrived (packets lost, frames frozen),
 * steps the layers down after two bad seconds, and back up after a long
 * clean spell; stepping up again too soon after a fall waits longer each
 * time (up to a bound), so a link at its limit does not seesaw. Stepping
 * down shrinks every tile's request alike: all tiles keep moving at a lower
 * layer rather than some freezing.
 */
import type { DownlinkQuality } from '../view/ViewReporter.js';
import type { InboundSample } from './ReceiveStats.js';

/** The quality at each step: full, then half and quarter size, then quarter size at the lowest frame rate. */
const STEPS: readonly DownlinkQuality[] = [
  { scale: 1, lowFrameRate: false },
  { scale: 0.5, lowFrameRate: false },
  { scale: 0.25, lowFrameRate: false },
  { scale: 0.25, lowFrameRate: true },
];
const WINDOW_MS = 1_000;
const BAD_SECONDS_TO_STEP_DOWN = 2;
/** A lost share of packets above this, in a second, makes it bad. */
const LOSS_LIMIT = 0.04;
const FIRST_CLEAN_SECONDS_TO_STEP_UP = 6;
const MAX_CLEAN_SECONDS_TO_STEP_UP = 12;
/** A fall this soon after a step up shows the link cannot carry that step: wait longer before the next try. */
const SEESAW_SECONDS = 20;

interface Totals {
  received: number;
  lost: number;
  freezes: number;
}

export class DownlinkMonitor {
  private step = 0;
  private windowStart: number | undefined;
  private windowTotals: Totals | undefined;
  private badSeconds = 0;
  private cleanSeconds = 0;
  private cleanSecondsToStepUp = FIRST_CLEAN_SECONDS_TO_STEP_UP;
  private secondsSinceStepUp = Number.POSITIVE_INFINITY;

  constructor(private readonly apply: (quality: DownlinkQuality) => void) {}

  get quality(): DownlinkQuality {
    return STEPS[this.step]!;
  }

  update(samples: InboundSample[], atMs: number): void {
    const totals = sum(samples.filter((sample) => sample.kind === 'video'));
    if (this.windowStart === undefined || this.windowTotals === undefined || totals.received < this.windowTotals.received) {
      [this.windowStart, this.windowTotals] = [atMs, totals];
      return;
    }
    if (atMs - this.windowStart < WINDOW_MS) return;
    const lost = totals.lost - this.windowTotals.lost;
    const received = totals.received - this.windowTotals.received;
    const froze = totals.freezes > this.windowTotals.freezes;
    [this.windowStart, this.windowTotals] = [atMs, totals];
    this.judge(froze || (received + lost > 0 && lost / (received + lost) > LOSS_LIMIT));
  }

  private judge(bad: boolean): void {
    this.secondsSinceStepUp += 1;
    if (bad) {
      this.cleanSeconds = 0;
      this.badSeconds += 1;
      if (this.badSeconds >= BAD_SECONDS_TO_STEP_DOWN && this.step < STEPS.length - 1) {
        this.badSeconds = 0;
        const seesaw = this.secondsSinceStepUp < SEESAW_SECONDS;
        this.cleanSecondsToStepUp = seesaw ? Math.min(this.cleanSecondsToStepUp * 2, MAX_CLEAN_SECONDS_TO_STEP_UP) : FIRST_CLEAN_SECONDS_TO_STEP_UP;
        this.moveTo(this.step + 1);
      }
      return;
    }
    this.badSeconds = 0;
    this.cleanSeconds += 1;
    if (this.cleanSeconds >= this.cleanSecondsToStepUp && this.step > 0) {
      this.cleanSeconds = 0;
      this.secondsSinceStepUp = 0;
      this.moveTo(this.step - 1);
    }
  }

  private moveTo(step: number): void {
    this.step = step;
    this.apply(this.quality);
  }
}

function sum(samples: InboundSample[]): Totals {
  return samples.reduce((t, s) => ({ received: t.received + s.packetsReceived, lost: t.lost + s.packetsLost, freezes: t.freezes + s.freezeCount }), { received: 0, lost: 0, freezes: 0 });
}
