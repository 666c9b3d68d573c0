/**
 * How fast a page may send signalling messages: a token bucket per
 * connection, a steady rate with a burst on top (a page joining a full room
 * answers many offers and trickles many candidates at once). A message over
 * the limit is refused; a page that keeps sending after being refused is
 * cut off, since no page of ours does that.
 */

export interface MessageRate {
  perSecond: number;
  burst: number;
}

/** Refusals a page may collect before it is cut off... */
const REFUSALS_BEFORE_CUT_OFF = 20;
/** ...of which it is forgiven this many a second. */
const REFUSALS_FORGIVEN_PER_S = 1;

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type MessageVerdict = 'accept' | 'refuse' | 'cut off';

export class MessageRateLimit {
  private readonly messages: TokenBucket;
  private readonly refusals: TokenBucket;

  constructor(rate: MessageRate, now: () => number = Date.now) {
    this.messages = new TokenBucket(rate.perSecond, rate.burst, now);
    this.refusals = new TokenBucket(REFUSALS_FORGIVEN_PER_S, REFUSALS_BEFORE_CUT_OFF, now);
  }

  /** The verdict on one more message. */
  check(): MessageVerdict {
    if (this.messages.take()) return 'accept';
    return this.refusals.take() ? 'refuse' : 'cut off';
  }
}
