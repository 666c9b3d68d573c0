/**
 * Pings the server over the signalling socket and reports how long each
 * pong took on its way down: the page's clock when it arrived minus the
 * server's when it was sent. The two clocks differ by a constant the
 * monitor cancels (it compares delays with the lowest one seen lately), and
 * what stays is the queue on the page's downlink, which pongs share with
 * the page's media (see DownlinkMonitor). A one-way delay leaves out the way
 * up and any moment the server was busy before it answered. The time the
 * page itself was busy just before it handled the pong (its long tasks, its
 * ping timer firing late behind other work) is taken off: a pong can have
 * waited that long for the page, not the network. Only the busy run that
 * ends as the pong is handled counts (heldByPage): taking off every busy
 * moment since the ping took off more the longer a queue made the pong
 * take, so a busy page on a slow downlink saw its queue seconds late.
 * A pong is judged a moment after it is handled, once the long task that
 * may have held it back has been reported.
 */
import { heldByPage, type BusySpell } from './heldByPage.js';

const PING_EVERY_MS = 100;
/** Long tasks are reported after they end: a pong is judged once those before it have been. */
const JUDGE_AFTER_MS = 50;
/** A pong this late is not waited for any more (the socket is being replaced). */
const FORGET_AFTER_MS = 10_000;

export class DownlinkDelays {
  private timer: number | undefined;
  private nonce = 0;
  private readonly sentAt = new Map<number, number>();
  /** Spells the page's main thread was busy (performance.now() times), the last FORGET_AFTER_MS of them. */
  private busy: BusySpell[] = [];
  /** Pongs handled but not judged yet. */
  private handled: Array<{ pingedAt: number; handledAt: number; delayMs: number }> = [];

  /** `measuring()` says whether there is media to measure the queue of yet: until then no pings go out. */
  constructor(
    private readonly ping: (nonce: number) => void,
    private readonly report: (delayMs: number, atMs: number) => void,
    private readonly measuring: () => boolean,
  ) {
    if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
      new PerformanceObserver((list) => {
        for (const task of list.getEntries()) this.busy.push({ from: task.startTime, to: task.startTime + task.duration });
      }).observe({ type: 'longtask' });
    }
  }

  start(): void {
    this.stop();
    let due = performance.now() + PING_EVERY_MS;
    this.timer = window.setInterval(() => {
      const now = performance.now();
      if (now > due) this.busy.push({ from: due, to: now });
      due = now + PING_EVERY_MS;
      for (const [nonce, at] of this.sentAt) if (now - at > FORGET_AFTER_MS) this.sentAt.delete(nonce);
      this.busy = this.busy.filter((spell) => now - spell.to <= FORGET_AFTER_MS);
      this.judgeHandled(now);
      if (!this.measuring()) return;
      this.nonce += 1;
      this.sentAt.set(this.nonce, now);
      this.ping(this.nonce);
    }, PING_EVERY_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.timer = undefined;
    this.sentAt.clear();
    this.handled = [];
  }

  /** `serverSentAt`: the server's clock (ms since 1970) when it sent the pong. */
  pong(nonce: number | undefined, serverSentAt: number | undefined): void {
    const pingedAt = nonce === undefined ? undefined : this.sentAt.get(nonce);
    if (pingedAt === undefined || nonce === undefined || serverSentAt === undefined) return;
    this.sentAt.delete(nonce);
    const now = performance.now();
    this.handled.push({ pingedAt, handledAt: now, delayMs: performance.timeOrigin + now - serverSentAt });
  }

  private judgeHandled(now: number): void {
    const due = this.handled.filter((pong) => now - pong.handledAt >= JUDGE_AFTER_MS);
    this.handled = this.handled.filter((pong) => now - pong.handledAt < JUDGE_AFTER_MS);
    for (const pong of due) this.report(pong.delayMs - heldByPage(this.busy, pong.handledAt, pong.pingedAt), pong.handledAt);
  }
}
