/**
 * The WebSockets a page opens, oldest first, as seen from outside the
 * page: how a test follows a page's reconnect attempts.
 */
import type { Page } from 'playwright-core';

interface SocketAttempt {
  /** Why it failed, in Chromium's words (e.g. `net::ERR_CONNECTION_REFUSED`), if it did. */
  error: string | undefined;
}

export class PageSockets {
  private readonly attempts: SocketAttempt[] = [];

  /** Watches from now on: make it before the page connects. */
  constructor(page: Page) {
    page.on('websocket', (socket) => {
      const attempt: SocketAttempt = { error: undefined };
      this.attempts.push(attempt);
      socket.on('socketerror', (error) => (attempt.error = error));
    });
  }

  /** How many the page has opened so far. */
  get opened(): number {
    return this.attempts.length;
  }

  /**
   * Whether an attempt failed with an error matching `error`, and the page
   * has opened another one since. The page tries again from the handler of
   * the failure (src/client/signalling.ts), so what the failure made it
   * show is on screen by then.
   */
  hasHandledFailure(error: RegExp): boolean {
    const failed = this.attempts.findIndex((attempt) => attempt.error !== undefined && error.test(attempt.error));
    return failed >= 0 && failed < this.attempts.length - 1;
  }
}
