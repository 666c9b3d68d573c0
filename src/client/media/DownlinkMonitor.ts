/**
 * Keeps the page's received video within what its downlink carries. Janus
 * 1.1.2 estimates no subscriber's bandwidth, so the page watches for itself,
 * every half second:
 *
 * - queueing: how long the signalling socket's pongs take on their way
 *   down, against the shortest lately (DownlinkDelays). Media and pongs
 *   share the way down, so a downlink asked for more than it carries
 *   queues the pongs too, well before it starts dropping packets: the page
 *   steps down at once, while every tile still decodes;
 * - loss in the video received (a link that drops without queueing): two
 *   bad half-seconds in a row step down, one with heavy loss at once.
 *   Frozen frames count only along with loss: without it they are the
 *   page's own decoding falling behind, which a smaller layer from the
 *   network does not cure.
 *
 * After a step down, the page steps down again only if the queue does not
 * start to drain (and if loss goes on once it should have). Stepping down
 * shrinks every tile's request alike: all tiles keep moving at a lower layer
 * rather than some freezing. Steps go a layer down first, and only at the
 * bottom to half the frames. Janus 1.1.2 asks the sender for a keyframe for
 * a change of temporal layer as it does for a change of substream, and it
 * goes on relaying the larger layer until that keyframe: fewer frames first
 * would bring one large keyframe per tile into a queue, and a layer step
 * after it another.
 * The page climbs back after a clean spell a tile at a time (a whole step
 * at once would ask for several keyframes together, a burst a tight link
 * cannot take; a step that only restores the frame rate is taken whole),
 * the next tile a clean second after the last, on through the steps
 * until the top or trouble. A climb that fails soon after waits longer the
 * next time (up to a bound), so a link at its limit does not seesaw, and
 * one that got better is found within seconds.
 */
import type { DownlinkQuality, LayerLadder } from '../view/ViewReporter.js';
import type { InboundSample } from './ReceiveStats.js';

const WINDOW_MS = 500;
/** Pongs slower than the quickest by this much mean a queue on the way down. */
const QUEUE_LIMIT_MS = 150;
/** The quickest pong of this long a spell took the link's own time. */
const BASELINE_SPAN_MS = 30_000;
/** The latest pongs (at most this old, at least two of them) say what the queue is now. */
const RECENT_SPAN_MS = 300;
/** A lost share of packets above this in a window makes it bad; above the heavy one, it steps down at once. */
const LOSS_LIMIT = 0.04;
const HEAVY_LOSS = 0.1;
/** After a step down, what was queued must drain before loss means anything again. */
const DRAIN_MS = 2_000;
/**
 * After a step down, a queue that is not shrinking this long after it steps
 * down again: a smaller layer starts at its keyframe, and what the larger one
 * queued before it has to go first (in a second, a queue on a link at its
 * limit had often not begun to shrink yet; two seconds on, it had).
 */
const SETTLE_MS = 2_000;
/** A queue shrinking by at least this much a second is draining: the step down was enough. */
const DRAINING_MS_PER_S = 30;
const FIRST_CLEAN_MS_TO_STEP_UP = 4_000;
const MAX_CLEAN_MS_TO_STEP_UP = 6_000;
/** Once a climb has begun, the next tile goes up after this long clean. */
const CLEAN_MS_TO_PROMOTE_NEXT = 1_000;
/** A fall this soon after a step up shows the link cannot carry that step: wait longer before the next try. */
const SEESAW_MS = 20_000;

interface Totals {
  received: number;
  lost: number;
  freezes: number;
}

/**
 * The steps, from the top: every tile at the layer it needs; one layer
 * lower, and so on while any tile has a layer lower still (the ladder's
 * depth); then half the frames too.
 */
export class DownlinkMonitor {
  private lower = 0;
  private lowFrameRate = false;
  /** Tiles given a layer more during a climb. */
  private promoted = 0;
  private windowStart: number | undefined;
  private windowTotals: Totals | undefined;
  private badWindows = 0;
  private cleanSince: number | undefined;
  private cleanMsToStepUp = FIRST_CLEAN_MS_TO_STEP_UP;
  private steppedUpAt = Number.NEGATIVE_INFINITY;
  private steppedDownAt = Number.NEGATIVE_INFINITY;
  private delays: Array<{ atMs: number; ms: number }> = [];
  /** Climbing: each next tile goes up after a short clean spell, until the top step or a fall. */
  private climbing = false;

  constructor(
    private readonly apply: (quality: DownlinkQuality) => void,
    private readonly ladder: () => LayerLadder,
  ) {}

  get quality(): DownlinkQuality {
    return { lower: this.lower, lowFrameRate: this.lowFrameRate, promoted: this.promoted };
  }

