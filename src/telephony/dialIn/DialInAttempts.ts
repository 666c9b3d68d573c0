/**
 * The wrong-PIN budget of each caller number: `failuresPerWindow` wrong
 * PINs per hour, after which its calls are refused at once until the hour
 * is over. Callers that send no number share one budget. The table is
 * bounded, so a flood of made-up numbers cannot grow it without end.
 */
const WINDOW_MS = 60 * 60_000;
const MAX_NUMBERS = 10_000;
const ANONYMOUS = '(anonymous)';

interface Budget {
  failures: number;
  windowStartedAt: number;
}

export class DialInAttempts {
  private readonly budgets = new Map<string, Budget>();

  constructor(
    private readonly failuresPerWindow: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call from this number may try a PIN now. */
  allows(callerNumber: string): boolean {
    const budget = this.current(callerNumber);
    return budget === undefined || budget.failures < this.failuresPerWindow;
  }

  /** Counts a wrong PIN; false once the number has used up its budget. */
  recordFailure(callerNumber: string): boolean {
    const key = callerNumber || ANONYMOUS;
    const budget = this.current(key) ?? { failures: 0, windowStartedAt: this.now() };
    budget.failures += 1;
    if (!this.budgets.has(key) && this.budgets.size >= MAX_NUMBERS) this.forgetExpired();
    // Still full of live budgets: the oldest entry gives way (Maps keep insertion order).
    if (!this.budgets.has(key) && this.budgets.size >= MAX_NUMBERS) this.budgets.delete(this.budgets.keys().next().value as string);
    this.budgets.set(key, budget);
    return budget.failures < this.failuresPerWindow;
  }

  private current(callerNumber: string): Budget | undefined {
    const key = callerNumber || ANONYMOUS;
    const budget = this.budgets.get(key);
    if (budget && this.now() - budget.windowStartedAt >= WINDOW_MS) {
      this.budgets.delete(key);
      return undefined;
    }
    return budget;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, budget] of this.budgets) if (now - budget.windowStartedAt >= WINDOW_MS) this.budgets.delete(key);
  }
}
