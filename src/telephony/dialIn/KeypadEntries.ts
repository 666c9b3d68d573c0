/**
 * What a caller types before joining: digits up to `#` make one entry (a
 * PIN). Keys typed ahead, while a prompt plays, are kept; `*` clears what
 * was typed so far. An entry is bounded, so a flood of digits cannot grow it.
 */
import type { KeypadDigit } from './telephoneEvents.js';

const MAX_ENTRY_DIGITS = 32;

export class KeypadEntries {
  private typed = '';
  private readonly ready: string[] = [];
  private waiter: ((entry: string | undefined) => void) | undefined;

  push(digit: KeypadDigit): void {
    if (digit === '*') {
      this.typed = '';
    } else if (digit === '#') {
      const entry = this.typed;
      this.typed = '';
      if (this.waiter) this.settle(entry);
      else if (this.ready.length < 2) this.ready.push(entry);
    } else if (this.typed.length < MAX_ENTRY_DIGITS) {
      this.typed += digit;
    }
  }

  /** The next entry, or undefined when none comes within `timeoutMs` or `cancel` is called. */
  next(timeoutMs: number): { entry: Promise<string | undefined>; cancel: () => void } {
    const early = this.ready.shift();
    if (early !== undefined) return { entry: Promise.resolve(early), cancel: () => undefined };
    this.settle(undefined);
    let timer: NodeJS.Timeout | undefined;
    const entry = new Promise<string | undefined>((resolve) => {
      this.waiter = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
      timer = setTimeout(() => this.settle(undefined), timeoutMs);
    });
    return { entry, cancel: () => this.settle(undefined) };
  }

  private settle(entry: string | undefined): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(entry);
  }
}
