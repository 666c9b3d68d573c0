/**
 * Simulcast layer switches Janus has not made yet. Janus moves a
 * subscriber's stream to another substream at that substream's next
 * keyframe, and asks the publisher for one once, when configured. A browser
 * ignores a keyframe request that follows another for the same layer within
 * 300 ms, and sends no keyframes of its own accord: a request lost that way
 * would leave the switch waiting for ever. So a switch not made in time is
 * configured again (Janus then asks again), a few times at most.
 */
export interface LayerSwitchTiming {
  retryMs: number;
  maxRetries: number;
}

const DEFAULT_TIMING: LayerSwitchTiming = { retryMs: 700, maxRetries: 5 };

interface PendingSwitch {
  substream: number;
  retries: number;
  timer: NodeJS.Timeout;
}

export class LayerSwitches {
  private readonly pending = new Map<string, PendingSwitch>();

  /** `configureAgain(mid)` sends that stream's layer setting again. */
  constructor(
    private readonly configureAgain: (mid: string) => void,
    private readonly timing: LayerSwitchTiming = DEFAULT_TIMING,
  ) {}

  /** A stream was configured to move to `substream`. */
  expect(mid: string, substream: number): void {
    this.cancel(mid);
    this.arm(mid, substream, 0);
  }

  /** Janus says the stream now carries `substream`. */
  reached(mid: string, substream: number): void {
    if (this.pending.get(mid)?.substream === substream) this.cancel(mid);
  }

  cancel(mid: string): void {
    const pending = this.pending.get(mid);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(mid);
  }

  clear(): void {
    for (const mid of [...this.pending.keys()]) this.cancel(mid);
  }

  private arm(mid: string, substream: number, retries: number): void {
    const timer = setTimeout(() => {
      if (retries >= this.timing.maxRetries) {
        this.pending.delete(mid);
        return;
      }
      this.arm(mid, substream, retries + 1);
      this.configureAgain(mid);
    }, this.timing.retryMs);
    this.pending.set(mid, { substream, retries, timer });
  }
}