  /** How long a pong took on its way down: a queue forming steps down at once, without waiting for the window's end. */
  downlinkDelay(ms: number, atMs: number): void {
    this.delays.push({ atMs, ms });
    this.delays = this.delays.filter((sample) => atMs - sample.atMs <= BASELINE_SPAN_MS);
    if (atMs - this.steppedDownAt >= SETTLE_MS && this.queued(atMs)) this.stepDown(atMs);
  }

  update(samples: InboundSample[], atMs: number): void {
    const video = samples.filter((sample) => sample.kind === 'video');
    const totals = sum(video);
    if (this.windowStart === undefined || this.windowTotals === undefined || totals.received < this.windowTotals.received) {
      [this.windowStart, this.windowTotals] = [atMs, totals];
      return;
    }
    if (atMs - this.windowStart < WINDOW_MS) return;
    const lost = totals.lost - this.windowTotals.lost;
    const received = totals.received - this.windowTotals.received;
    const lossShare = received + lost > 0 ? lost / (received + lost) : 0;
    const froze = totals.freezes > this.windowTotals.freezes;
    [this.windowStart, this.windowTotals] = [atMs, totals];
    this.judge(atMs, { queued: this.queued(atMs), lossShare, froze });
  }

  /** A queue on the way down that is not draining. */
  private queued(atMs: number): boolean {
    const queue = this.queueMs(atMs);
    return queue > QUEUE_LIMIT_MS && queue > this.queueMs(atMs - 1_000) - DRAINING_MS_PER_S;
  }

  /** How much longer the pongs up to `atMs` took than the link's own time (0 without enough of them). */
  private queueMs(atMs: number): number {
    const recent = this.delays.filter((sample) => sample.atMs <= atMs && atMs - sample.atMs <= RECENT_SPAN_MS).map((sample) => sample.ms);
    if (recent.length < 2) return 0;
    const baseline = Math.min(...this.delays.map((sample) => sample.ms));
    return Math.min(...recent) - baseline;
  }

  private judge(atMs: number, window: { queued: boolean; lossShare: number; froze: boolean }): void {
    if (atMs - this.steppedDownAt < DRAIN_MS) return;
    const urgent = window.queued || window.lossShare > HEAVY_LOSS;
    const bad = urgent || window.lossShare > LOSS_LIMIT || (window.froze && window.lossShare > 0);
    if (!bad) {
      this.badWindows = 0;
      this.cleanSince ??= atMs;
      const atTop = this.lower === 0 && !this.lowFrameRate;
      if (!atTop && atMs - this.cleanSince >= (this.climbing ? CLEAN_MS_TO_PROMOTE_NEXT : this.cleanMsToStepUp)) this.climb(atMs);
      return;
    }
    this.cleanSince = undefined;
    this.badWindows += 1;
    if (urgent || this.badWindows >= 2) this.stepDown(atMs);
  }

  private stepDown(atMs: number): void {
    this.badWindows = 0;
    this.cleanSince = undefined;
    this.climbing = false;
    const { depth } = this.ladder();
    if (this.promoted === 0 && this.lower >= depth && this.lowFrameRate) return;
    const seesaw = atMs - this.steppedUpAt < SEESAW_MS;
    this.cleanMsToStepUp = seesaw ? Math.min(this.cleanMsToStepUp * 2, MAX_CLEAN_MS_TO_STEP_UP) : FIRST_CLEAN_MS_TO_STEP_UP;
    this.steppedDownAt = atMs;
    // A failing climb undoes its tiles first; then every tile goes a layer down, and at the bottom to fewer frames.
    if (this.promoted > 0) this.moveTo(this.lower, this.lowFrameRate, 0, atMs);
    else if (this.lower < depth) this.moveTo(this.lower + 1, this.lowFrameRate, 0, atMs);
    else this.moveTo(this.lower, true, 0, atMs);
  }

  /** Frames back for every tile at once (the keyframes that asks for are of the small layer each tile has), else one more tile a layer up; the last one up completes the step. */
  private climb(atMs: number): void {
    this.steppedUpAt = atMs;
    this.climbing = true;
    const promoted = this.promoted + 1;
    if (this.lowFrameRate) this.moveTo(Math.min(this.lower, this.ladder().depth), false, 0, atMs);
    else if (promoted >= this.ladder().climbable(this.lower)) this.moveTo(this.lower - 1, false, 0, atMs);
    else this.moveTo(this.lower, false, promoted, atMs);
  }

  private moveTo(lower: number, lowFrameRate: boolean, promoted: number, atMs: number): void {
    this.lower = lower;
    this.lowFrameRate = lowFrameRate;
    this.promoted = promoted;
    this.cleanSince = atMs;
    this.apply(this.quality);
  }
}

function sum(samples: InboundSample[]): Totals {
  return samples.reduce((t, s) => ({ received: t.received + s.packetsReceived, lost: t.lost + s.packetsLost, freezes: t.freezes + s.freezeCount }), { received: 0, lost: 0, freezes: 0 });
}
